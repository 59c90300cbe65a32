/** A queue's depth now: how much work waits for a slot. */
export type QueueDepthSource = () => number;

export interface QueueSampler {
  /** Registers (or replaces) one queue's source; returns a function that removes it. */
  source(queue: string, read: QueueDepthSource): () => void;
  /** Every source read now; a source that throws or answers no number is left out. */
  read(): Record<string, number>;
  /** The samples kept (the last `keepMs`), oldest first, with the reading of this moment last. */
  samples(): { at: number; depths: Record<string, number> }[];
  stop(): void;
}

export interface QueueSamplerOptions {
  intervalMs?: number;
  keepMs?: number;
  now?: () => number;
}

/**
 * Queue depth is a figure of this moment that no log records, so the page's hour of it comes from here: the sources
 * are read every `intervalMs` (10 s) and the last `keepMs` (1 h) kept in memory. A restart starts the chart again.
 */
export function createQueueSampler({ intervalMs = 10_000, keepMs = 3_600_000, now = Date.now }: QueueSamplerOptions = {}): QueueSampler {
  const sources = new Map<string, QueueDepthSource>();
  const kept: { at: number; depths: Record<string, number> }[] = [];

  const read = () => {
    const depths: Record<string, number> = {};
    for (const [queue, source] of sources) {
      try {
        const depth = source();
        if (typeof depth === 'number' && Number.isFinite(depth)) depths[queue] = depth;
      } catch {
        // a source that cannot answer (a queue being closed) is missing from this sample, not the end of sampling
      }
    }
    return depths;
  };
  const trim = (at: number) => {
    while (kept.length > 0 && kept[0]!.at < at - keepMs) kept.shift();
  };
  const sample = () => {
    const at = now();
    kept.push({ at, depths: read() });
    trim(at);
  };
  const timer = setInterval(sample, intervalMs);
  // sampling must never keep a process alive that has nothing else to do
  timer.unref();

  return {
    source(queue, source) {
      sources.set(queue, source);
      return () => {
        if (sources.get(queue) === source) sources.delete(queue);
      };
    },
    read,
    samples() {
      const at = now();
      trim(at);
      return [...kept, { at, depths: read() }];
    },
    stop: () => clearInterval(timer),
  };
}
