import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { SapflowError } from '../../errors/index.js';

/** The BullMQ queue every process of a cluster shares (under REDIS_PREFIX). */
export const RUN_QUEUE_NAME = 'workflow-runs';

/** A job names the run; the run itself (definition, inputs, log) is in Postgres, the source of truth. */
export interface RunJobData {
  executionId: string;
  /** Results of an earlier run's completed tasks (Retry), reused instead of run again. */
  reuse?: Record<string, unknown>;
}

export interface RunQueue {
  readonly queue: Queue<RunJobData>;
  /** Queues the run; `redis_unavailable` (retryable) when Redis does not take it within `timeoutMs`. */
  enqueue(executionId: string, reuse?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/**
 * The producer side. The job id is the execution id, so a run is queued at most once however often it is added.
 * A job that fails (a claim that hit a database outage) is tried again with backoff; the run's own fate (failed,
 * resumed) is decided by the pipeline and the lease, never by the job.
 */
export function createRunQueue({ connection, prefix, timeoutMs = 2_000 }: { connection: Redis; prefix: string; timeoutMs?: number }): RunQueue {
  const queue = new Queue<RunJobData>(RUN_QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1_000, attempts: 10, backoff: { type: 'exponential', delay: 500 } },
  });
  // BullMQ re-emits connection errors here; the connection reports them already (redis-connection.ts)
  queue.on('error', () => {});
  return {
    queue,
    async enqueue(executionId, reuse) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          queue.add('run', reuse ? { executionId, reuse } : { executionId }, { jobId: executionId }),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs))),
        ]);
      } catch (error) {
        throw new SapflowError('redis_unavailable', 'Redis is unreachable, so the run could not be queued; try again shortly', { retryable: true, cause: error });
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => queue.close(),
  };
}
