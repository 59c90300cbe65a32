import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Database } from './database.js';
import type { Queryable } from './queryable.js';

/**
 * Embedded Postgres (WebAssembly) in `dataDir`, created if missing; `':memory:'` keeps nothing on disk. On the thread
 * that calls it: the gateway opens it through `openPgliteThread`, whose store thread runs this.
 * `pgliteWasmModule`: PGlite's WebAssembly already compiled (the store thread gets it from the main thread).
 */
export async function openPglite(dataDir: string, { pgliteWasmModule }: { pgliteWasmModule?: WebAssembly.Module } = {}): Promise<Database> {
  const inMemory = dataDir === ':memory:';
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  const pg = inMemory ? await PGlite.create({ pgliteWasmModule }) : await PGlite.create(dataDir, { pgliteWasmModule });

  const wrap = (target: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<Row>(text: string, params?: unknown[]) {
      const { rows } = await target.query<Row>(text, params);
      return { rows };
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  });
  const plain = wrap(pg);

  return {
    kind: 'pglite',
    query: plain.query,
    async exec(sql) {
      try {
        await pg.exec(sql);
      } catch (error) {
        // PGlite is one session: a script that failed inside its own BEGIN would leave every later query aborted
        if (await pg.isInTransaction()) await pg.exec('ROLLBACK');
        throw error;
      }
    },
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    close: () => pg.close(),
  };
}
