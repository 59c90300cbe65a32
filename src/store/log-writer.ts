import { SapflowError } from '../errors/index.js';
import type { ExecutionStore, LoggableEvent, StoredEvent } from './execution-types.js';
import { guardStore } from './store-error.js';

/** Whose lease an execution's events are logged under, and who to tell when another process has taken the run. */
export interface LogFence {
  owner: string;
  /** Called once when an append was refused with `lease_lost`; that execution's queued events are dropped. */
  lost(): void;
}

export interface LogWriter {
  /** Queues an event for its execution's log; returns at once. With `fence`, it is logged only while the lease is held. */
  write(event: LoggableEvent, fence?: LogFence): void;
  /** Resolves when every event written so far (to `executionId`'s log, or to all) is durable. */
  flush(executionId?: string): Promise<void>;
  /** Flushes and stops accepting events. */
  close(): Promise<void>;
  /** Events written but not yet durable. */
  readonly pending: number;
}

export interface LogWriteFailure {
  executionId: string;
  events: readonly LoggableEvent[];
  /** False: the events stay queued and are tried again. True: they can never be stored (no such execution). */
  dropped: boolean;
}

export interface LogWriterOptions {
  flushIntervalMs?: number;
  /** Most events per `appendEvents` call; reaching it flushes that execution at once. */
  maxBatch?: number;
  /** Immediate retries of a batch that failed for a transient reason, with doubling delays. */
  retry?: { count?: number; delayMs?: number };
  /** How long a batch that still failed waits before the next try. */
  retryAfterMs?: number;
  /** Told each persisted event, in seq order, once it is durable (an `EventHub`). */
  hub?: { publish(executionId: string, stored: StoredEvent<LoggableEvent>): void };
  onError?: (error: SapflowError, failure: LogWriteFailure) => void;
}

const openWriters = new Set<LogWriter>();

/** Flushes every open writer (SIGTERM): resolves when all are durable, rejects with the first failure. */
export function flushAllLogWriters(): Promise<void> {
  return settleAll([...openWriters].map((w) => w.flush()));
}

/** Closes every open writer: flushes them and refuses further writes. */
export function closeAllLogWriters(): Promise<void> {
  return settleAll([...openWriters].map((w) => w.close()));
}

interface Lane {
  queue: LoggableEvent[];
  fence?: LogFence;
  /** Its events were dropped, fenced off: a flush already waiting on this lane fails with this too. */
  refused?: SapflowError;
  /** The lane's latest drain; drains of one execution run one after another, so its seqs follow write order. */
  tail: Promise<void>;
}

/**
 * Batches log writes off the critical path. Each execution's events are appended in write order, in batches of
 * up to `maxBatch`, every `flushIntervalMs` or on `flush()`. A transient failure is retried and the events stay
 * queued; nothing is dropped unless it can never be stored, and every failure is reported to `onError`.
 */
export function createLogWriter(
  store: Pick<ExecutionStore, 'appendEvents'>,
  {
    flushIntervalMs = 20,
    maxBatch = 200,
    retry: { count: retryCount = 3, delayMs: retryDelayMs = 50 } = {},
    retryAfterMs = 1000,
    hub,
    onError = reportToStderr,
  }: LogWriterOptions = {},
): LogWriter {
  const lanes = new Map<string, Lane>();
  /**
   * Executions whose queued events were all dropped (fenced off: `lease_lost`) since their last write: a flush that
   * finds nothing left to write must not say they are durable.
   */
  const refused = new Map<string, SapflowError>();
  let pending = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const schedule = (delayMs: number) => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      for (const id of lanes.keys()) flushLane(id).catch(() => {}); // failures were reported by the lane
    }, delayMs);
  };

  const appendWithRetry = async (id: string, batch: LoggableEvent[], owner: string | undefined): Promise<StoredEvent<LoggableEvent>[]> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await guardStore('write the execution log', () => store.appendEvents(id, batch, { owner }));
      } catch (error) {
        const retryable = error instanceof SapflowError && error.retryable;
        if (!retryable || attempt >= retryCount) throw error;
        await sleep(retryDelayMs * 2 ** attempt);
      }
    }
  };

  const drainLane = async (id: string, lane: Lane) => {
    if (lane.refused) throw lane.refused;
    let remaining = lane.queue.length;
    while (remaining > 0) {
      const batch = lane.queue.slice(0, Math.min(remaining, maxBatch));
      let stored: StoredEvent<LoggableEvent>[];
      try {
        stored = await appendWithRetry(id, batch, lane.fence?.owner);
      } catch (caught) {
        const error = caught as SapflowError;
        if (error.code === 'lease_lost') {
          // another process runs it now and logs it from its own resume point: nothing of ours may follow
          const events = lane.queue.slice();
          take(lane, lane.queue.length);
          if (lanes.get(id) === lane) lanes.delete(id);
          lane.refused = error;
          refused.set(id, error);
          if (refused.size > 1_000) refused.delete(refused.keys().next().value!);
          onError(error, { executionId: id, events, dropped: true });
          lane.fence?.lost();
          throw error;
        }
        const dropped = !error.retryable;
        if (dropped) take(lane, batch.length);
        else schedule(retryAfterMs);
        onError(error, { executionId: id, events: batch, dropped });
        throw error;
      }
      take(lane, batch.length);
      remaining -= batch.length;
      for (const event of stored) hub?.publish(id, event);
    }
    if (lane.queue.length === 0 && lanes.get(id) === lane) lanes.delete(id);
  };

  const take = (lane: Lane, count: number) => {
    lane.queue.splice(0, count);
    pending -= count;
  };

  const flushLane = (id: string): Promise<void> => {
    const lane = lanes.get(id);
    if (!lane) return refused.has(id) ? Promise.reject(refused.get(id)) : Promise.resolve();
    const run = lane.tail.catch(() => {}).then(() => drainLane(id, lane));
    lane.tail = run;
    return run;
  };

  const flushAll = () => settleAll([...lanes.keys()].map(flushLane));

  const writer: LogWriter = {
    write(event, fence) {
      if (closed) throw new SapflowError('store_error', 'the execution log writer is closed');
      let lane = lanes.get(event.executionId);
      if (!lane) {
        lane = { queue: [], tail: Promise.resolve() };
        lanes.set(event.executionId, lane);
      }
      lane.fence = fence;
      refused.delete(event.executionId);
      lane.queue.push(event);
      pending++;
      if (lane.queue.length % maxBatch === 0) flushLane(event.executionId).catch(() => {});
      else schedule(flushIntervalMs);
    },
    flush: (executionId) => (executionId === undefined ? flushAll() : flushLane(executionId)),
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await flushAll(); // on failure it stays registered, so flushAllLogWriters() tries its events again
      openWriters.delete(writer);
    },
    get pending() {
      return pending;
    },
  };
  openWriters.add(writer);
  return writer;
}

function reportToStderr(error: SapflowError, { executionId, events, dropped }: LogWriteFailure): void {
  const fate = dropped ? `${events.length} events dropped` : `${events.length} events kept, will retry`;
  console.error(`sapflow: execution log ${executionId}: ${error.message} (${fate})`);
}

/** Waits for all, so one failing lane or writer does not cut the others' flush short; then rejects with the first failure. */
async function settleAll(flushes: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(flushes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
