import type { Redis } from 'ioredis';
import { subscribed } from './redis-connection.js';

export interface RunSignal {
  /** Resolves once this process hears the signal. */
  ready: Promise<void>;
  /** Tells every process of the cluster about the run; the one that runs it acts. */
  send(executionId: string): Promise<void>;
}

/**
 * One kind of message about a run (`cancel`, `listening`) to every process, over a Redis pub/sub channel. Nobody
 * needs to know who runs a run: every process hears every message and the one that runs it acts, within a Redis
 * round trip. A message nobody acts on is harmless; the senders do not rely on delivery alone (run-pipeline.ts:
 * a cancel checks the run's owner in Postgres and ends an unowned run itself; a listener repeats itself).
 */
export function createRunSignal({ publisher, subscriber, prefix, name, onSignal }: { publisher: Redis; subscriber: Redis; prefix: string; name: string; onSignal: (executionId: string) => void }): RunSignal {
  const channel = `${prefix}:${name}`;
  subscriber.on('message', (from: string, executionId: string) => {
    if (from === channel && executionId) onSignal(executionId);
  });
  return {
    ready: subscribed(subscriber, channel),
    send: async (executionId) => {
      await publisher.publish(channel, executionId);
    },
  };
}
