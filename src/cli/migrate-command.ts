import { loadConfig } from '../config.js';
import { openDatabase, runMigrations } from '../store/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { parseCommandArgs } from './parse-command-args.js';
import { storeName } from './store-name.js';

/** `sapflow migrate`: applies pending migrations to DATABASE_URL, or to the embedded store in DATA_DIR. */
export async function migrateCommand(args: string[], ctx: CliContext): Promise<number> {
  parseCommandArgs(args, {}, { positionals: [0, 0], usage: 'sapflow migrate' });
  const config = loadConfig(ctx.env);
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, migrate: false });
  try {
    const applied = await runMigrations(db);
    ctx.stdout.write(applied.length ? `applied to ${storeName(config)}: ${applied.join(', ')}\n` : `${storeName(config)} is up to date\n`);
    return EXIT.completed;
  } finally {
    await db.close();
  }
}
