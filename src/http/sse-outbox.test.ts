import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSseOutbox } from './sse-outbox.js';

/** A socket-like sink that records each write that would reach the socket: corked writes count as one. */
class FakeResponse extends EventEmitter {
  writes: string[][] = [];
  ended = false;
  full = false;
  private corks = 0;
  private held: string[] = [];
  cork() {
    this.corks += 1;
  }
  uncork() {
    this.corks -= 1;
    if (this.corks === 0 && this.held.length) this.writes.push(this.held.splice(0));
  }
  write(text: string) {
    if (this.corks > 0) this.held.push(text);
    else this.writes.push([text]);
    return !this.full;
  }
  end() {
    this.ended = true;
    return this;
  }
  destroy() {
    return this;
  }
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

/** An outbox over a fake socket, gathering for `coalesceMs`. */
function openOutbox(coalesceMs = 10) {
  const res = new FakeResponse();
  return { res, outbox: createSseOutbox(res as never, { stallMs: 60_000, coalesceMs }) };
}

describe('createSseOutbox gathering bursts', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('writes a frame after a quiet spell at once, and gathers the frames that follow it within the window into one write', async () => {
    const { res, outbox } = openOutbox();
    outbox.write('a');
    await nextTick();
    expect(res.writes).toEqual([['a']]);
    vi.advanceTimersByTime(3);
    outbox.write('b');
    vi.advanceTimersByTime(2);
    outbox.write('c');
    await nextTick();
    expect(res.writes).toEqual([['a']]); // b and c wait for the window
    vi.advanceTimersByTime(5);
    await nextTick();
    expect(res.writes).toEqual([['a'], ['b', 'c']]);
    vi.advanceTimersByTime(50);
    outbox.write('d');
    await nextTick();
    expect(res.writes).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('keeps only the latest of the snapshots gathered in one window, and every other frame in order', async () => {
    const { res, outbox } = openOutbox();
    outbox.write('t0');
    await nextTick();
    vi.advanceTimersByTime(1);
    outbox.write('p1', 'progress');
    outbox.write('t1');
    outbox.write('p2', 'progress');
    vi.advanceTimersByTime(10);
    await nextTick();
    expect(res.writes).toEqual([['t0'], ['t1', 'p2']]);
  });

  it('writes the frames of the tick that wrote with that write, and what waits when it ends, without waiting out the window', async () => {
    const { res, outbox } = openOutbox();
    outbox.write('a');
    outbox.write('b');
    await nextTick();
    vi.advanceTimersByTime(1);
    outbox.write('c');
    outbox.end();
    await nextTick();
    expect(res.writes).toEqual([['a', 'b'], ['c']]);
    expect(res.ended).toBe(true);
  });

  it('writes gathered frames at once when they add up to 16 KB', async () => {
    const { res, outbox } = openOutbox();
    outbox.write('a');
    await nextTick();
    vi.advanceTimersByTime(1);
    outbox.write('b');
    outbox.write('x'.repeat(16 * 1024));
    await nextTick();
    expect(res.writes.map((w) => w.map((t) => t.length))).toEqual([[1], [1, 16 * 1024]]);
    expect(outbox.queuedChars).toBe(0);
  });

  it('writes every tick with a window of 0', async () => {
    const { res, outbox } = openOutbox(0);
    for (const text of ['a', 'b', 'c']) {
      outbox.write(text);
      await nextTick();
    }
    expect(res.writes).toEqual([['a'], ['b'], ['c']]);
  });

  it('holds gathered frames while the socket is backed up, and writes them on drain', async () => {
    const { res, outbox } = openOutbox();
    res.full = true;
    outbox.write('a'); // the socket takes it but says it is full
    await nextTick();
    expect(outbox.backedUp).toBe(true);
    res.full = false;
    vi.advanceTimersByTime(20);
    outbox.write('b');
    vi.advanceTimersByTime(20);
    expect(res.writes).toEqual([['a']]);
    expect(outbox.queuedChars).toBe(1);
    res.emit('drain');
    await nextTick();
    expect(res.writes).toEqual([['a'], ['b']]);
    expect(outbox.backedUp).toBe(false);
  });
});
