import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    // a new PGlite store starts from one initdb'd template instead of running initdb (test/support/pglite-template.mjs)
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup.ts'],
    // vitest's default is one worker on a 2-core machine (cores - 1). Most files wait on sockets, timers and the
    // processes they spawn (gateways, the CLI, MCP servers), so even two workers kept the cores about half busy
    // (2 min 44 s of CPU in a 3 min 11 s run); three took the suite from 191 s to 125 s on the same machine
    maxWorkers: 3,
    // one module graph per worker, not per file: otherwise every file re-imports rxjs, zod, express, openai, ai...
    // and compiles PGlite's 9 MB WebAssembly again (tests share no state through modules; each opens its own stores)
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
