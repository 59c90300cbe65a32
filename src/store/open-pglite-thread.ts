import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Database } from './database.js';
import type { PgliteFailure, PgliteReply, PgliteRequest } from './pglite-thread-protocol.js';
import type { Queryable } from './queryable.js';

// Request bodies without the id the client numbers them with (the union distributed over its members).
type Body<R = PgliteRequest> = R extends PgliteRequest ? Omit<R, 'id'> : never;

/**
 * Embedded Postgres on a worker thread of its own (`pglite-thread.ts`), in `dataDir` or `':memory:'`: the same
 * `Database` as `openPglite`, but PGlite's WebAssembly (parsing, planning, WAL writes) no longer runs on the event
 * loop that streams to clients. One thread per store; closing the store ends it.
 */
export async function openPgliteThread(dataDir: string): Promise<Database> {
  const worker = new Worker(bootstrap(), { eval: true, workerData: { dataDir } });
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  let nextId = 1;
  let gone: Error | undefined;

  worker.on('message', (message: PgliteReply) => {
    const call = waiting.get(message.id);
    if (!call) return;
    waiting.delete(message.id);
    if (message.ok) call.resolve(message.result);
    else call.reject(toError(message.error));
  });
  const fail = (error: Error) => {
    gone ??= error;
    for (const call of waiting.values()) call.reject(error);
    waiting.clear();
  };
  worker.on('error', (error) => fail(error));
  worker.on('exit', (code) => fail(Object.assign(new Error(`the embedded store's thread exited (code ${code})`), { code: 'ECONNRESET' })));

  const send = <T>(request: Body, id = nextId++): Promise<T> => {
    if (gone) return Promise.reject(gone);
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  };
  const on = (tx?: number): Queryable => ({
    query: async <Row>(text: string, params?: unknown[]) => ({ rows: await send<Row[]>({ op: 'query', text, params, tx }) }),
    exec: async (sql: string) => {
      await send({ op: 'exec', sql, tx });
    },
  });

  try {
    await send({ op: 'open' });
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  const plain = on();
  return {
    kind: 'pglite',
    query: plain.query,
    exec: plain.exec,
    async transaction(fn) {
      const tx = nextId++;
      await send({ op: 'begin' }, tx);
      let result;
      try {
        result = await fn(on(tx));
      } catch (error) {
        await send({ op: 'end', tx, commit: false }).catch(() => {});
        throw error;
      }
      await send({ op: 'end', tx, commit: true });
      return result;
    },
    async close() {
      if (gone) return;
      try {
        await send({ op: 'close' });
      } finally {
        await worker.terminate();
      }
    },
  };
}

/**
 * The worker's first lines: Sapflow runs from its TypeScript sources (`bin/server.js` registers tsx), and a worker
 * thread does not inherit the main thread's loader, so it registers tsx before importing the entry.
 */
function bootstrap(): string {
  const entry = new URL(import.meta.url.endsWith('.ts') ? './pglite-thread.ts' : './pglite-thread.js', import.meta.url).href;
  // the package's ESM entry (`require.resolve` would give the CommonJS one, which cannot register ESM hooks)
  const tsx = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'))).href;
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

/** A worker's error as the store expects it: message and SQLSTATE `code` kept, so guardStore classifies it as before. */
function toError(failure: PgliteFailure): Error {
  return Object.assign(new Error(failure.message), { name: failure.name }, failure.code ? { code: failure.code } : {}, failure.detail ? { detail: failure.detail } : {});
}
