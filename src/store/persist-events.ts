import { concatMap, defer, map, of, type MonoTypeOperatorFunction } from 'rxjs';
import type { LoggableEvent } from './execution-types.js';
import type { LogWriter } from './log-writer.js';

export interface PersistEventsOptions<E> {
  /** The event that must not reach the client before the log is durable (default: `workflow-finish`). */
  isFinal?: (event: E) => boolean;
}

/**
 * Logs every event through `writer` and passes it on at once, except the final one: that is held until its
 * execution's log up to and including it is durable. If the log cannot be made durable, the stream errors
 * (`store_error`) instead of announcing a finish that history would not show.
 */
export function persistEvents<E extends LoggableEvent>(
  writer: LogWriter,
  { isFinal = (event) => event.type === 'workflow-finish' }: PersistEventsOptions<E> = {},
): MonoTypeOperatorFunction<E> {
  return concatMap((event) => {
    writer.write(event);
    if (!isFinal(event)) return of(event);
    return defer(() => writer.flush(event.executionId)).pipe(map(() => event));
  });
}
