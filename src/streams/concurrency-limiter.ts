import { Observable, Subject, mergeMap } from 'rxjs';

/**
 * A slot pool built on `mergeMap(job, limit)`: wrapping a stream in `limit(work$)` queues its subscription until
 * one of `limit` slots is free. Unsubscribing from a queued or running job frees its slot. Shared by every run,
 * so a tool's `concurrency` holds across workflows and chat turns in the process.
 */
export function createConcurrencyLimiter(limit: number): ConcurrencyLimiter {
  const jobs = new Subject<Observable<never>>();
  jobs.pipe(mergeMap((job) => job, limit)).subscribe();
  let waiting = 0;

  const limiter = <T>(work: Observable<T>) =>
    new Observable<T>((subscriber) => {
      let release: (() => void) | undefined;
      let cancelled = false;
      let started = false;
      waiting += 1;
      jobs.next(
        new Observable<never>((slot) => {
          if (cancelled) return slot.complete();
          started = true;
          waiting -= 1;
          release = () => slot.complete();
          const inner = work.subscribe({
            next: (value) => subscriber.next(value),
            error: (error) => {
              slot.complete();
              subscriber.error(error);
            },
            complete: () => {
              slot.complete();
              subscriber.complete();
            },
          });
          return () => inner.unsubscribe();
        }),
      );
      return () => {
        if (!started && !cancelled) waiting -= 1;
        cancelled = true;
        release?.();
      };
    });
  return Object.assign(limiter, { waiting: () => waiting });
}

/** Wraps work so that it waits for a slot; `waiting()` is how many wait now (a metric's queue depth). */
export interface ConcurrencyLimiter {
  <T>(work: Observable<T>): Observable<T>;
  waiting(): number;
}

/**
 * Holds a tool's `concurrency`: `limit` returns `work` delayed until a slot is free, holding the slot while `work`
 * runs. Unsubscribing while waiting takes no slot; unsubscribing while running frees it. One process
 * (`ToolLimiters`) or one cluster (runtime/cluster/shared-limiters.ts).
 */
export interface LimiterRegistry {
  limit<T>(name: string, concurrency: number | undefined, work: Observable<T>): Observable<T>;
  /** Calls waiting for a slot in this process now, across tools (sapflow_queue_depth{queue="tool_calls"}). */
  waiting?(): number;
}

/** True when `concurrency` asks for a limit at all (absent, 0, negative or infinite mean none). */
export function isLimited(concurrency: number | undefined): concurrency is number {
  return !!concurrency && concurrency > 0 && Number.isFinite(concurrency);
}

/** Per-tool limiters, created on first use with the tool's own `concurrency`. */
export class ToolLimiters implements LimiterRegistry {
  private readonly byName = new Map<string, ConcurrencyLimiter>();

  limit<T>(name: string, concurrency: number | undefined, work: Observable<T>): Observable<T> {
    if (!isLimited(concurrency)) return work;
    let limiter = this.byName.get(name);
    if (!limiter) {
      limiter = createConcurrencyLimiter(concurrency);
      this.byName.set(name, limiter);
    }
    return limiter(work);
  }

  waiting(): number {
    let sum = 0;
    for (const limiter of this.byName.values()) sum += limiter.waiting();
    return sum;
  }
}
