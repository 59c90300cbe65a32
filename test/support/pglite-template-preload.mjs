// `node --import` this in a process a test spawns (a gateway, the CLI, a store script), with
// SAPFLOW_TEST_PGLITE_TEMPLATE set, so its PGlite starts as cheaply as the test workers' does.
import { setFlagsFromString } from 'node:v8';
import { usePgliteTemplate } from './pglite-template.mjs';

// new stores from the test run's template instead of initdb, in this thread and in every store thread
// (src/store/open-pglite-thread.ts imports what this list holds first)
usePgliteTemplate();
const preloads = (globalThis[Symbol.for('sapflow.pgliteThreadPreloads')] ??= []);
if (!preloads.includes(import.meta.url)) preloads.push(import.meta.url);
// PGlite's 9 MB of WebAssembly compiled once, by the baseline compiler: V8's optimising recompile of the hot
// functions costs a short-lived process seconds of CPU it never earns back
setFlagsFromString('--liftoff-only');
