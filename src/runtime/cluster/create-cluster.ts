import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import type { EventRelay, ExecutionStore } from '../../store/index.js';
import type { Runs } from '../run-pipeline.js';
import { createRedisConnection, closeRedis, settleWithin, whenReady } from './redis-connection.js';
import { createRedisEventRelay } from './redis-event-relay.js';
import { createRunSignal } from './run-signal.js';
import { createRunQueue, RUN_QUEUE_NAME } from './run-queue.js';
import { createRunWorker, type RunWorker } from './run-worker.js';
import { createSharedToolState, type SharedToolState } from './create-shared-tool-state.js';

export type ProcessRole = 'gateway' | 'worker';

export interface ClusterHealth {
  mode: 'cluster';
  role: ProcessRole;
  redis: { reachable: boolean; latencyMs?: number };
  /** Whether this process takes workflow runs off the queue. */
  runsWorkflows: boolean;
  queue: { name: string; prefix: string; counts?: Record<string, number> };
  /** False while breakers and tool limits fall back to this process's own (Redis away). */
  sharedToolState: boolean;
}

export interface Cluster {
  readonly role: ProcessRole;
  readonly runsWorkflows: boolean;
  /** Commands connection (fails fast while Redis is away), for shared state such as breakers and limits. */
  readonly redis: Redis;
  readonly relay: EventRelay;
  /** Circuit breakers and tool concurrency limits for the whole cluster, for the engine. */
  readonly toolState: SharedToolState;
  enqueue(executionId: string, reuse?: Record<string, unknown>): Promise<void>;
  requestCancel(executionId: string): Promise<void>;
  /** Tells the process running workflow `executionId` that decisions on its tasks are stored. */
  announceDecision(executionId: string): Promise<void>;
  /** Tells the process running chat turn `executionId` that a client here follows it. */
  announceListener(executionId: string): Promise<void>;
  /** Binds the pipeline: cancels heard are passed to it, and (when this process works) the queue's runs too. */
  start(runs: Runs, store: ExecutionStore): Promise<void>;
  health(): Promise<ClusterHealth>;
  /** Takes no more runs off the queue (before the pipeline hands its runs over). */
  stopTaking(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Cluster mode (REDIS_URL): the BullMQ queue of workflow runs, the worker that takes them when this process works
 * (a worker always, a gateway unless RUN_WORKFLOWS=false), live events and cancels over Redis pub/sub. Start-up
 * does not wait for a Redis that is away: everything reconnects by itself and `health()` says so meanwhile.
 */
export async function createCluster(config: Config, { role, origin }: { role: ProcessRole; origin: string }): Promise<Cluster> {
  const url = config.REDIS_URL!;
  const prefix = config.REDIS_PREFIX;
  const command = createRedisConnection(url, 'command', `sapflow-${role}-command`);
  const subscriber = createRedisConnection(url, 'subscriber', `sapflow-${role}-subscriber`);
  const connections: Redis[] = [command, subscriber];
  const runsWorkflows = role === 'worker' || config.RUN_WORKFLOWS;
  const queue = createRunQueue({ connection: command, prefix });
  const relay = createRedisEventRelay({ publisher: command, subscriber, prefix, origin });
  let runs: Runs | undefined;
  const cancels = createRunSignal({ publisher: command, subscriber, prefix, name: 'cancel', onSignal: (id) => runs?.cancelHere(id) });
  const decisions = createRunSignal({ publisher: command, subscriber, prefix, name: 'decision', onSignal: (id) => runs?.decisionsHeard(id) });
  const listening = createRunSignal({ publisher: command, subscriber, prefix, name: 'listening', onSignal: (id) => runs?.heardListener(id) });
  let worker: RunWorker | undefined;
  const toolState = createSharedToolState(url, { prefix: `${prefix}:` });
  await Promise.all([whenReady(command, 1_500), whenReady(subscriber, 1_500)]);

  return {
    role,
    runsWorkflows,
    redis: command,
    relay,
    toolState,
    enqueue: (executionId, reuse) => queue.enqueue(executionId, reuse),
    requestCancel: (executionId) => cancels.send(executionId),
    announceListener: (executionId) => listening.send(executionId),
    announceDecision: (executionId) => decisions.send(executionId),

    async start(pipeline, store) {
      runs = pipeline;
      await Promise.all([cancels.ready, listening.ready, decisions.ready]);
      if (!runsWorkflows) return;
      const blocking = createRedisConnection(url, 'blocking', `sapflow-${role}-worker`);
      connections.push(blocking);
      worker = createRunWorker({ connection: blocking, prefix, concurrency: config.WORKER_CONCURRENCY, runs: pipeline, store });
    },

    async health() {
      const started = performance.now();
      const reachable = await command.ping().then(() => true, () => false);
      const latencyMs = reachable ? Math.round((performance.now() - started) * 10) / 10 : undefined;
      const counts = reachable
        ? await queue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed').catch(() => undefined)
        : undefined;
      return {
        mode: 'cluster',
        role,
        redis: { reachable, ...(latencyMs === undefined ? {} : { latencyMs }) },
        runsWorkflows,
        queue: { name: RUN_QUEUE_NAME, prefix, ...(counts ? { counts } : {}) },
        sharedToolState: toolState.available(),
      };
    },

    async stopTaking() {
      await worker?.pause();
    },

    async close() {
      // BullMQ's close waits on Redis; with Redis away it would wait for ever. The runs were handed over already,
      // so a job left active here is redelivered, and its claim finds the run released or taken (run-worker.ts)
      await settleWithin(worker?.close(), 2_000);
      await settleWithin(queue.close(), 1_000);
      await settleWithin(toolState.close(), 1_000);
      await Promise.all(connections.map(closeRedis));
    },
  };
}
