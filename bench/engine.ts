/**
 * The engine bench (issues 2 and 8): makespan against the critical path and a level-by-level baseline, orchestration
 * overhead per task in memory and with the durable log on (embedded PGlite on disk; Postgres too when DATABASE_URL is
 * set), heap per task. Prints tables and files bench/results.json under `engine`. Run it with `npm run bench` (or
 * `npm run bench engine`, or `npx tsx bench/engine.ts`); BENCH_QUICK=1 runs the durable-log part on 1,000 tasks.
 */
import { arch, cpus, loadavg, platform } from 'node:os';
import { chainDag, fanOutDag, levels, randomDag, slowBranchDag, type BenchDag } from './engine-dags.js';
import { measureDurableOverhead, openDurableStore, type DurableOverheadRow, type DurableStoreKind } from './engine-durable.js';
import { measureMakespan, round, type MakespanRow } from './engine-makespan.js';
import { measureHeap, measureOverhead, type HeapRow, type OverheadRow } from './engine-overhead.js';
import { formatTable } from './engine-table.js';
import { QUICK, writeResults } from './run.js';

const TARGETS = { makespanRatio: 1.01, usPerTask: 20, durableUsPerTask: 100 };
const SEEDS = [1, 2, 3, 4, 5];
const started = Date.now();
const loadAtStart = loadavg()[0]!;
if (loadAtStart > cpus().length) {
  console.log(`note: load average ${loadAtStart.toFixed(1)} on ${cpus().length} CPUs - other work is competing; timings will be inflated\n`);
}

console.log('Makespan - real timers, maxParallel 100000 (only dependencies constrain); median of 3 runs after one warm-up');
const makespan: MakespanRow[] = [];
for (const dag of [slowBranchDag(), ...SEEDS.map((seed) => randomDag(seed))]) {
  makespan.push(await measureMakespan(dag, levels(dag).length, 3));
}
console.log(
  formatTable(
    ['DAG', 'tasks', 'levels', 'critical path', 'measured CP', 'Sapflow', 'ratio', 'dispatch p50', 'level-by-level', 'ratio', 'Sapflow faster'],
    makespan.map((r) => [
      r.dag, r.tasks, r.levels, `${r.criticalPathMs} ms`, `${r.measuredCriticalPathMs} ms`, `${r.sapflowMs} ms`, r.ratio.toFixed(4),
      `${r.dispatchMedianMs.toFixed(3)} ms`, `${r.baselineMs} ms`, r.baselineRatio.toFixed(3), `${r.speedup.toFixed(2)}x`,
    ]),
  ),
);
console.log('ratio = makespan / critical path of the durations the tools really took (timers overshoot); level-by-level ratio is against the nominal critical path\n');

console.log('Orchestration overhead - zero-latency tools answering synchronously, createEngine() defaults; median of 7 back-to-back runs after 5 warm-ups');
const overhead: OverheadRow[] = [await measureOverhead(chainDag(10_000)), await measureOverhead(fanOutDag(10_000))];
console.log(
  formatTable(
    ['DAG', 'tasks', 'maxParallel', 'wall us/task (median)', 'wall (best)', 'CPU us/task', 'waiting for a CPU', 'after forced GC', 'compile us/task'],
    overhead.map((r) => [
      r.dag, r.tasks, r.maxParallel, r.usPerTask.toFixed(2), r.minUsPerTask.toFixed(2), r.cpuUsPerTask?.toFixed(2) ?? '-',
      r.waitUsPerTask?.toFixed(2) ?? '-', r.afterGcUsPerTask.toFixed(2), r.compileUsPerTask.toFixed(2),
    ]),
  ),
);
console.log(`CPU = ${overhead[0]!.cpuSource}; "waiting for a CPU" = time the main thread was ready to run but the machine was busy`);
console.log('back to back, each run also collects its predecessor\'s garbage (steady state); "after forced GC" starts every run on a heap shrunk by a full GC');
console.log('');

const durableSize = QUICK ? 1_000 : 10_000;
const stores: DurableStoreKind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
console.log(
  `Orchestration overhead with the durable log on - the same zero-latency DAGs${QUICK ? ` at ${durableSize} tasks (BENCH_QUICK)` : ''} through the run pipeline ` +
    '(createRunPipeline with the store, event hub and log writer createRuntime wires), every event written to the log, the final event held until durable; ' +
    'median of 3 runs after 2 warm-ups on a tenth-size run of the same shape',
);
// the scaling row: the same chain at a tenth of the size, to see whether the log's cost per event grows with the run
const durableDags: { dag: BenchDag; warmupDag: BenchDag; scaling?: true }[] = [
  { dag: chainDag(durableSize), warmupDag: chainDag(durableSize / 10) },
  { dag: fanOutDag(durableSize), warmupDag: fanOutDag(durableSize / 10) },
  { dag: chainDag(durableSize / 10), warmupDag: chainDag(durableSize / 10), scaling: true },
];
// what the log writer's batch size buys: each appendEvents call also rewrites the execution row's task map
const WHAT_IF_MAX_BATCH = 1_000;
const durable: (DurableOverheadRow & { scaling: boolean; whatIf: boolean; inMemoryUsPerTask: number | null })[] = [];
const measureOn = async (kind: DurableStoreKind, dags: typeof durableDags, maxBatch?: number) => {
  const store = await openDurableStore(kind, { maxBatch });
  try {
    for (const { dag, warmupDag, scaling } of dags) {
      const row = await measureDurableOverhead(dag, store, { warmupDag });
      const inMemory = overhead.find((r) => r.dag === row.dag);
      durable.push({ ...row, scaling: scaling ?? false, whatIf: maxBatch !== undefined, inMemoryUsPerTask: inMemory?.usPerTask ?? null });
    }
  } finally {
    await store.close();
  }
};
for (const kind of stores) await measureOn(kind, durableDags);
await measureOn('pglite', durableDags.slice(0, 1), WHAT_IF_MAX_BATCH);
console.log(
  formatTable(
    ['DAG', 'log', 'wall us/task (median)', 'wall (best)', 'CPU us/task', 'waiting for a CPU', 'in memory (wall)', 'log on / in memory'],
    durable.map((r) => [
      `${r.dag}${r.scaling ? ' (scaling check)' : r.whatIf ? ' (what-if)' : ''}`, r.store, r.usPerTask.toFixed(2), r.minUsPerTask.toFixed(2), r.cpuUsPerTask.toFixed(2),
      r.waitUsPerTask?.toFixed(2) ?? '-', r.inMemoryUsPerTask?.toFixed(2) ?? '-', r.inMemoryUsPerTask ? `${(r.usPerTask / r.inMemoryUsPerTask).toFixed(1)}x` : '-',
    ]),
  ),
);
console.log('wall = startWorkflow (the execution row included) to the final event, released once durable; CPU = process.cpuUsage (every thread of this process:');
console.log('PGlite runs on the main thread and counts, a Postgres server is another process and does not); "waiting for a CPU" = main thread ready but not running (schedstat)');
console.log(`what-if = the log writer with maxBatch ${WHAT_IF_MAX_BATCH} instead of its default 200 (createLogWriter's option; not what the gateway runs); neither it nor the scaling check counts for the targets`);
console.log('');

