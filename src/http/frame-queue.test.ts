import { describe, expect, it } from 'vitest';
import { FrameQueue } from './frame-queue.js';

const drain = (queue: FrameQueue) => {
  const out: string[] = [];
  for (let text = queue.shift(); text !== undefined; text = queue.shift()) out.push(text);
  return out;
};

describe('FrameQueue', () => {
  it('keeps every frame without a key, in order', () => {
    const queue = new FrameQueue();
    for (const text of ['a', 'b', 'c']) queue.push(text);
    expect(queue.length).toBe(3);
    expect(drain(queue)).toEqual(['a', 'b', 'c']);
    expect(queue.length).toBe(0);
  });

  it('keeps only the latest snapshot of a key, at the place of the latest', () => {
    const queue = new FrameQueue();
    queue.push('text-1');
    queue.push('progress-10%', 'p');
    queue.push('text-2');
    queue.push('progress-50%', 'p');
    queue.push('other-1', 'q');
    queue.push('progress-90%', 'p');
    queue.push('text-3');
    expect(queue.length).toBe(5);
    expect(queue.chars).toBe(['text-1', 'text-2', 'other-1', 'progress-90%', 'text-3'].join('').length);
    expect(drain(queue)).toEqual(['text-1', 'text-2', 'other-1', 'progress-90%', 'text-3']);
    expect(queue.chars).toBe(0);
  });

  it('holds a bounded size however many snapshots come while nothing is sent', () => {
    const queue = new FrameQueue();
    for (let i = 0; i < 100_000; i += 1) queue.push(`progress ${i}`.padEnd(1_000, '.'), 'p');
    expect(queue.length).toBe(1);
    expect(queue.chars).toBe(1_000);
    expect(drain(queue)).toEqual([`progress 99999`.padEnd(1_000, '.')]);
  });

  it('does not drop a snapshot that was already sent when a newer one comes', () => {
    const queue = new FrameQueue();
    queue.push('p1', 'p');
    expect(queue.shift()).toBe('p1');
    queue.push('t1');
    queue.push('p2', 'p');
    expect(queue.length).toBe(2);
    expect(drain(queue)).toEqual(['t1', 'p2']);
  });

  it('forgets everything on clear', () => {
    const queue = new FrameQueue();
    queue.push('a', 'k');
    queue.push('b');
    queue.clear();
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
    queue.push('c', 'k');
    expect(drain(queue)).toEqual(['c']);
  });
});
