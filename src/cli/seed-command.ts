import { loadConfig } from '../config.js';
import { openDatabase } from '../store/index.js';
import { seedSampleFirm } from '../tools/legal/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { parseCommandArgs } from './parse-command-args.js';
import { storeName } from './store-name.js';

/**
 * `sapflow seed [--refresh]`: the sample firm (demo data, every row marked `sample`) into DATABASE_URL or the
 * embedded store - the explicit request a Postgres database needs, since it is never seeded by surprise.
 */
export async function seedCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(args, { refresh: { type: 'boolean', default: false } }, { positionals: [0, 0], usage: 'sapflow seed [--refresh]' });
  const config = loadConfig(ctx.env);
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    const result = await seedSampleFirm(db, { refresh: values.refresh === true });
    if (!result.seeded) {
      ctx.stdout.write(`the sample firm is already in ${storeName(config)} (--refresh replaces it)\n`);
    } else {
      const counts = Object.entries(result.counts).map(([table, n]) => `${table} ${n}`).join(', ');
      ctx.stdout.write(`seeded the sample firm (demo data) into ${storeName(config)}: ${counts}\n`);
    }
    return EXIT.completed;
  } finally {
    await db.close();
  }
}
