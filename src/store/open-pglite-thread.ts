import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Database } from './database.js';
import type { PgliteFailure, PgliteReply, PgliteRequest } from './pglite-thread-protocol.js';
import type { Queryable } from './queryable.js';

// Request bodies without the id they are numbered with (the union distributed over its members).
type Body<R = PgliteRequest> = R extends PgliteRequest ? Omit<R, 'id'> : never;

/**
 * Embedded Postgres answered from the store thread (`pglite-thread.ts`), in `dataDir` or `':memory:'`: the same
 * `Database` as `openPglite`, but PGlite's WebAssembly (parsing, planning, WAL writes) no longer runs on the event
 * loop that streams to clients.
 */
export async function openPgliteThread(dataDir: string): Promise<Database> {
  const thread = await storeThread();
  const db = thread.nextId();
  await thread.send({ op: 'open', dataDir }, db);
  thread.opened();
  let closed = false;
  const on = (tx?: number): Queryable => ({
    query: async <Row>(text: string, params?: unknown[]) => ({ rows: await thread.send<Row[]>({ op: 'query', db, text, params, tx }) }),
    exec: async (sql: string) => {
      await thread.send({ op: 'exec', db, sql, tx });
    },
  });
  const plain = on();
  return {
    kind: 'pglite',
    query: plain.query,
    exec: plain.exec,
    async transaction(fn) {
      const tx = thread.nextId();
      await thread.send({ op: 'begin', db }, tx);
      let result;
      try {
        result = await fn(on(tx));
      } catch (error) {
        await thread.send({ op: 'end', db, tx, commit: false }).catch(() => {});
        throw error;
      }
      await thread.send({ op: 'end', db, tx, commit: true });
      return result;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await thread.send({ op: 'close', db });
      } finally {
        thread.closed();
      }
    },
  };
}

interface StoreThread {
  send<T = unknown>(request: Body, id?: number): Promise<T>;
  nextId(): number;
  /** Counts open stores: the thread keeps the process alive only while one is open or a request waits. */
  opened(): void;
  closed(): void;
}

let current: Promise<StoreThread> | undefined;

/** The process's store thread, started on first use and again after it died. */
function storeThread(): Promise<StoreThread> {
  current ??= startStoreThread().catch((error: unknown) => {
    current = undefined;
    throw error;
  });
  return current;
}

async function startStoreThread(): Promise<StoreThread> {
  const worker = new Worker(bootstrap(), { eval: true, workerData: { pgliteWasmModule: await compiledPglite() } });
  worker.unref();
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  let lastId = 0;
  let open = 0;
  let gone: Error | undefined;

  // the thread keeps the process alive while a store is open or a request waits, and not after
  let referenced = false;
  const holdProcess = () => {
    const wanted = open > 0 || waiting.size > 0;
    if (wanted === referenced) return;
    referenced = wanted;
    if (wanted) worker.ref();
    else worker.unref();
  };

  worker.on('message', (message: PgliteReply) => {
    const call = waiting.get(message.id);
    if (!call) return;
    waiting.delete(message.id);
    holdProcess();
    if (message.ok) call.resolve(message.result);
    else call.reject(toError(message.error));
  });
  const fail = (error: Error) => {
    gone ??= error;
    current = undefined; // the next open starts a new thread; stores of this one stay failed
    for (const call of waiting.values()) call.reject(error);
    waiting.clear();
  };
  worker.on('error', (error) => fail(error));
  worker.on('exit', (code) => fail(Object.assign(new Error(`the embedded store's thread exited (code ${code})`), { code: 'ECONNRESET' })));

  return {
    nextId: () => ++lastId,
    send<T>(request: Body, id = ++lastId): Promise<T> {
      if (gone) return Promise.reject(gone);
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
        holdProcess();
        worker.postMessage({ ...request, id });
      });
    },
    opened() {
      open += 1;
      holdProcess();
    },
    closed() {
      open -= 1;
      holdProcess();
    },
  };
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** PGlite's 9 MB of WebAssembly, compiled here once and handed to the thread (a compiled module crosses as it is). */
function compiledPglite(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    return WebAssembly.compile(await readFile(join(dist, 'pglite.wasm')));
  })();
  return compiled;
}

/**
 * Module URLs the store thread imports before anything else, as `node --import` does for a process (a worker
 * thread does not inherit those): on globalThis, so a plain-JS preload can add one before the sources load. The
 * test run gives the thread its initdb template this way (test/support/pglite-template-preload.mjs).
 */
export const THREAD_PRELOADS = Symbol.for('sapflow.pgliteThreadPreloads');

/**
 * The thread's first lines: Sapflow runs from its TypeScript sources (`bin/server.js` registers tsx), and a worker
 * thread does not inherit the main thread's loader, so it registers tsx before importing the entry.
 */
function bootstrap(): string {
  const preloads = ((globalThis as Record<symbol, unknown>)[THREAD_PRELOADS] as string[] | undefined) ?? [];
  const entry = new URL(import.meta.url.endsWith('.ts') ? './pglite-thread.ts' : './pglite-thread.js', import.meta.url).href;
  // the package's ESM entry (`require.resolve` would give the CommonJS one, which cannot register ESM hooks)
  const tsx = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'))).href;
  const chain = [...preloads.map((url) => `.then(() => import(${JSON.stringify(url)}))`), `.then(() => import(${JSON.stringify(tsx)}))`];
  return `Promise.resolve()${chain.join('')}.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

/** A thread's error as the store expects it: message and SQLSTATE `code` kept, so guardStore classifies it as before. */
function toError(failure: PgliteFailure): Error {
  return Object.assign(new Error(failure.message), { name: failure.name }, failure.code ? { code: failure.code } : {}, failure.detail ? { detail: failure.detail } : {});
}
