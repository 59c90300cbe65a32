import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { lastValueFrom } from 'rxjs';
import { z } from 'zod';
import type { WorkflowEvent } from '../src/protocol/index.js';
import { createEngine, runWorkflow } from '../src/streams/index.js';
import type { Tool } from '../src/tools/index.js';
import type { CompiledWorkflow } from '../src/workflows/index.js';
import { levels, type BenchDag } from './engine-dags.js';

/** When each task's tool really ran: setTimeout overshoots by ~1 ms, so critical paths are also taken from these. */
export type Timings = Map<string, { start: number; end: number }>;

export interface Measured {
  makespanMs: number;
  timings: Timings;
}

/**
 * `sleep` waits `ms` on a real timer; `instant` answers synchronously (the orchestration-overhead case); `held`
 * answers when `gate` resolves.
 */
export function benchTools(timings?: Timings, gate: Promise<unknown> = Promise.resolve()): { get(name: string): Tool | undefined } {
  const tools: Record<string, Tool> = {
    held: { name: 'held', description: 'answers when the bench says so', parameters: z.object({}), execute: () => gate.then(() => true) },
    sleep: {
      name: 'sleep',
      description: 'waits ms milliseconds',
      parameters: z.object({ ms: z.number() }),
      execute: async ({ ms }: { ms: number }, ctx) => {
        const start = performance.now();
        await sleep(ms);
        timings?.set(ctx.taskId, { start, end: performance.now() });
        return ms;
      },
    },
    instant: { name: 'instant', description: 'answers at once', parameters: z.object({}), execute: () => true },
  };
  return { get: (name) => tools[name] };
}

/** One Sapflow run, from subscription to `workflow-finish`; throws unless the run completed. */
export async function runSapflow(workflow: CompiledWorkflow, engine = createEngine({ maxParallel: 100_000 })): Promise<Measured> {
  const timings: Timings = new Map();
  const start = performance.now();
  const last = await lastValueFrom(runWorkflow(workflow, engine, { tools: benchTools(timings), inputs: {}, executionId: 'bench' }));
  const makespanMs = performance.now() - start;
  assertCompleted(last);
  return { makespanMs, timings };
}

/** The original design's plan: each dependency level with Promise.all, the next level only when all of it is done. */
export async function runLevelByLevel(dag: BenchDag): Promise<Measured> {
  const timings: Timings = new Map();
  const start = performance.now();
  for (const level of levels(dag)) {
    await Promise.all(
      level.map(async (task) => {
        const began = performance.now();
        await sleep(task.ms);
        timings.set(task.id, { start: began, end: performance.now() });
      }),
    );
  }
  return { makespanMs: performance.now() - start, timings };
}

export function assertCompleted(event: WorkflowEvent): void {
  if (event.type !== 'workflow-finish' || event.status !== 'completed') {
    throw new Error(`bench run did not complete: ${JSON.stringify(event).slice(0, 300)}`);
  }
}
