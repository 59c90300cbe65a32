import { describe, expect, it } from 'vitest';
import { SapflowError } from '../errors/index.js';
import type { ExecutionStore, LoggableEvent, StoredEvent } from './execution-types.js';
import { createLogWriter, flushAllLogWriters, type LogWriteFailure } from './log-writer.js';

/** An in-memory log that fails on demand and records every append. */
function fakeStore() {
  const logs = new Map<string, StoredEvent<LoggableEvent>[]>();
  const calls: { executionId: string; size: number }[] = [];
  let failures: (() => Error)[] = [];
  const store: Pick<ExecutionStore, 'appendEvents'> = {
    async appendEvents<E extends LoggableEvent>(executionId: string, events: readonly E[]) {
      calls.push({ executionId, size: events.length });
      await Promise.resolve();
      const failure = failures.shift();
      if (failure) throw failure();
      const log = logs.get(executionId) ?? [];
      const stored = events.map((event, i) => ({ seq: log.length + i + 1, event }));
      logs.set(executionId, [...log, ...stored]);
      return stored;
    },
  };
  return {
    store,
    calls,
    failNext: (count: number, error: () => Error) => (failures = Array.from({ length: count }, () => error)),
    numbers: (executionId: string) => (logs.get(executionId) ?? []).map((s) => (s.event as Ev).n),
    seqs: (executionId: string) => (logs.get(executionId) ?? []).map((s) => s.seq),
  };
}

