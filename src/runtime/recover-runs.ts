import type { ExecutionKind, ExecutionStore } from '../store/index.js';
import type { Runs } from './run-pipeline.js';

export interface RecoveryOptions {
  store: Pick<ExecutionStore, 'claimOrphans' | 'wakeDueRuns' | 'claimRun'>;
  runs: Pick<Runs, 'owner' | 'leaseTtlMs' | 'liveIds' | 'resume'>;
  /**
   * The embedded store belongs to one process, so at start-up every live run in it is an orphan and is claimed at
   * once; on Postgres a run is claimed only once its owner's lease has expired.
   */
  embedded: boolean;
  /** Kinds of run this process resumes (default both; a gateway that runs no workflows resumes only chat turns). */
  kinds?: readonly ExecutionKind[];
  /** How often to look for expired leases (default 1 s, so a resume comes within lease expiry + 1 s). */
  sweepMs?: number;
  onError?: (error: unknown) => void;
  /** Told when the store answers again after a failed sweep; stderr by default. */
  onRecovered?: () => void;
}

export interface Recovery {
  /** The first sweep: resolves once the runs found are resumed (or failed). */
  start(): Promise<number>;
  /** One sweep; the number of runs it took over. */
  sweep(): Promise<number>;
  stop(): void;
}

/**
 * Crash recovery: claims runs whose owner went away and resumes them from the log, at start-up and then
 * periodically. A sweep that fails (the database is away) is reported and tried again on the next tick; the
 * process keeps serving meanwhile.
 */
export function createRecovery({
  store, runs, embedded, kinds, sweepMs = 1_000, onError = reportToStderr,
  onRecovered = () => console.error('[sapflow] crash recovery: the store answers again'),
}: RecoveryOptions): Recovery {
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<number> | undefined;
  let failing = false;

  const wakesWorkflows = !kinds || kinds.includes('workflow');
  const sweepOnce = async (ignoreLeases: boolean): Promise<number> => {
    let total = 0;
    // parked runs whose approval_timeout ran out: taken here as a decision's resume is (not counted as a crash
    // resume); should this process die first, they are orphans with a lapsed lease that any sweep takes
    if (wakesWorkflows) {
      for (const id of await store.wakeDueRuns()) {
        const claimed = await store.claimRun(runs.owner, id, runs.leaseTtlMs);
        if (claimed) await runs.resume(claimed).catch((error: unknown) => onError(error));
        total += claimed ? 1 : 0;
      }
    }
    for (;;) {
      const claimed = await store.claimOrphans(runs.owner, runs.leaseTtlMs, { ignoreLeases, exclude: runs.liveIds(), limit: 50, kinds });
      for (const execution of claimed) {
        // one run that cannot be resumed must not stop the others; its lease expires and it is claimed again
        await runs.resume(execution).catch((error: unknown) => onError(error));
      }
      total += claimed.length;
      if (claimed.length < 50) return total;
    }
  };

  const sweep = (ignoreLeases = false): Promise<number> =>
    (sweeping ??= sweepOnce(ignoreLeases)
      .then((n) => {
        if (failing) onRecovered();
        failing = false;
        return n;
      })
      .catch((error: unknown) => {
        // said once per outage, not once a second
        if (!failing) onError(error);
        failing = true;
        return 0;
      })
      .finally(() => (sweeping = undefined)));

  return {
    async start() {
      const found = await sweep(embedded);
      timer ??= setInterval(() => void sweep(), sweepMs);
      timer.unref();
      return found;
    },
    sweep: () => sweep(),
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

function reportToStderr(error: unknown): void {
  console.error(`[sapflow] crash recovery: ${error instanceof Error ? error.message : String(error)}`);
}
