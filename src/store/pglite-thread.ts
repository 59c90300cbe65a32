/**
 * The worker-thread side of `openPgliteThread`: owns one PGlite and answers the main thread's requests in order.
 * PGlite is WebAssembly that runs on whichever thread calls it, and a busy run writes tens of thousands of events;
 * here that work stops competing with the event loop that serves clients.
 */
import { mkdir } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { PgliteReply, PgliteRequest } from './pglite-thread-protocol.js';

const port = parentPort!;
const dataDir = (workerData as { dataDir: string }).dataDir;
const inMemory = dataDir === ':memory:';

/** An open transaction: its queries go to `tx`; `end` settles the callback PGlite is holding open. */
interface OpenTransaction {
  tx: Transaction;
  end(commit: boolean): void;
  done: Promise<void>;
}
const ROLLED_BACK = new Error('rolled back');
const transactions = new Map<number, OpenTransaction>();

const ready = (async () => {
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  return inMemory ? await PGlite.create() : await PGlite.create(dataDir);
})();

const reply = (message: PgliteReply) => port.postMessage(message);

const failure = (error: unknown) => {
  const e = error as { message?: unknown; code?: unknown; name?: unknown; detail?: unknown };
  return {
    message: typeof e?.message === 'string' ? e.message : String(error),
    name: typeof e?.name === 'string' ? e.name : 'Error',
    // the SQLSTATE: the store decides from it whether an error is transient or a conflict
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.detail === 'string' ? { detail: e.detail } : {}),
  };
};

async function handle(request: PgliteRequest): Promise<unknown> {
  const pg = await ready;
  switch (request.op) {
    case 'open':
      return null;
    case 'query': {
      const target = request.tx === undefined ? pg : transactions.get(request.tx)!.tx;
      const { rows } = await target.query(request.text, request.params);
      return rows;
    }
    case 'exec':
      if (request.tx !== undefined) {
        await transactions.get(request.tx)!.tx.exec(request.sql);
        return null;
      }
      try {
        await pg.exec(request.sql);
      } catch (error) {
        // PGlite is one session: a script that failed inside its own BEGIN would leave every later query aborted
        if (await pg.isInTransaction()) await pg.exec('ROLLBACK');
        throw error;
      }
      return null;
    case 'begin':
      return await new Promise<null>((begun, failed) => {
        let ended: (commit: boolean) => void = () => {};
        const done = pg
          .transaction(
            (tx) =>
              new Promise<void>((commit, rollback) => {
                ended = (ok) => (ok ? commit() : rollback(ROLLED_BACK));
                transactions.set(request.id, { tx, end: (ok) => ended(ok), done });
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
      await pg.close();
      return null;
  }
}

port.on('message', (request: PgliteRequest) => {
  handle(request).then(
    (result) => reply({ id: request.id, ok: true, result }),
    (error: unknown) => reply({ id: request.id, ok: false, error: failure(error) }),
  );
});
