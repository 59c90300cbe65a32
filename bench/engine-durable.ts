import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { lastValueFrom } from 'rxjs';
import { createOfflineDemoModel } from '../src/model/index.js';
import { createRunPipeline, type Runs } from '../src/runtime/run-pipeline.js';
import {
  createEventHub, createExecutionStore, createLogWriter, openDatabase,
  type Database, type ExecutionStore, type LoggableEvent, type LogWriter,
} from '../src/store/index.js';
import { createEngine } from '../src/streams/index.js';
import { createGatewayMetrics } from '../src/telemetry/index.js';
import { createToolRegistry } from '../src/tools/index.js';
import type { CompiledWorkflow } from '../src/workflows/index.js';
import { createTestDatabase } from '../test/support/test-database.js';
import { toWorkflow, type BenchDag } from './engine-dags.js';
import { median, round } from './engine-makespan.js';
import { collectGarbage, readSchedstat } from './engine-overhead.js';
import { assertCompleted, benchTools } from './engine-runners.js';

/** Where the log goes: embedded PGlite in a fresh folder on disk, or a fresh database on DATABASE_URL's server. */
export type DurableStoreKind = 'pglite' | 'postgres';

export interface DurableOverheadRow {
  dag: string;
  tasks: number;
  store: string;
  maxParallel: number;
  /** Median wall time from `startWorkflow` (the execution row included) to the final event, held until durable, over tasks. */
  usPerTask: number;
  minUsPerTask: number;
  /** Median process CPU time (process.cpuUsage: user + system, every thread; PGlite runs on the main thread, a Postgres server does not count) over tasks. */
  cpuUsPerTask: number;
  /** Median time the main thread was ready but waiting for a CPU, over tasks (Linux schedstat); null elsewhere. */
  waitUsPerTask: number | null;
  runs: number;
  /** Where a median run's time went. */
  breakdown: DurableBreakdown;
}

export interface DurableBreakdown {
  /** Logged events and `appendEvents` calls per run. */
  events: number;
  batches: number;
  /** The largest batch and the median one. */
  maxBatch: number;
  medianBatch: number;
  /** `createExecution` (the row with the 10,000-task definition). */
  createMs: number;
  /** From the execution row to the engine's `workflow-finish` (the engine running, interleaved with log writes). */
  engineMs: number;
  /** Events written but not yet durable when the engine emitted `workflow-finish`: how far the log was behind. */
  backlogAtFinish: number;
  /** From the engine's `workflow-finish` until the log holds it (the final event held back). */
  finalFlushMs: number;
  /** Time inside `appendEvents`, summed over the run's batches (they run one after another per execution). */
  appendMs: number;
  appendUsPerEvent: number;
  /** The slowest batch and the median one. */
  maxAppendMs: number;
  medianAppendMs: number;
  /** The append of the batch that carries `workflow-start` (every task pending) and the one with `workflow-finish`. */
  startBatchMs: number;
  finishBatchMs: number;
  wallMs: number;
}

interface Batch {
  events: number;
  ms: number;
  hasStart: boolean;
  hasFinish: boolean;
}

export interface DurableStore {
  label: string;
  runs: Runs;
  /** The run's numbers since the last `take()`. */
  take(): { batches: Batch[]; finishWrittenAt: number | undefined; backlogAtFinish: number; createMs: number };
  close(): Promise<void>;
}

/**
 * The run pipeline as the gateway wires it (createRuntime: store, event hub, log writer, engine with the config's
 * defaults), on a real store, with the bench's tools; `appendEvents` and the writer are timed from outside.
 */
