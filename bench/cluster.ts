/**
 * The cluster bench (issue 9), on real processes: one gateway that only enqueues (RUN_WORKFLOWS=false), 1-3 workers
 * (`npm run worker`, WORKER_CONCURRENCY 10), this machine's Redis and a fresh Postgres database, a local HTTP tool
 * server whose tools answer after 200 ms.
 * - throughput: a batch of 300 runs of three 200 ms tools in parallel, with 1, 2 and 3 workers, in this one run;
 * - dispatch: POST /api/workflows/execute to the run's first `task-start` (stamped by the worker), one run at a time;
 * - failover: kill -9 a worker while its runs' 3 s call is in flight; time to the same call (same Idempotency-Key)
 *   arriving again from another worker, and to the `task-start` in the log.
 * Needs REDIS_URL and DATABASE_URL (defaults: this machine's services). BENCH_QUICK=1: smaller batches.
 */
import { cpus, loadavg } from 'node:os';
import { formatTable } from './engine-table.js';
import { firstTaskStarts, startClusterRig, waitForRuns, type ClusterRig } from './cluster-rig.js';
import { QUICK, writeResults } from './run.js';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const BATCH = QUICK ? 60 : 300;
const DISPATCH_RUNS = QUICK ? 30 : 200;
const FAILOVER_TRIALS = QUICK ? 1 : 3;
const TARGETS = { throughputRatio: 2.5, dispatchP99Ms: 20, failoverMs: 10_000 };

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Submits `count` runs, `parallel` requests at a time; resolves with their ids. */
async function submitBatch(rig: ClusterRig, workflowId: string, count: number, parallel = 16): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next += 1;
        ids.push(await rig.submit(workflowId));
      }
    }),
  );
  return ids;
}

interface ThroughputRow { workers: number; runs: number; wallMs: number; runsPerSecond: number; statuses: Record<string, number> }

async function throughput(workers: number): Promise<ThroughputRow> {
  const rig = await startClusterRig({ redisUrl: REDIS_URL, databaseUrl: DATABASE_URL });
  try {
    await Promise.all(Array.from({ length: workers }, () => rig.addWorker()));
    // one warm-up run per worker's worth of concurrency, so JIT and connection pools are warm
    await waitForRuns(rig.db, await submitBatch(rig, 'bench_io', 10 * workers));
    const started = Date.now();
    const ids = await submitBatch(rig, 'bench_io', BATCH);
    const { statuses, lastFinishedAt } = await waitForRuns(rig.db, ids);
    const wallMs = lastFinishedAt - started;
    return { workers, runs: ids.length, wallMs, runsPerSecond: round((ids.length * 1000) / wallMs), statuses };
  } finally {
    await rig.close();
  }
}

async function dispatch(): Promise<{ runs: number; p50: number; p99: number; max: number }> {
  const rig = await startClusterRig({ redisUrl: REDIS_URL, databaseUrl: DATABASE_URL });
  try {
    await Promise.all([rig.addWorker(), rig.addWorker(), rig.addWorker()]);
    await waitForRuns(rig.db, await submitBatch(rig, 'bench_io', 20));
    const sentAt = new Map<string, number>();
    for (let i = 0; i < DISPATCH_RUNS; i++) {
      const at = Date.now();
      sentAt.set(await rig.submit('bench_io'), at);
      await sleep(20);
    }
    const ids = [...sentAt.keys()];
    await waitForRuns(rig.db, ids);
    const starts = await firstTaskStarts(rig.db, ids);
    const latencies = ids.map((id) => starts.get(id)! - sentAt.get(id)!);
    return { runs: ids.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies) };
  } finally {
    await rig.close();
  }
}

interface FailoverTrial { runsHeld: number; toolCallAgainMs: number; taskStartAgainMs: number; completed: number }