console.log('Where the time goes with the log on - the median run of each row above');
console.log(
  formatTable(
    ['DAG', 'log', 'events', 'batches', 'execution row', 'engine', 'log behind at finish', 'final event held', 'appendEvents total', 'per event', 'per batch (median)', 'workflow-start batch', 'workflow-finish batch'],
    durable.map((r) => {
      const b = r.breakdown;
      return [
        `${r.dag}${r.whatIf ? ` (maxBatch ${WHAT_IF_MAX_BATCH})` : ''}`, r.store.split(' ')[0]!, b.events, `${b.batches} x ${b.medianBatch}`, `${b.createMs} ms`, `${b.engineMs} ms`, `${b.backlogAtFinish} events`,
        `${b.finalFlushMs} ms`, `${b.appendMs} ms`, `${b.appendUsPerEvent.toFixed(1)} us`, `${b.medianAppendMs.toFixed(1)} ms`, `${b.startBatchMs} ms`, `${b.finishBatchMs} ms`,
      ];
    }),
  ),
);
console.log('engine = from the execution row to the engine\'s workflow-finish (log writes interleaved); appendEvents = time inside the store\'s appendEvents, batches one after another');
console.log('');

console.log('Heap per task - heapUsed after a full GC, minus the same before the run (the compiled workflow is not counted)');
const heap: HeapRow[] = [await measureHeap(chainDag(10_000)), await measureHeap(fanOutDag(10_000)), await measureHeap(fanOutDag(10_000, { held: true }))];
console.log(formatTable(['DAG', 'tasks', 'measured', 'bytes/task'], heap.map((r) => [r.dag, r.tasks, r.when, r.bytesPerTask])));
console.log('');

const worstRatio = Math.max(...makespan.map((r) => r.ratio));
const worstUs = Math.max(...overhead.map((r) => r.usPerTask));
const cpuFigures = overhead.map((r) => r.cpuUsPerTask).filter((n): n is number => n !== null);
const worstCpuUs = cpuFigures.length ? Math.max(...cpuFigures) : null;
const measuredDurable = durable.filter((r) => !r.scaling && !r.whatIf);
const worstDurableUs = Math.max(...measuredDurable.map((r) => r.usPerTask));
const worstDurableCpuUs = Math.max(...measuredDurable.map((r) => r.cpuUsPerTask));
const targets = {
  makespan: { target: `<= ${TARGETS.makespanRatio} x critical path`, worst: worstRatio, met: worstRatio <= TARGETS.makespanRatio },
  overhead: { target: `<= ${TARGETS.usPerTask} us per task (wall)`, worst: worstUs, met: worstUs <= TARGETS.usPerTask },
  // not the issue's measure (wall time), shown so a busy machine cannot hide or fake the engine's own cost
  overheadCpu: { target: `<= ${TARGETS.usPerTask} us per task (CPU)`, worst: worstCpuUs, met: worstCpuUs !== null && worstCpuUs <= TARGETS.usPerTask },
  durableOverhead: { target: `<= ${TARGETS.durableUsPerTask} us per task (wall), log on`, worst: worstDurableUs, met: worstDurableUs <= TARGETS.durableUsPerTask },
  durableOverheadCpu: { target: `<= ${TARGETS.durableUsPerTask} us per task (CPU), log on`, worst: worstDurableCpuUs, met: worstDurableCpuUs <= TARGETS.durableUsPerTask },
};
console.log(
  formatTable(
    ['target', 'worst', 'met'],
    Object.values(targets).map((t) => [t.target, t.worst === null ? '-' : t.worst.toFixed(t.worst < 2 ? 4 : 2), t.met ? 'yes' : 'NO']),
  ),
);

const elapsedS = Math.round((Date.now() - started) / 1000);
await writeResults('engine', {
  generatedAt: new Date().toISOString(),
  environment: {
    node: process.version,
    platform: `${platform()}-${arch()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    loadAverage: { start: round(loadAtStart, 2), end: round(loadavg()[0]!, 2) },
  },
  targets,
  makespan,
  overhead,
  durableOverhead: durable,
  heap,
  elapsedS,
});
console.log(`\nengine bench: ${elapsedS} s; figures in bench/results.json (engine)`);