export async function openDurableStore(
  kind: DurableStoreKind,
  { databaseUrl = process.env.DATABASE_URL, maxBatch }: { databaseUrl?: string; maxBatch?: number } = {},
): Promise<DurableStore> {
  let db: Database;
  let cleanUp: () => Promise<void>;
  let label: string;
  if (kind === 'postgres') {
    if (!databaseUrl) throw new Error('the Postgres figures need DATABASE_URL');
    const database = await createTestDatabase(databaseUrl);
    db = await openDatabase({ databaseUrl: database.url });
    cleanUp = () => database.drop();
    label = 'Postgres (DATABASE_URL, fresh database)';
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'sapflow-bench-log-'));
    db = await openDatabase({ dataDir: dir });
    cleanUp = () => rm(dir, { recursive: true, force: true });
    label = 'PGlite on disk (DATA_DIR)';
  }
  let batches: Batch[] = [];
  let finishWrittenAt: number | undefined;
  let backlogAtFinish = 0;
  let createMs = 0;
  const real = createExecutionStore(db);
  const store: ExecutionStore = {
    ...real,
    async createExecution(execution) {
      const start = performance.now();
      try {
        return await real.createExecution(execution);
      } finally {
        createMs = performance.now() - start;
      }
    },
    async appendEvents(executionId, events) {
      const start = performance.now();
      try {
        return await real.appendEvents(executionId, events);
      } finally {
        batches.push({
          events: events.length,
          ms: performance.now() - start,
          hasStart: events.some((e) => e.type === 'workflow-start'),
          hasFinish: events.some((e) => e.type === 'workflow-finish'),
        });
      }
    },
  };
  const hub = createEventHub(store);
  const realWriter = createLogWriter(store, { hub, maxBatch });
  const writer: LogWriter = {
    write(event: LoggableEvent) {
      if (event.type === 'workflow-finish') {
        finishWrittenAt = performance.now();
        backlogAtFinish = realWriter.pending;
      }
      realWriter.write(event);
    },
    flush: (executionId) => realWriter.flush(executionId),
    close: () => realWriter.close(),
    get pending() {
      return realWriter.pending;
    },
  };
  const tools = createToolRegistry(['instant', 'sleep', 'held'].map((name) => benchTools().get(name)!));
  // the engine the gateway builds from its config defaults (WORKFLOW_MAX_PARALLEL_TASKS 5), as the in-memory figure uses
  // metrics on, as WORKFLOW_ENABLE_TELEMETRY's default has them: every event goes through the run observer
  const metrics = createGatewayMetrics();
  const runs = createRunPipeline({ engine: createEngine(), tools, model: createOfflineDemoModel(), store, writer, hub, observe: metrics.observeRun });
  return {
    label: maxBatch === undefined ? label : `${label}, maxBatch ${maxBatch}`,
    runs,
    take() {
      const taken = { batches, finishWrittenAt, backlogAtFinish, createMs };
      batches = [];
      finishWrittenAt = undefined;
      backlogAtFinish = 0;
      createMs = 0;
      return taken;
    },
    async close() {
      await runs.handOver();
      metrics.stop();
      await writer.close();
      await db.close();
      await cleanUp();
    },
  };
}

interface DurableSample {
  wallMs: number;
  cpuUs: number;
  waitUs: number | null;
  breakdown: DurableBreakdown;
}

async function timedDurableRun(store: DurableStore, workflow: CompiledWorkflow): Promise<DurableSample> {
  store.take();
  const sched = readSchedstat();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const { events } = await store.runs.startWorkflow({ workflow, inputs: {}, user: 'bench' });
  const last = await lastValueFrom(events);
  const end = performance.now();
  const { user, system } = process.cpuUsage(cpu);
  const schedAfter = readSchedstat();
  assertCompleted(last.event);
  const { batches, finishWrittenAt = end, backlogAtFinish, createMs } = store.take();
  const sizes = batches.map((b) => b.events);
  const times = batches.map((b) => b.ms);
  const appendMs = times.reduce((a, b) => a + b, 0);
  const eventCount = sizes.reduce((a, b) => a + b, 0);
  return {
    wallMs: end - start,
    cpuUs: user + system,
    waitUs: sched && schedAfter ? (schedAfter.waitNs - sched.waitNs) / 1000 : null,
    breakdown: {
      events: eventCount,
      batches: batches.length,
      maxBatch: Math.max(...sizes),
      medianBatch: medianOf(sizes),
      createMs: round(createMs, 1),
      engineMs: round(finishWrittenAt - start - createMs, 1),
      backlogAtFinish,
      finalFlushMs: round(end - finishWrittenAt, 1),
      appendMs: round(appendMs, 1),
      appendUsPerEvent: round((appendMs * 1000) / eventCount, 2),
      maxAppendMs: round(Math.max(...times), 1),
      medianAppendMs: round(medianOf(times), 2),
      startBatchMs: round(batches.find((b) => b.hasStart)?.ms ?? 0, 1),
      finishBatchMs: round(batches.find((b) => b.hasFinish)?.ms ?? 0, 1),
      wallMs: round(end - start, 1),
    },
  };
}

/**
 * The in-memory overhead measure, through the run pipeline onto a real store: every event logged, the finish held
 * until durable. Warmed up on `warmupDag` (a smaller run of the same shape: JIT and the store's caches, for less time).
 */
export async function measureDurableOverhead(
  dag: BenchDag,
  store: DurableStore,
  { warmupDag = dag, warmup = 2, runs = 3 }: { warmupDag?: BenchDag; warmup?: number; runs?: number } = {},
): Promise<DurableOverheadRow> {
  const workflow = toWorkflow(dag);
  const tasks = dag.tasks.length;
  const warmupWorkflow = warmupDag === dag ? workflow : toWorkflow(warmupDag);
  for (let i = 0; i < warmup; i++) await timedDurableRun(store, warmupWorkflow);
  collectGarbage();
  const samples: DurableSample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timedDurableRun(store, workflow));
  const mid = median(samples, (s) => s.wallMs);
  return {
    dag: dag.name,
    tasks,
    store: store.label,
    maxParallel: createEngine().maxParallel,
    usPerTask: round((mid.wallMs * 1000) / tasks, 2),
    minUsPerTask: round((Math.min(...samples.map((s) => s.wallMs)) * 1000) / tasks, 2),
    cpuUsPerTask: round(median(samples, (s) => s.cpuUs).cpuUs / tasks, 2),
    waitUsPerTask: mid.waitUs === null ? null : round(median(samples, (s) => s.waitUs!).waitUs! / tasks, 2),
    runs,
    breakdown: mid.breakdown,
  };
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[sorted.length >> 1]!;
}
