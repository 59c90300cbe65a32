import { z } from 'zod';
import { openDatabase } from './open-database.js';
import { runMigrations } from './migrate.js';

// `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded store in DATA_DIR.
const env = z
  .object({ DATABASE_URL: z.string().min(1).optional(), DATA_DIR: z.string().min(1).optional() })
  .parse(process.env);

const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, migrate: false });
try {
  const applied = await runMigrations(db);
  const where = env.DATABASE_URL ? 'Postgres' : `PGlite (${env.DATA_DIR ?? '.sapflow'})`;
  console.log(applied.length ? `applied to ${where}: ${applied.join(', ')}` : `${where} is up to date`);
} catch (error) {
  console.error(`sapflow: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await db.close();
}
