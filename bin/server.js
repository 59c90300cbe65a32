#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, so `npm start` needs no build step for the server.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
