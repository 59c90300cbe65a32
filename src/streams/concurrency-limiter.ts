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

/** Per-tool limiters, created on first use with the tool's own `concurrency`. */
export class ToolLimiters {
  private readonly byName = new Map<string, <T>(work: Observable<T>) => Observable<T>>();

  limit<T>(name: string, concurrency: number | undefined, work: Observable<T>): Observable<T> {
    if (!concurrency || concurrency <= 0 || !Number.isFinite(concurrency)) return work;
    let limiter = this.byName.get(name);
    if (!limiter) {
      limiter = createConcurrencyLimiter(concurrency);
      this.byName.set(name, limiter);
    }
    return limiter(work);
  }
}
