import type { Redis } from 'ioredis';
import { DelayedError, Worker } from 'bullmq';
import type { ExecutionStore } from '../../store/index.js';
import type { Runs } from '../run-pipeline.js';
import { RUN_QUEUE_NAME, type RunJobData } from './run-queue.js';

export interface RunWorkerOptions {
  /** A connection of its own with `maxRetriesPerRequest: null` (BullMQ blocks on it). */
  connection: Redis;
  prefix: string;
  concurrency: number;
  runs: Pick<Runs, 'owner' | 'leaseTtlMs' | 'resume' | 'settled'>;
  store: Pick<ExecutionStore, 'claimRun' | 'unclaimRun'>;
  onError?: (error: unknown) => void;
}

export interface RunWorker {
  readonly worker: Worker<RunJobData>;
  /** Takes no more jobs; runs already taken are left to the caller's hand-over. */
  pause(): Promise<void>;
  close(): Promise<void>;
}

/** How soon a job a stopping worker took is offered again. */
const REQUEUE_DELAY_MS = 250;

export interface RunJobResult {
  /** False: the run was finished, or a live process held it (a redelivered job), so this one did nothing. */
  ran: boolean;
}

/**
 * Takes runs off the queue, `concurrency` at a time. The Postgres lease decides who runs a run: the job claims it in
 * one statement (`claimRun`), and a job that finds it held by a live process, or finished, completes without doing
 * anything. So BullMQ's lock only guards the moment between taking a job and claiming its run: a worker killed in
 * that moment has its job redelivered after `lockDuration` + `stalledInterval`; a worker killed later has its runs
 * taken by the lease sweep of another process once the lease expires. Stalls never fail a job (maxStalledCount is
 * effectively unbounded): a run is failed only by the pipeline, after RUN_MAX_RESUMES, with `resume_failed`.
 */
export function createRunWorker({ connection, prefix, concurrency, runs, store, onError = reportToStderr }: RunWorkerOptions): RunWorker {
  let pausing = false;
  const worker = new Worker<RunJobData, RunJobResult>(
    RUN_QUEUE_NAME,
    async (job, token) => {
      // Taken while this process stops (a fetch already on its way when it paused): back on the queue for another
      // worker, the run queued again - not claimed and released, which would make it an orphan that a sweep
      // resumes as if this process had died
      const requeue = async () => {
        await job.moveToDelayed(Date.now() + REQUEUE_DELAY_MS, token);
        throw new DelayedError();
      };
      if (pausing) return requeue();
      const claimed = await store.claimRun(runs.owner, job.data.executionId, runs.leaseTtlMs);
      if (!claimed) return { ran: false };
      if (pausing) {
        await store.unclaimRun(runs.owner, claimed.id);
        return requeue();
      }
      await runs.resume(claimed, { reuse: job.data.reuse });
      // the job holds one of `concurrency` slots for as long as the run runs here (or until it is handed over)
      await runs.settled(claimed.id);
      return { ran: true };
    },
    { connection, prefix, concurrency, ...stallSettings(runs.leaseTtlMs), autorun: true },
  );
  // the same failure (Redis away: every retry of the blocking pop) is said once, not every two seconds
  let lastError = '';
  worker.on('error', (error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    onError(error);
  });
  worker.on('ready', () => (lastError = ''));
  return {
    worker,
    async pause() {
      pausing = true;
      await worker.pause(true);
    },
    close: () => worker.close(),
  };
}

/**
 * BullMQ's lock and stalled-job settings for a run lease of `leaseTtlMs`: a job whose worker died before claiming
 * its run is redelivered within lockDuration + stalledInterval (3/4 of the lease, 7.5 s by default), and a job that
 * stalls again and again is never failed by BullMQ (the run's fate is the pipeline's: RUN_MAX_RESUMES).
 */
export function stallSettings(leaseTtlMs: number): { lockDuration: number; stalledInterval: number; maxStalledCount: number } {
  // the lock is renewed every half lockDuration by the worker holding the job
  const lockDuration = Math.max(1_000, Math.floor(leaseTtlMs / 2));
  return { lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)), maxStalledCount: Number.MAX_SAFE_INTEGER };
}

function reportToStderr(error: unknown): void {
  console.error(`[sapflow] run worker: ${error instanceof Error ? error.message : String(error)}`);
}
