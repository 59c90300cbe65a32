import { describe, expect, it } from 'vitest';
import { stallSettings } from './run-worker.js';

describe('BullMQ stall settings of the run worker', () => {
  it('redeliver the job of a worker that died before claiming well inside the 10 s failover, for the default lease', () => {
    const { lockDuration, stalledInterval } = stallSettings(10_000);
    expect(lockDuration).toBe(5_000);
    expect(lockDuration + stalledInterval).toBeLessThanOrEqual(7_500);
  });

  it('never fail a job for stalling (BullMQ defaults to failing the second stall); a short lease keeps sane floors', () => {
    expect(stallSettings(10_000).maxStalledCount).toBeGreaterThan(1_000_000);
    expect(stallSettings(100)).toMatchObject({ lockDuration: 1_000, stalledInterval: 500 });
  });
});
