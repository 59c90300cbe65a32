import { inject } from 'vitest';
import { PGLITE_TEMPLATE_ENV, PGLITE_TEMPLATE_PRELOAD, usePgliteTemplate } from './pglite-template.mjs';
import { THREAD_PRELOADS } from '../../src/store/open-pglite-thread.js';

// every test file: a new PGlite store (in memory or in a new DATA_DIR) starts from the template, not from initdb;
// the env is for the processes a test spawns with the preload (cli-process.ts)
process.env[PGLITE_TEMPLATE_ENV] = inject('pgliteTemplate');
usePgliteTemplate();
// ...and in the worker thread each embedded store runs on
const preloads = ((globalThis as Record<symbol, unknown>)[THREAD_PRELOADS] ??= []) as string[];
if (!preloads.includes(PGLITE_TEMPLATE_PRELOAD)) preloads.push(PGLITE_TEMPLATE_PRELOAD);
