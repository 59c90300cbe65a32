import { Gauge, type Registry } from 'prom-client';

export type QueueDepthSource = () => number | Promise<number>;

/** A source that does not answer in time (Redis away) is left out of the scrape rather than holding it. */
const SOURCE_TIMEOUT_MS = 1_000;

/**
 * `sapflow_queue_depth{queue}`: work waiting for a slot, read from its sources at scrape time. The gateway registers
 * its own (tool calls waiting on a concurrency limit); cluster mode adds the BullMQ queue's waiting count.
 */
export function createQueueDepth(registry: Registry) {
  const sources = new Map<string, QueueDepthSource>();
  new Gauge({
    name: 'sapflow_queue_depth',
    help: 'Work waiting for a slot, by queue (tool_calls: calls waiting on a tool\'s concurrency limit; chat_turns: new chat turns waiting at the turn gate; runs: runs waiting to be taken)',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const read = await Promise.all([...sources].map(async ([queue, source]) => [queue, await withTimeout(source)] as const));
      this.reset();
      for (const [queue, depth] of read) if (depth !== undefined) this.labels(queue).set(depth);
    },
  });
  return {
    /** Registers (or replaces) the source of one queue's depth; returns a function that removes it. */
    queueDepthSource(queue: string, source: QueueDepthSource): () => void {
      sources.set(queue, source);
      return () => {
        if (sources.get(queue) === source) sources.delete(queue);
      };
    },
  };
}

async function withTimeout(source: QueueDepthSource): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      Promise.resolve().then(source),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), SOURCE_TIMEOUT_MS))),
    ]);
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
