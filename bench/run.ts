/**
 * `npm run bench [name...]` - the bench dispatcher, and nothing else.
 *
 * A bench is `bench/<name>.ts` with no hyphen in its name (`engine.ts`, `chat.ts`, `restart.ts`); its helpers are
 * `bench/<name>-<part>.ts` and are not run. With names given, only those run (`npm run bench chat restart`). Each
 * bench runs in its own `node --expose-gc --import tsx` process, in name order, so heap figures can force full
 * collections and one bench's garbage or JIT state never lands in another's timings. A bench prints its own table and files its figures with
 * `writeResults('<name>', figures)`: that merges them into bench/results.json under its key, leaving the others alone.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const RESULTS_FILE = join(BENCH_DIR, 'results.json');
/** BENCH_QUICK=1: the slow parts (durable-log runs, restarts) on small sizes, for trying the benches out; said in their output. */
export const QUICK = process.env.BENCH_QUICK === '1';
// resolved from here, not from the caller's working directory
const TSX = import.meta.resolve('tsx');

/** Replaces `key` in bench/results.json, keeping every other bench's figures. */
export async function writeResults(key: string, figures: unknown): Promise<void> {
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  all[key] = figures;
  await writeFile(RESULTS_FILE, `${JSON.stringify(all, null, 2)}\n`);
}

/** Benches too long for a plain `npm run bench`: they run only when named (`npm run bench soak`). */
const ONLY_WHEN_NAMED = new Set(['soak']);

function benchNames(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((file) => /^[a-z0-9_]+\.ts$/i.test(file) && file !== 'run.ts')
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
}

function main(wanted: string[]): number {
  const all = benchNames();
  const unknown = wanted.filter((name) => !all.includes(name));
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}; there are: ${all.join(', ')}`);
    return 64;
  }
  let failed = 0;
  for (const name of wanted.length ? wanted : all.filter((n) => !ONLY_WHEN_NAMED.has(n))) {
    console.log(`\n== bench ${name} ==`);
    const result = spawnSync(process.execPath, ['--expose-gc', '--import', TSX, join(BENCH_DIR, `${name}.ts`)], { stdio: 'inherit' });
    if (result.status !== 0) {
      console.error(`bench ${name} failed (${result.signal ?? `exit ${result.status}`})`);
      failed += 1;
    }
  }
  return failed ? 1 : 0;
}

// run.ts is also imported by the benches (for writeResults); only `tsx bench/run.ts` dispatches
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
