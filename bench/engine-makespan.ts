import { criticalPath, toWorkflow, type BenchDag } from './engine-dags.js';
import { runLevelByLevel, runSapflow, type Timings } from './engine-runners.js';

export interface MakespanRow {
  dag: string;
  tasks: number;
  levels: number;
  /** Longest path of the nominal latencies. */
  criticalPathMs: number;
  /** Longest path of the durations the tools really took in Sapflow's run (timers overshoot by ~0.1-1 ms). */
  measuredCriticalPathMs: number;
  sapflowMs: number;
  /** Sapflow's makespan over the measured critical path: the scheduler's own cost, timer noise removed. */
  ratio: number;
  /** Sapflow's makespan over the nominal critical path. */
  nominalRatio: number;
  /** Median wait between a task's last dependency finishing and the task's tool starting. */
  dispatchMedianMs: number;
  baselineMs: number;
  baselineRatio: number;
  /** Baseline makespan over Sapflow's. */
  speedup: number;
}

/**
 * Sapflow and the level-by-level baseline on the same DAG with real timers. One unmeasured run of each first, so
 * JIT warm-up does not land on the first DAG; then the median of `repeats` runs (by makespan) is reported.
 */
export async function measureMakespan(dag: BenchDag, levelCount: number, repeats = 1): Promise<MakespanRow> {
  const workflow = toWorkflow(dag);
  await runSapflow(workflow);
  await runLevelByLevel(dag);
  const sapflowRuns = [];
  const baselineRuns = [];
  for (let i = 0; i < repeats; i++) {
    sapflowRuns.push(await runSapflow(workflow));
    baselineRuns.push(await runLevelByLevel(dag));
  }
  const sapflow = median(sapflowRuns, (r) => r.makespanMs);
  const baseline = median(baselineRuns, (r) => r.makespanMs);
  const nominal = new Map(dag.tasks.map((t) => [t.id, t.ms]));
  const cp = criticalPath(dag, (id) => nominal.get(id)!);
  const measuredCp = criticalPath(dag, (id) => took(sapflow.timings, id));
  return {
    dag: dag.name,
    tasks: dag.tasks.length,
    levels: levelCount,
    criticalPathMs: cp,
    measuredCriticalPathMs: round(measuredCp, 1),
    sapflowMs: round(sapflow.makespanMs, 1),
    ratio: round(sapflow.makespanMs / measuredCp, 4),
    nominalRatio: round(sapflow.makespanMs / cp, 4),
    dispatchMedianMs: round(dispatchMedian(dag, sapflow.timings), 3),
    baselineMs: round(baseline.makespanMs, 1),
    baselineRatio: round(baseline.makespanMs / cp, 4),
    speedup: round(baseline.makespanMs / sapflow.makespanMs, 2),
  };
}

function took(timings: Timings, id: string): number {
  const t = timings.get(id)!;
  return t.end - t.start;
}

function dispatchMedian(dag: BenchDag, timings: Timings): number {
  const waits = dag.tasks
    .filter((t) => t.deps.length > 0)
    .map((t) => timings.get(t.id)!.start - Math.max(...t.deps.map((d) => timings.get(d)!.end)));
  return waits.length ? median(waits, (w) => w) : 0;
}

export function median<T>(items: T[], by: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => by(a) - by(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
