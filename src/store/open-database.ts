import type { Database } from './database.js';
import { runMigrations } from './migrate.js';
import { openPgliteThread } from './open-pglite-thread.js';
import { openPostgres } from './open-postgres.js';

export const DEFAULT_DATA_DIR = '.sapflow';

export interface OpenDatabaseOptions {
  /** Postgres / Supabase connection string; when absent, the embedded PGlite store is used. */
  databaseUrl?: string;
  /** PGlite's data folder (`DATA_DIR`), or `':memory:'`. Ignored when `databaseUrl` is set. */
  dataDir?: string;
  /** Apply pending migrations before returning (default true), as the gateway does at start. */
  migrate?: boolean;
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const db = options.databaseUrl
    ? openPostgres(options.databaseUrl)
    : await openPgliteThread(options.dataDir ?? DEFAULT_DATA_DIR);
  if (options.migrate ?? true) {
    try {
      await runMigrations(db);
    } catch (error) {
      await db.close().catch(() => {});
      throw error;
    }
  }
  return db;
}