async function failover(): Promise<FailoverTrial> {
  const rig = await startClusterRig({ redisUrl: REDIS_URL, databaseUrl: DATABASE_URL });
  try {
    await Promise.all([rig.addWorker(), rig.addWorker(), rig.addWorker()]);
    const ids = await submitBatch(rig, 'bench_failover', 12);
    // every run's slow call in flight
    for (let i = 0; rig.tools.calls.filter((c) => c.tool.endsWith('bench_conflicts')).length < ids.length; i++) {
      if (i > 400) throw new Error('the slow calls did not all arrive');
      await sleep(25);
    }
    const victim = rig.workers[0]!;
    const killedAt = Date.now();
    await victim.kill9();
    // the calls whose worker died: their connections closed before the answer
    await sleep(200);
    const held = rig.tools.calls.filter((c) => c.hungUp && c.receivedAt < killedAt).map((c) => c.key);
    const { statuses } = await waitForRuns(rig.db, ids, 60_000);
    const again = held.map((key) => rig.tools.calls.find((c) => c.key === key && c.receivedAt > killedAt)?.receivedAt ?? Number.NaN);
    const heldRuns = held.map((key) => key.split(':')[0]!);
    const { rows } = await rig.db.query<{ execution_id: string; at: string }>(
      `SELECT execution_id, max(payload ->> 'at') AS at FROM workflow_logs WHERE execution_id = ANY($1) AND type = 'task-start' AND task_id = 'slow' GROUP BY execution_id`,
      [heldRuns],
    );
    return {
      runsHeld: held.length,
      toolCallAgainMs: Math.max(...again) - killedAt,
      taskStartAgainMs: Math.max(...rows.map((r) => Date.parse(r.at))) - killedAt,
      completed: statuses.completed ?? 0,
    };
  } finally {
    await rig.close();
  }
}

const loadAtStart = loadavg()[0]!;
console.log(`cluster bench: ${cpus().length} CPUs, load ${loadAtStart.toFixed(1)}; Redis ${REDIS_URL}; a fresh database on ${DATABASE_URL}${QUICK ? ' (BENCH_QUICK: small batches)' : ''}\n`);

const rows: ThroughputRow[] = [];
for (const workers of [1, 2, 3]) {
  rows.push(await throughput(workers));
  console.log(`  throughput with ${workers} worker(s) done`);
}
const one = rows[0]!.runsPerSecond;
console.log('\nThroughput - a batch of runs of three 200 ms HTTP tools in parallel, WORKER_CONCURRENCY 10, a gateway that only enqueues');
console.log(formatTable(
  ['workers', 'runs', 'wall', 'runs/s', 'x one worker', 'statuses'],
  rows.map((r) => [String(r.workers), String(r.runs), `${r.wallMs} ms`, String(r.runsPerSecond), String(round(r.runsPerSecond / one, 2)), JSON.stringify(r.statuses)]),
));

const d = await dispatch();
console.log(`\nDispatch - POST /api/workflows/execute to the run's first task-start, ${d.runs} runs one at a time, 3 idle workers`);
console.log(formatTable(['p50', 'p99', 'max'], [[`${d.p50} ms`, `${d.p99} ms`, `${d.max} ms`]]));

const trials: FailoverTrial[] = [];
for (let i = 0; i < FAILOVER_TRIALS; i++) trials.push(await failover());
console.log(`\nFailover - kill -9 of a worker with runs in flight (RUN_LEASE_MS default), time from the kill`);
console.log(formatTable(
  ['trial', 'runs it held', 'same call again (tool server)', 'task-start again (log)', 'runs completed'],
  trials.map((t, i) => [String(i + 1), String(t.runsHeld), `${t.toolCallAgainMs} ms`, `${t.taskStartAgainMs} ms`, `${t.completed} of 12`]),
));

const ratio = round(rows[2]!.runsPerSecond / one, 2);
const worstFailover = Math.max(...trials.map((t) => t.taskStartAgainMs));
const targets = [
  { target: `3 workers >= ${TARGETS.throughputRatio} x one worker`, measured: ratio, met: ratio >= TARGETS.throughputRatio },
  { target: `dispatch p99 <= ${TARGETS.dispatchP99Ms} ms`, measured: d.p99, met: d.p99 <= TARGETS.dispatchP99Ms },
  { target: `failover <= ${TARGETS.failoverMs} ms`, measured: worstFailover, met: worstFailover <= TARGETS.failoverMs },
];
console.log('');
console.log(formatTable(['target', 'measured', 'met'], targets.map((t) => [t.target, String(t.measured), t.met ? 'yes' : 'NO'])));
await writeResults('cluster', {
  generatedAt: new Date().toISOString(),
  environment: { cpus: cpus().length, loadAverage: { start: loadAtStart, end: loadavg()[0] }, quick: QUICK },
  throughput: rows,
  dispatch: d,
  failover: trials,
  targets,
});
