import { openPglite, openPgliteThread, openPostgres, type Database } from '../../src/store/index.js';
import { createTestDatabase, DATABASE_URL } from './test-database.js';

/** A store the store-level suites run against; `skipReason` says why it cannot here (and the suite says so). */
export interface StoreBackend {
  name: string;
  skipReason?: string;
  /** A fresh, empty database (no migrations applied). */
  open(): Promise<{ db: Database; dispose(): Promise<void> }>;
}

export const PGLITE_BACKEND: StoreBackend = {
  name: 'PGlite :memory:',
  async open() {
    const db = await openPglite(':memory:');
    return { db, dispose: () => db.close() };
  },
};

/** What openDatabase gives the gateway and the CLI: the same PGlite, answering from the store thread. */
export const PGLITE_THREAD_BACKEND: StoreBackend = {
  name: 'PGlite :memory: on its own thread',
  async open() {
    const db = await openPgliteThread(':memory:');
    return { db, dispose: () => db.close() };
  },
};

/** A fresh database on DATABASE_URL's server, dropped on dispose. */
export const POSTGRES_BACKEND: StoreBackend = {
  name: 'Postgres (DATABASE_URL)',
  skipReason: DATABASE_URL ? undefined : 'DATABASE_URL is not set',
  async open() {
    const database = await createTestDatabase();
    const db = openPostgres(database.url);
    return {
      db,
      dispose: async () => {
        await db.close();
        await database.drop();
      },
    };
  },
};
