import { Observable, Subject, mergeMap } from 'rxjs';

/**
 * A slot pool built on `mergeMap(job, limit)`: wrapping a stream in `limit(work$)` queues its subscription until
 * one of `limit` slots is free. Unsubscribing from a queued or running job frees its slot. Shared by every run,
 * so a tool's `concurrency` holds across workflows and chat turns in the process.
 */
export function createConcurrencyLimiter(limit: number): <T>(work: Observable<T>) => Observable<T> {
  const jobs = new Subject<Observable<never>>();
  jobs.pipe(mergeMap((job) => job, limit)).subscribe();

  return <T>(work: Observable<T>) =>
    new Observable<T>((subscriber) => {
      let release: (() => void) | undefined;
      let cancelled = false;
      jobs.next(
        new Observable<never>((slot) => {
          if (cancelled) return slot.complete();
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
        cancelled = true;
        release?.();
      };
    });
}

/**
 * Holds a tool's `concurrency`: `limit` returns `work` delayed until a slot is free, holding the slot while `work`
 * runs. Unsubscribing while waiting takes no slot; unsubscribing while running frees it. One process
 * (`ToolLimiters`) or one cluster (runtime/cluster/shared-limiters.ts).
 */
export interface LimiterRegistry {
  limit<T>(name: string, concurrency: number | undefined, work: Observable<T>): Observable<T>;
}

/** True when `concurrency` asks for a limit at all (absent, 0, negative or infinite mean none). */
export function isLimited(concurrency: number | undefined): concurrency is number {
  return !!concurrency && concurrency > 0 && Number.isFinite(concurrency);
}

/** Per-tool limiters, created on first use with the tool's own `concurrency`. */
export class ToolLimiters implements LimiterRegistry {
  private readonly byName = new Map<string, <T>(work: Observable<T>) => Observable<T>>();

  limit<T>(name: string, concurrency: number | undefined, work: Observable<T>): Observable<T> {
    if (!isLimited(concurrency)) return work;
    let limiter = this.byName.get(name);
    if (!limiter) {
      limiter = createConcurrencyLimiter(concurrency);
      this.byName.set(name, limiter);
    }
    return limiter(work);
  }
}
