import { afterEach, describe, expect, it, vi } from 'vitest';
import { createQueueSampler } from './queue-sampler.js';

describe('createQueueSampler', () => {
  afterEach(() => vi.useRealTimers());

  it('samples its sources every interval, keeps the last hour, and ends with the reading of now', () => {
    vi.useFakeTimers({ now: 0 });
    const sampler = createQueueSampler({ intervalMs: 10_000, keepMs: 60_000 });
    let depth = 0;
    sampler.source('tool_calls', () => depth);
    sampler.source('broken', () => { throw new Error('closed'); });
    for (let i = 1; i <= 10; i++) {
      depth = i;
      vi.advanceTimersByTime(10_000);
    }
    depth = 42;
    const samples = sampler.samples();
    // 100 s in, 60 s kept: the samples of 40 s..100 s, then now
    expect(samples.map((s) => s.at)).toEqual([40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000, 100_000]);
    expect(samples.map((s) => s.depths.tool_calls)).toEqual([4, 5, 6, 7, 8, 9, 10, 42]);
    expect(samples.at(-1)!.depths).toEqual({ tool_calls: 42 });
    sampler.stop();
  });

  it('forgets a source that is removed', () => {
    const sampler = createQueueSampler();
    const remove = sampler.source('runs', () => 3);
    expect(sampler.read()).toEqual({ runs: 3 });
    remove();
    expect(sampler.read()).toEqual({});
    sampler.stop();
  });
});
