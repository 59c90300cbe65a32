import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    // a new PGlite store starts from one initdb'd template instead of running initdb (test/support/pglite-template.mjs)
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup.ts'],
    // vitest's default is one worker on a 2-core machine (cores - 1), which leaves a core idle while tests wait on
    // sockets, timers and child processes
    maxWorkers: 2,
    // one module graph per worker, not per file: otherwise every file re-imports rxjs, zod, express, openai, ai...
    // and compiles PGlite's 9 MB WebAssembly again (tests share no state through modules; each opens its own stores)
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
