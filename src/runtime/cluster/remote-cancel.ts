import type { Redis } from 'ioredis';

export interface RemoteCancel {
  /** Resolves once this process hears cancels. */
  ready: Promise<void>;
  /** Tells every process of the cluster to cancel the run; the one running it stops it. */
  request(executionId: string): Promise<void>;
}

/**
 * Cancels across processes over one Redis pub/sub channel. Nobody needs to know who runs a run: every process hears
 * every cancel and the one that runs it stops it (within a Redis round trip). The asker checks the run's owner in
 * Postgres meanwhile and ends the run itself when nobody holds it (run-pipeline.ts).
 */
export function createRemoteCancel({ publisher, subscriber, prefix, onCancel }: { publisher: Redis; subscriber: Redis; prefix: string; onCancel: (executionId: string) => void }): RemoteCancel {
  const channel = `${prefix}:cancel`;
  subscriber.on('message', (from: string, executionId: string) => {
    if (from === channel && executionId) onCancel(executionId);
  });
  return {
    ready: subscriber.subscribe(channel).then(() => undefined, () => undefined),
    request: async (executionId) => {
      await publisher.publish(channel, executionId);
    },
  };
}
