/**
 * The restart bench (issue 8): how soon a run whose gateway was killed goes on. A real `node bin/server.js` on a
 * store on disk (and on Postgres when DATABASE_URL is set) starts a workflow over one slow HTTP tool, is killed with
 * SIGKILL while that tool is in flight, and is started again; the resumed run's first new `task-start` (read from
 * its log over SSE) is timed from the new process's `Sapflow listening` line, from its spawn and from the kill.
 * Run it with `npm run bench restart` (BENCH_QUICK=1: one trial per store).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { arch, cpus, loadavg, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../test/support/gateway-process.js';
import { createTestDatabase } from '../test/support/test-database.js';
import { formatTable } from './engine-table.js';
import { runRestartTrial, slowToolsConfig, startSlowToolServer, type RestartRig, type RestartTrial } from './restart-trial.js';
import { QUICK, writeResults } from './run.js';

const TRIALS = QUICK ? 1 : { embedded: 5, postgres: 3 };
// the gateway's default RUN_LEASE_MS, which the Postgres trials run with
const LEASE_MS = 6_000;
const TARGETS = { embeddedAfterUpMs: 1_000, postgresAfterKillMs: LEASE_MS + 1_000 };

type Measure = 'afterUpMs' | 'afterSpawnMs' | 'afterKillMs' | 'toolCallAfterUpMs' | 'startMs' | 'afterLeaseExpiryMs';
const MEASURES: { key: Measure; label: string }[] = [
  { key: 'afterUpMs', label: 'task-start after the process is up' },
  { key: 'afterSpawnMs', label: 'task-start after spawn' },
  { key: 'afterKillMs', label: 'task-start after the kill' },
  { key: 'afterLeaseExpiryMs', label: 'task-start after the lease expired' },
  { key: 'toolCallAfterUpMs', label: 'tool call reached the tool server, after up' },
  { key: 'startMs', label: 'process start (spawn to listening)' },
];

interface StoreResult {
  store: string;
  trials: RestartTrial[];
  summary: Partial<Record<Measure, { min: number; median: number; max: number }>>;
  target: { measure: Measure; target: string; worst: number; met: boolean };
}

const started = Date.now();
const loadAtStart = loadavg()[0]!;
if (loadAtStart > cpus().length) {
  console.log(`note: load average ${loadAtStart.toFixed(1)} on ${cpus().length} CPUs - other work is competing; process start times will be inflated\n`);
}
const tools = await startSlowToolServer();
const dir = await mkdtemp(join(tmpdir(), 'sapflow-bench-restart-'));
const toolsConfig = join(dir, 'tools.yaml');
await writeFile(toolsConfig, slowToolsConfig(tools.url));

async function measure(store: string, trials: number, env: Record<string, string>, databaseUrl?: string): Promise<RestartTrial[]> {
  const dataDir = join(dir, `store-${store}`);
  const rig: RestartRig = { gateway: await startGateway({ dataDir, env }), dataDir, env, tools, databaseUrl };
  const results: RestartTrial[] = [];
  try {
    for (let i = 0; i < trials; i++) {
      results.push(await runRestartTrial(rig));
      process.stdout.write(`  ${store}: trial ${i + 1} of ${trials} done\n`);
    }
  } finally {
    await rig.gateway.stop();
  }
  return results;
}

const results: StoreResult[] = [];
try {
  const embedded = await measure('embedded', typeof TRIALS === 'number' ? TRIALS : TRIALS.embedded, { TOOLS_CONFIG: toolsConfig });
  results.push(summarise('PGlite on disk (DATA_DIR)', embedded, 'afterUpMs', TARGETS.embeddedAfterUpMs, 'after the process is up'));
  if (process.env.DATABASE_URL) {
    const database = await createTestDatabase(process.env.DATABASE_URL);
    try {
      const trials = await measure('postgres', typeof TRIALS === 'number' ? TRIALS : TRIALS.postgres, { TOOLS_CONFIG: toolsConfig, DATABASE_URL: database.url }, database.url);
      results.push(summarise(`Postgres (DATABASE_URL, fresh database, lease ${LEASE_MS / 1000} s)`, trials, 'afterKillMs', TARGETS.postgresAfterKillMs, 'after the kill (lease expiry + 1 s)'));
    } finally {
      await database.drop();
    }
  }
} finally {
  await tools.close();
  await rm(dir, { recursive: true, force: true });
}

console.log('');
console.log(`Restart to the resumed run's first new task-start - kill -9 while a tool call is in flight, start again; ${QUICK ? '1 trial (BENCH_QUICK)' : 'min / median / max of the trials'}`);
console.log(
  formatTable(
    ['store', 'measure', 'trials', 'min', 'median', 'max'],
    results.flatMap((r) =>
      MEASURES.filter((m) => r.summary[m.key]).map((m) => {
        const s = r.summary[m.key]!;
        return [r.store, m.label, r.trials.length, `${s.min} ms`, `${s.median} ms`, `${s.max} ms`];
      }),
    ),
  ),
);
console.log("times are the task-start event's `at` (the new process's clock) against this process's clock when it saw the line, spawned or killed;");
console.log('negative: the run was resumed before the listening line was printed (crash recovery runs just before it). The tool call is timed by the tool server.');
console.log('');
console.log(
  formatTable(
    ['target', 'worst', 'met'],
    results.map((r) => [`${r.store}: ${r.target.target}`, `${r.target.worst} ms`, r.target.met ? 'yes' : 'NO']),
  ),
);

const elapsedS = Math.round((Date.now() - started) / 1000);
await writeResults('restart', {
  generatedAt: new Date().toISOString(),
  environment: {
    node: process.version,
    platform: `${platform()}-${arch()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    loadAverage: { start: Math.round(loadAtStart * 100) / 100, end: Math.round(loadavg()[0]! * 100) / 100 },
  },
  quick: QUICK,
  stores: results,
  elapsedS,
});
console.log(`\nrestart bench: ${elapsedS} s; figures in bench/results.json (restart)`);

function summarise(store: string, trials: RestartTrial[], measure: Measure, targetMs: number, what: string): StoreResult {
  const summary: StoreResult['summary'] = {};
  for (const { key } of MEASURES) {
    const values = trials.map((t) => t[key]).filter((v): v is number => v !== null).sort((a, b) => a - b);
    if (values.length) summary[key] = { min: values[0]!, median: values[(values.length - 1) >> 1]!, max: values.at(-1)! };
  }
  const worst = summary[measure]!.max;
  return { store, trials, summary, target: { measure, target: `<= ${targetMs} ms ${what}`, worst, met: worst <= targetMs } };
}
