import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { lastValueFrom, tap } from 'rxjs';
import { createEngine, runWorkflow } from '../src/streams/index.js';
import type { CompiledWorkflow } from '../src/workflows/index.js';
import { toWorkflow, type BenchDag } from './engine-dags.js';
import { median, round } from './engine-makespan.js';
import { assertCompleted, benchTools } from './engine-runners.js';

/**
 * A full collection, for heap figures. `npm run bench` starts each bench with --expose-gc; run directly
 * (`npx tsx bench/engine.ts`), the flag is switched on at run time - V8 allows it, and a fresh context hands out `gc`.
 */
export const collectGarbage: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();

export interface OverheadRow {
  dag: string;
  tasks: number;
  maxParallel: number;
  /** Median of the measured runs: wall time from subscription to `workflow-finish`, over tasks. */
  usPerTask: number;
  minUsPerTask: number;
  /**
   * Median CPU time of the main thread alone over tasks (Linux schedstat; process CPU time elsewhere): what the
   * engine costs, whatever else the machine is doing. Null where neither is available.
   */
  cpuUsPerTask: number | null;
  /** Median time the main thread was ready but waiting for a CPU, over tasks (Linux): how much of the wall time is contention. */
  waitUsPerTask: number | null;
  cpuSource: 'main thread (schedstat)' | 'process (cpuUsage)';
  runs: number;
  /** compileWorkflow once, over tasks (not part of usPerTask). */
  compileUsPerTask: number;
  /** Median wall time over tasks when every run starts right after a forced full GC (a shrunken heap: pessimistic). */
  afterGcUsPerTask: number;
}

/** Zero-latency tools, default engine (maxParallel 5, progressIntervalMs 50): what is left is the orchestration. */
export async function measureOverhead(dag: BenchDag, { warmup = 5, runs = 7 } = {}): Promise<OverheadRow> {
  const compileStart = performance.now();
  const workflow = toWorkflow(dag);
  const compileMs = performance.now() - compileStart;
  const tasks = dag.tasks.length;
  for (let i = 0; i < warmup; i++) await timedRun(workflow);
  // Steady state, as a gateway runs: back to back, so each run also pays for collecting its predecessor's garbage.
  collectGarbage();
  const samples: RunSample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timedRun(workflow));
  // The pessimistic figure: a forced full GC before each run shrinks the heap, and the run pays to grow it again.
  const afterGc: RunSample[] = [];
  for (let i = 0; i < runs; i++) {
    collectGarbage();
    afterGc.push(await timedRun(workflow));
  }
  return {
    dag: dag.name,
    tasks,
    maxParallel: createEngine().maxParallel,
    usPerTask: round((median(samples, (s) => s.wallMs).wallMs * 1000) / tasks, 2),
    minUsPerTask: round((Math.min(...samples.map((s) => s.wallMs)) * 1000) / tasks, 2),
    cpuUsPerTask: round(median(samples, (s) => s.cpuUs).cpuUs / tasks, 2),
    waitUsPerTask: samples[0]!.waitUs === null ? null : round(median(samples, (s) => s.waitUs!).waitUs! / tasks, 2),
    cpuSource: readSchedstat() ? 'main thread (schedstat)' : 'process (cpuUsage)',
    runs,
    compileUsPerTask: round((compileMs * 1000) / tasks, 2),
    afterGcUsPerTask: round((median(afterGc, (s) => s.wallMs).wallMs * 1000) / tasks, 2),
  };
}

interface RunSample {
  wallMs: number;
  cpuUs: number;
  waitUs: number | null;
}

async function timedRun(workflow: CompiledWorkflow): Promise<RunSample> {
  const engine = createEngine();
  const sched = readSchedstat();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const last = await lastValueFrom(runWorkflow(workflow, engine, { tools: benchTools(), inputs: {}, executionId: 'bench' }));
  const wallMs = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  const schedAfter = readSchedstat();
  assertCompleted(last);
  if (sched && schedAfter) return { wallMs, cpuUs: (schedAfter.cpuNs - sched.cpuNs) / 1000, waitUs: (schedAfter.waitNs - sched.waitNs) / 1000 };
  return { wallMs, cpuUs: user + system, waitUs: null };
}

/** The main thread's time on a CPU and waiting for one, in ns (Linux: /proc/<pid>/task/<pid>/schedstat). */
export function readSchedstat(): { cpuNs: number; waitNs: number } | undefined {
  try {
    const [cpuNs, waitNs] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return Number.isFinite(cpuNs) && Number.isFinite(waitNs) ? { cpuNs: cpuNs!, waitNs: waitNs! } : undefined;
  } catch {
    return undefined;
  }
}

export interface HeapRow {
  dag: string;
  tasks: number;
  /** What is measured: a run's live state at its `workflow-finish`, or while every task is in flight. */
  when: 'settled' | 'in flight';
  bytesPerTask: number;
}

/**
 * heapUsed after a full collection, at the moment of interest, minus heapUsed after a full collection before the
 * run (the compiled workflow already exists, so it is not counted).
 */
export async function measureHeap(dag: BenchDag): Promise<HeapRow> {
  const workflow = toWorkflow(dag);
  const inFlight = dag.tasks.some((t) => t.held);
  const engine = createEngine({ maxParallel: 100_000 });
  let open = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  let started = 0;
  let during = 0;
  const sample = () => {
    collectGarbage();
    during = process.memoryUsage().heapUsed;
  };
  const run$ = runWorkflow(workflow, engine, { tools: benchTools(undefined, gate), inputs: {}, executionId: 'bench' }).pipe(
    tap((event) => {
      if (event.type === 'task-start') started += 1;
      if (!inFlight && event.type === 'workflow-finish') sample();
    }),
  );
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const done = lastValueFrom(run$);
  if (inFlight) {
    await new Promise((resolve) => setImmediate(resolve));
    if (started !== dag.tasks.length) throw new Error(`only ${started} of ${dag.tasks.length} tasks started`);
    sample();
    open();
  }
  assertCompleted(await done);
  return { dag: dag.name, tasks: dag.tasks.length, when: inFlight ? 'in flight' : 'settled', bytesPerTask: Math.round((during - before) / dag.tasks.length) };
}
