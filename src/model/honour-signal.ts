import { concat, defer, EMPTY, fromEvent, identity, takeUntil, throwError, type MonoTypeOperatorFunction } from 'rxjs';
import { SapflowError } from '../errors/index.js';

/** Ends the stream with a `cancelled` error when the signal aborts; unsubscribing upstream tears the request down. */
export function honourSignal<T>(signal: AbortSignal | undefined): MonoTypeOperatorFunction<T> {
  if (!signal) return identity;
  const cancelled = () => new SapflowError('cancelled', 'The model request was cancelled');
  return (source) =>
    defer(() =>
      signal.aborted
        ? throwError(cancelled)
        : concat(
            source.pipe(takeUntil(fromEvent(signal, 'abort'))),
            defer(() => (signal.aborted ? throwError(cancelled) : EMPTY)),
          ),
    );
}
