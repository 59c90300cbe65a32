import { inject } from 'vitest';
import { PGLITE_TEMPLATE_ENV, usePgliteTemplate } from './pglite-template.mjs';

// every test file: a new PGlite store (in memory or in a new DATA_DIR) starts from the template, not from initdb;
// the env is for the processes a test spawns with the preload (cli-process.ts)
process.env[PGLITE_TEMPLATE_ENV] = inject('pgliteTemplate');
usePgliteTemplate();
