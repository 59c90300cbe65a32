import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTurnGate, type TurnGate } from './turn-gate.js';

/** A gate whose event-loop delay is whatever the test says, sampled every 250 ms of fake time. */
function gateWith(options: { initial?: number; min?: number; max?: number } = {}) {
  let lag = 0;
  const gate = createTurnGate({ lagMs: 100, intervalMs: 250, sampleLag: () => lag, ...options });
  return { gate, setLag: (ms: number) => (lag = ms) };
}

async function enterMany(gate: TurnGate, n: number) {
  const order: number[] = [];
  const releases: Array<() => void> = [];
  for (let i = 0; i < n; i++) {
    void gate.enter().then((release) => {
      order.push(i);
      releases.push(release);
    });
  }
  await Promise.resolve();
  await Promise.resolve();
  return { order, releases };
}

describe('turn gate', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('lets turns in at once up to the limit; the rest wait and go in their order as running ones end', async () => {
    const { gate } = gateWith({ initial: 2, min: 2, max: 2 });
    const { order, releases } = await enterMany(gate, 5);
    expect(order).toEqual([0, 1]);
    expect([gate.running, gate.waiting]).toEqual([2, 3]);

    releases[1]!();
    releases[1]!(); // a release is idempotent: one slot, not two
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual([0, 1, 2]);
    expect([gate.running, gate.waiting]).toEqual([2, 2]);

    releases[0]!();
    releases[2]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(gate.waiting).toBe(0);
    gate.close();
  });

  it('grows the limit while the loop keeps up and turns wait, and shrinks it, never under min, when the loop lags', async () => {
    const { gate, setLag } = gateWith({ initial: 16, min: 8, max: 40 });
    const { order } = await enterMany(gate, 60);
    expect(order).toHaveLength(16);

    await vi.advanceTimersByTimeAsync(250); // loop far under its target, limit binding: +1/4
    expect(gate.limit).toBe(20);
    expect(order).toHaveLength(20);
    setLag(80);
    await vi.advanceTimersByTimeAsync(250); // under the target, but not far: +1/8
    expect(gate.limit).toBe(22);
    expect(order).toHaveLength(22);
    await vi.advanceTimersByTimeAsync(250 * 20);
    expect(gate.limit).toBe(40); // capped at max
    expect(order).toHaveLength(40);

    setLag(125);
    await vi.advanceTimersByTimeAsync(250);
    expect(gate.limit).toBe(32); // a quarter over the target: x 100/125; the 40 running go on, nobody new goes in
    setLag(250);
    await vi.advanceTimersByTimeAsync(250);
    expect(gate.limit).toBe(24); // far over: -1/4 at most
    expect(gate.running).toBe(40);
    await vi.advanceTimersByTimeAsync(250 * 10);
    expect(gate.limit).toBe(8);
    expect(order).toHaveLength(40);
    gate.close();
  });

  it('does not grow a limit that holds nobody back', async () => {
    const { gate } = gateWith({ initial: 16 });
    await enterMany(gate, 3);
    await vi.advanceTimersByTimeAsync(250 * 10);
    expect(gate.limit).toBe(16);
    gate.close();
  });

  it('lets every waiting turn go when it closes', async () => {
    const { gate } = gateWith({ initial: 8, min: 8, max: 8 });
    const { order } = await enterMany(gate, 12);
    expect(order).toHaveLength(8);
    gate.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toHaveLength(12);
  });
});

describe('turn gate on the real event loop', () => {
  it('shrinks when a long synchronous stretch blocks the loop', async () => {
    vi.useRealTimers(); // whatever another file in this worker left behind
    const gate = createTurnGate({ lagMs: 50, initial: 32, min: 8, intervalMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the loop's delay is sampled from its first turns on
    const busyUntil = performance.now() + 300;
    while (performance.now() < busyUntil) {
      // a long synchronous stretch: the loop cannot turn, so its delay is measured
    }
    // bounded: the next samples come within a few 100 ms intervals, later on a loaded machine
    for (let waited = 0; gate.limit === 32 && waited < 2_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gate.limit).toBeLessThan(32);
    gate.close();
  });
});
