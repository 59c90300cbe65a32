import type { Redis } from 'ioredis';
import type { EventRelay, LoggableEvent, StoredEvent } from '../../store/index.js';
import { subscribed } from './redis-connection.js';

export interface RedisEventRelayOptions {
  /** Commands: PUBLISH. */
  publisher: Redis;
  /** A connection in subscriber mode, this relay's own. */
  subscriber: Redis;
  prefix: string;
  /** This process: its own events reach its followers in-process, so they are not taken back from Redis. */
  origin: string;
  /** See `EventRelay.pollMs`. */
  pollMs?: number;
}

interface Envelope {
  o: string;
  /** The events one append made durable, in seq order (one event: the form of earlier versions, still read). */
  s: StoredEvent<LoggableEvent>[] | StoredEvent<LoggableEvent>;
}

/**
 * Durable events to every process over Redis pub/sub, one channel per execution, subscribed only while the process
 * has followers of it. Pub/sub is at most once; the event hub makes that whole from the log (seq gaps, quiet polls),
 * so a lost message costs latency, never an event. Streams would keep history, but the log already is the history.
 */
export function createRedisEventRelay({ publisher, subscriber, prefix, origin, pollMs = 2_000 }: RedisEventRelayOptions): EventRelay {
  const channelOf = (executionId: string) => `${prefix}:events:${executionId}`;
  const listeners = new Map<string, { deliverTo: Set<(stored: StoredEvent<LoggableEvent>) => void>; ready: Promise<void> }>();

  subscriber.on('message', (channel: string, message: string) => {
    const deliverTo = listeners.get(channel)?.deliverTo;
    if (!deliverTo) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return; // not ours: someone else published on our channel
    }
    if (envelope.o === origin) return;
    const events = Array.isArray(envelope.s) ? envelope.s : [envelope.s];
    for (const stored of events) {
      if (typeof stored?.seq !== 'number') return;
      for (const deliver of deliverTo) deliver(stored);
    }
  });

  // The log writer hands over an append's events one by one in the same tick: they leave as one message per run
  // (a workflow run's dozen events were a dozen round trips to Redis)
  const outbox = new Map<string, StoredEvent<LoggableEvent>[]>();
  const send = () => {
    for (const [executionId, events] of outbox) {
      const envelope: Envelope = { o: origin, s: events };
      // Redis away: followers elsewhere read the log on their next poll
      publisher.publish(channelOf(executionId), JSON.stringify(envelope)).catch(() => {});
    }
    outbox.clear();
  };

  return {
    pollMs,
    publish(executionId, stored) {
      if (outbox.size === 0) queueMicrotask(send);
      const events = outbox.get(executionId);
      if (events) events.push(stored);
      else outbox.set(executionId, [stored]);
    },
    listen(executionId, deliver) {
      const channel = channelOf(executionId);
      let entry = listeners.get(channel);
      if (!entry) {
        // Redis away: the follower starts anyway, and polls the log until the subscription is back
        entry = { deliverTo: new Set(), ready: subscribed(subscriber, channel) };
        listeners.set(channel, entry);
      }
      entry.deliverTo.add(deliver);
      return {
        ready: entry.ready,
        close() {
          const current = listeners.get(channel);
          if (!current) return;
          current.deliverTo.delete(deliver);
          if (current.deliverTo.size > 0) return;
          listeners.delete(channel);
          subscriber.unsubscribe(channel).catch(() => {});
        },
      };
    },
  };
}
