/**
 * The store thread behind `openPgliteThread`: it owns this process's PGlite databases (`openPglite`, here) and
 * answers the main thread's requests. PGlite is WebAssembly that runs on whichever thread calls it, and a busy run
 * writes tens of thousands of events; here that work stops competing with the event loop that serves clients. One
 * thread hosts every store of the process, so the module graph loads once however many stores open (tests open
 * hundreds).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Database } from './database.js';
import { openPglite } from './open-pglite.js';
import type { PgliteFailure, PgliteReply, PgliteRequest } from './pglite-thread-protocol.js';
import type { Queryable } from './queryable.js';

const port = parentPort!;
const { pgliteWasmModule } = workerData as { pgliteWasmModule: WebAssembly.Module };

/** An open transaction: its queries go to `tx`; `end` settles the callback `Database.transaction` holds it open with. */
interface OpenTransaction {
  tx: Queryable;
  end(commit: boolean): void;
  done: Promise<void>;
}
const ROLLED_BACK = new Error('rolled back');
const databases = new Map<number, Promise<Database>>();
const transactions = new Map<number, OpenTransaction>();

function target(tx: number | undefined, db: Database): Queryable {
  if (tx === undefined) return db;
  const open = transactions.get(tx);
  if (!open) throw new Error(`no open transaction ${tx}`);
  return open.tx;
}

async function handle(request: PgliteRequest): Promise<unknown> {
  if (request.op === 'open') {
    const opening = openPglite(request.dataDir, { pgliteWasmModule });
    databases.set(request.id, opening);
    try {
      await opening;
    } catch (error) {
      databases.delete(request.id);
      throw error;
    }
    return null;
  }
  const opened = databases.get(request.db);
  if (!opened) throw new Error('the embedded store is closed');
  const db = await opened;
  switch (request.op) {
    case 'query':
      return (await target(request.tx, db).query(request.text, request.params)).rows;
    case 'exec':
      await target(request.tx, db).exec(request.sql);
      return null;
    case 'begin':
      return await new Promise<null>((begun, failed) => {
        const done: Promise<void> = db
          .transaction(
            (tx) =>
              new Promise<void>((commit, rollback) => {
                transactions.set(request.id, { tx, end: (ok) => (ok ? commit() : rollback(ROLLED_BACK)), done });
                begun(null);
              }),
          )
          .then(
            () => {},
            (error: unknown) => {
              // a rollback we asked for is not a failure; anything else before `begun` is
              if (error !== ROLLED_BACK) failed(error);
            },
          );
      });
    case 'end': {
      const open = transactions.get(request.tx);
      transactions.delete(request.tx);
      if (!open) return null;
      open.end(request.commit);
      await open.done; // answered once PGlite has committed (or rolled back)
      return null;
    }
    case 'close':
      databases.delete(request.db);
      await db.close();
      return null;
  }
}

function failure(error: unknown): PgliteFailure {
  const e = error as { message?: unknown; code?: unknown; name?: unknown; detail?: unknown } | null;
  return {
    message: typeof e?.message === 'string' ? e.message : String(error),
    name: typeof e?.name === 'string' ? e.name : 'Error',
    // the SQLSTATE: the store decides from it whether an error is transient or a conflict
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.detail === 'string' ? { detail: e.detail } : {}),
  };
}

port.on('message', (request: PgliteRequest) => {
  handle(request).then(
    (result) => port.postMessage({ id: request.id, ok: true, result } satisfies PgliteReply),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, error: failure(error) } satisfies PgliteReply),
  );
});
