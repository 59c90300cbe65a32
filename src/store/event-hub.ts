import {
  concat,
  concatMap,
  defer,
  EMPTY,
  finalize,
  from,
  merge,
  of,
  startWith,
  Subject,
  switchMap,
  takeWhile,
  timer,
  tap,
  type Observable,
} from 'rxjs';
import { SapflowError } from '../errors/index.js';
import type { WorkflowEvent } from '../protocol/index.js';
import { isTerminalStatus, type ExecutionStore, type LoggableEvent, type StoredEvent } from './execution-types.js';

export interface EventHub {
  /** Announces an event that is already durable in the log, with its seq. Events of one execution come in seq order. */
  publish(executionId: string, stored: StoredEvent<LoggableEvent>): void;
  /**
   * The execution's log after `afterSeq`, then its live events, each seq exactly once and in order; completes after
   * the final event. Errors with `unknown_execution` when the execution is not the user's.
   */
  follow<E extends LoggableEvent = WorkflowEvent>(
    executionId: string,
    userId: string,
    afterSeq?: number,
    options?: EventHubOptions,
  ): Observable<StoredEvent<E>>;
}

export interface EventHubOptions {
  /** The run's last event (default `workflow-finish`; a chat turn's is its `finish`). */
  isFinal?: (event: LoggableEvent) => boolean;
}

/**
 * The live part across processes (cluster mode: Redis). The hub sends every event it is told of, and listens for
 * an execution while it has followers there; what the relay loses is fetched from the log (gaps, and `pollMs`).
 */
export interface EventRelay {
  publish(executionId: string, stored: StoredEvent<LoggableEvent>): void;
  /** Delivers other processes' events of `executionId`; `ready` resolves once nothing published later can be missed. */
  listen(executionId: string, deliver: (stored: StoredEvent<LoggableEvent>) => void): { ready: Promise<void>; close(): void };
  /** How long a follower waits without an event before it reads the log itself (the relay is at most once). */
  pollMs: number;
}

/** Live fan-out of persisted events to followers, joined seamlessly to a replay from the store. */
export function createEventHub(
  store: Pick<ExecutionStore, 'getExecution' | 'readEvents'>,
  { isFinal: defaultIsFinal = (event) => event.type === 'workflow-finish', relay }: EventHubOptions & { relay?: EventRelay } = {},
): EventHub {
  interface Channel {
    subject: Subject<StoredEvent<LoggableEvent>>;
    remote?: { ready: Promise<void>; close(): void };
  }
  const channels = new Map<string, Channel>();

  const channelFor = (executionId: string): Channel => {
    let channel = channels.get(executionId);
    if (!channel) {
      const subject = new Subject<StoredEvent<LoggableEvent>>();
      channel = { subject, remote: relay?.listen(executionId, (stored) => subject.next(stored)) };
      channels.set(executionId, channel);
    }
    return channel;
  };

  return {
    publish(executionId, stored) {
      channels.get(executionId)?.subject.next(stored);
      relay?.publish(executionId, stored);
    },

    follow<E extends LoggableEvent>(executionId: string, userId: string, afterSeq = 0, { isFinal = defaultIsFinal }: EventHubOptions = {}) {
      return defer(() => {
        let last = afterSeq;
        // listen before reading the log: whatever is published meanwhile is held, then deduplicated by seq
        const held: StoredEvent<LoggableEvent>[] = [];
        const arrivals = new Subject<StoredEvent<LoggableEvent>>();
        let holding = true;
        const channel = channelFor(executionId);
        const listening = channel.subject.subscribe((stored) => (holding ? held.push(stored) : arrivals.next(stored)));

        const readAfter = (seq: number) => store.readEvents<LoggableEvent>(executionId, userId, { afterSeq: seq });

        // a quiet while on a relayed channel: read the log in case the relay dropped what came meanwhile
        const polled$ = relay
          ? arrivals.pipe(
              startWith(undefined),
              switchMap(() => timer(relay.pollMs, relay.pollMs)),
              concatMap(() => from(readAfter(last))),
              concatMap((rows) => rows),
            )
          : EMPTY;

        const live$ = defer(() => {
          holding = false;
          return merge(arrivals.pipe(startWith(...held.splice(0))), polled$);
        }).pipe(
          concatMap((stored) => {
            if (stored.seq <= last) return EMPTY;
            if (stored.seq === last + 1) return of(stored);
            // published by another writer out of our sight: fetch what lies between from the log
            return from(readAfter(last)).pipe(concatMap((rows) => [...rows.filter((r) => r.seq < stored.seq), stored]));
          }),
        );

        const replay$ = defer(async () => {
          // the relay must be listening before the log is read, or an event published in between is never seen
          await channel.remote?.ready;
          const execution = await store.getExecution(executionId, userId);
          if (!execution) throw new SapflowError('unknown_execution', `no execution ${executionId}`);
          return { execution, rows: await readAfter(afterSeq) };
        }).pipe(
          concatMap(({ execution, rows }) => {
            // a run ended without a final event in its log (cancelled, or a chat turn) has nothing more to follow
            const ended =
              rows.some((r) => isFinal(r.event)) || (isTerminalStatus(execution.status) && execution.finishedAt !== null);
            return concat(from(rows), ended ? EMPTY : live$);
          }),
        );

        return replay$.pipe(
          tap((stored) => (last = Math.max(last, stored.seq))),
          takeWhile((stored) => !isFinal(stored.event), true),
          finalize(() => {
            listening.unsubscribe();
            if (!channel.subject.observed && channels.get(executionId) === channel) {
              channels.delete(executionId);
              channel.remote?.close();
            }
          }),
        );
      }) as Observable<StoredEvent<E>>;
    },
  };
}
