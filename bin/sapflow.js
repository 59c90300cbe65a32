#!/usr/bin/env node
// The `sapflow` command: TypeScript sources run through tsx's loader (a runtime dependency), from any directory.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
