import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SapflowError } from '../errors/index.js';
import { isDatabase } from './database.js';
import type { Queryable } from './queryable.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

// any constant will do; it only has to be the same for every process migrating this database
const MIGRATION_LOCK = 7_311_042_001;

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  name text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Applies `migrations/NNN_name.sql` in name order, each once, recorded in `schema_migrations`.
 * Each file runs in its own transaction so a half-applied migration never gets recorded. Given a `Database`,
 * each transaction holds an advisory lock and re-checks the ledger, so gateways starting together apply a file once.
 */
export async function runMigrations(db: Queryable, dir = MIGRATIONS_DIR): Promise<string[]> {
  try {
    return await applyPending(db, dir);
  } catch (error) {
    if (error instanceof SapflowError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new SapflowError('store_error', `could not migrate the database: ${reason}`, { cause: error });
  }
}

async function applyPending(db: Queryable, dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const applied: string[] = [];
  if (isDatabase(db)) {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await tx.exec(CREATE_LEDGER);
    });
    for (const file of files) {
      const sql = await readFile(join(dir, file), 'utf8');
      const didApply = await db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        const done = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [file]);
        if (done.rows.length > 0) return false;
        await tx.exec(sql).catch((error: unknown) => {
          throw migrationError(file, error);
        });
        await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        return true;
      });
      if (didApply) applied.push(file);
    }
    return applied;
  }

  await db.exec(CREATE_LEDGER);
  const done = new Set((await db.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
  for (const file of files) {
    if (done.has(file)) continue;
    const sql = await readFile(join(dir, file), 'utf8');
    await db
      .exec(`BEGIN;\n${sql}\n;INSERT INTO schema_migrations (name) VALUES ('${file.replace(/'/g, "''")}');\nCOMMIT;`)
      .catch((error: unknown) => {
        throw migrationError(file, error);
      });
    applied.push(file);
  }
  return applied;
}

function migrationError(file: string, cause: unknown): SapflowError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new SapflowError('store_error', `migration ${file} failed: ${reason}`, { cause });
}