interface Ev extends LoggableEvent {
  n: number;
}
const ev = (executionId: string, n: number): Ev => ({ type: 'task-progress', executionId, n });
const transient = () => new SapflowError('store_error', 'connection reset', { retryable: true });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createLogWriter', () => {
  it('collects the writes of one interval into one batch, and splits at maxBatch', async () => {
    const fake = fakeStore();
    const writer = createLogWriter(fake.store, { flushIntervalMs: 5, maxBatch: 4 });
    for (const n of range(1, 10)) writer.write(ev('a', n));
    expect(writer.pending).toBe(10);
    await writer.close();
    expect(fake.calls.map((c) => c.size)).toEqual([4, 4, 2]);
    expect(fake.numbers('a')).toEqual(range(1, 10));
    expect(writer.pending).toBe(0);
  });

  it('writes on its own after flushIntervalMs', async () => {
    const fake = fakeStore();
    const writer = createLogWriter(fake.store, { flushIntervalMs: 5 });
    writer.write(ev('a', 1));
    writer.write(ev('a', 2));
    expect(fake.calls).toEqual([]);
    await sleep(30);
    expect(fake.calls).toEqual([{ executionId: 'a', size: 2 }]);
    await writer.close();
  });

  it('retries a transient failure without reporting it, losing nothing', async () => {
    const fake = fakeStore();
    const failures: LogWriteFailure[] = [];
    const writer = createLogWriter(fake.store, {
      retry: { count: 3, delayMs: 1 },
      onError: (_e, f) => failures.push(f),
    });
    fake.failNext(2, transient);
    for (const n of range(1, 5)) writer.write(ev('a', n));
    await writer.flush();
    expect(fake.numbers('a')).toEqual(range(1, 5));
    expect(failures).toEqual([]);
    await writer.close();
  });

  it('keeps events it could not write, reports them, and writes them first, in order, once the store is back', async () => {
    const fake = fakeStore();
    const failures: LogWriteFailure[] = [];
    const writer = createLogWriter(fake.store, {
      retry: { count: 1, delayMs: 1 },
      retryAfterMs: 10_000,
      onError: (_e, f) => failures.push(f),
    });
    fake.failNext(2, transient);
    for (const n of range(1, 3)) writer.write(ev('a', n));
    await expect(writer.flush()).rejects.toMatchObject({ code: 'store_error' });
    expect(failures).toMatchObject([{ executionId: 'a', dropped: false }]);
    expect(failures[0]?.events).toHaveLength(3);
    expect(writer.pending).toBe(3);

    for (const n of range(4, 6)) writer.write(ev('a', n));
    await writer.flush();
    expect(fake.numbers('a')).toEqual(range(1, 6));
    expect(fake.seqs('a')).toEqual(range(1, 6));
    await writer.close();
  });

  it('tries a failed batch again by itself after retryAfterMs', async () => {
    const fake = fakeStore();
    const writer = createLogWriter(fake.store, {
      flushIntervalMs: 1,
      retry: { count: 0 },
      retryAfterMs: 10,
      onError: () => {},
    });
    fake.failNext(1, transient);
    writer.write(ev('a', 1));
    await sleep(60);
    expect(fake.numbers('a')).toEqual([1]);
    expect(writer.pending).toBe(0);
    await writer.close();
  });

  it('drops, and reports, only events that can never be stored', async () => {
    const fake = fakeStore();
    const failures: { error: SapflowError; failure: LogWriteFailure }[] = [];
    const writer = createLogWriter(fake.store, { onError: (error, failure) => failures.push({ error, failure }) });
    fake.failNext(1, () => new SapflowError('unknown_execution', 'no execution gone'));
    writer.write(ev('gone', 1));
    await expect(writer.flush('gone')).rejects.toMatchObject({ code: 'unknown_execution' });
    expect(fake.calls).toHaveLength(1); // not retried
    expect(failures).toMatchObject([{ error: { code: 'unknown_execution' }, failure: { dropped: true } }]);
    expect(writer.pending).toBe(0);
    await writer.close();
  });

  it('does not hold one execution’s finish behind another execution’s failing log', async () => {
    let healthy = false;
    const fake = fakeStore();
    const store: typeof fake.store = {
      appendEvents: (id, events) =>
        id === 'sick' && !healthy ? Promise.reject(transient()) : fake.store.appendEvents(id, events),
    };
    const writer = createLogWriter(store, { retry: { count: 0 }, retryAfterMs: 10_000, onError: () => {} });
    writer.write(ev('sick', 1));
    writer.write(ev('well', 1));
    await expect(writer.flush('sick')).rejects.toMatchObject({ code: 'store_error' });
    await writer.flush('well');
    expect(fake.numbers('well')).toEqual([1]);
    healthy = true;
    await writer.close();
    expect(fake.numbers('sick')).toEqual([1]);
  });

  it('publishes each event with its seq once durable, in order', async () => {
    const fake = fakeStore();
    const published: [string, number][] = [];
    const writer = createLogWriter(fake.store, {
      maxBatch: 2,
      hub: { publish: (id, stored) => published.push([id, stored.seq]) },
    });
    for (const n of range(1, 3)) writer.write(ev('a', n));
    writer.write(ev('b', 1));
    await writer.flush();
    expect(published.filter(([id]) => id === 'a')).toEqual([['a', 1], ['a', 2], ['a', 3]]);
    expect(published.filter(([id]) => id === 'b')).toEqual([['b', 1]]);
    await writer.close();
  });

  it('flushes every open writer on shutdown, and a closed writer refuses events', async () => {
    const fake = fakeStore();
    const one = createLogWriter(fake.store, { flushIntervalMs: 60_000 });
    const two = createLogWriter(fake.store, { flushIntervalMs: 60_000 });
    one.write(ev('a', 1));
    two.write(ev('b', 1));
    await flushAllLogWriters();
    expect(fake.numbers('a')).toEqual([1]);
    expect(fake.numbers('b')).toEqual([1]);
    await one.close();
    await two.close();
    expect(() => one.write(ev('a', 2))).toThrow(SapflowError);
  });
  it('a run fenced off drops what it had queued, says so once, and a later flush of it fails too', async () => {
    const fake = fakeStore();
    const failures: LogWriteFailure[] = [];
    const writer = createLogWriter(fake.store, { flushIntervalMs: 1_000, onError: (_e, f) => failures.push(f) });
    const lost: string[] = [];
    const fence = { owner: 'me', lost: () => lost.push('x') };
    fake.failNext(1, () => new SapflowError('lease_lost', 'run x is held by another process now'));
    writer.write(ev('x', 1), fence);
    const first = writer.flush('x');
    // queued while that append is on its way: dropped with it, never written as this process's
    writer.write(ev('x', 2), fence);
    // the flush that holds a run's final event, asked while that append is still out: it waits on it, and fails too
    const second = writer.flush('x');
    await expect(first).rejects.toMatchObject({ code: 'lease_lost' });
    await expect(second).rejects.toMatchObject({ code: 'lease_lost' });
    // the final event's flush comes after the drop: it must not find an empty lane and call the events durable
    await expect(writer.flush('x')).rejects.toMatchObject({ code: 'lease_lost' });
    expect({ lost, dropped: failures.map((f) => [f.dropped, f.events.length]), logged: fake.numbers('x'), pending: writer.pending }).toEqual({
      lost: ['x'], dropped: [[true, 2]], logged: [], pending: 0,
    });
    // a later write (the run claimed here again) is written as usual
    writer.write(ev('x', 3), fence);
    await writer.flush('x');
    expect(fake.numbers('x')).toEqual([3]);
    await writer.close();
  });
});
