#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, like bin/server.js, so `npm run worker` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/worker-main.ts');
