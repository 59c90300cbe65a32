import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ToolLimiters } from './concurrency-limiter.js';

describe('ToolLimiters.waiting', () => {
  it('counts the calls waiting for a slot, across tools, and forgets one that gives up while waiting', () => {
    const limiters = new ToolLimiters();
    const gates = [new Subject<number>(), new Subject<number>(), new Subject<number>(), new Subject<number>()];
    const first = limiters.limit('a', 1, gates[0]!).subscribe();
    const second = limiters.limit('a', 1, gates[1]!).subscribe();
    const third = limiters.limit('a', 1, gates[2]!).subscribe();
    limiters.limit('b', 1, gates[3]!).subscribe();
    limiters.limit('unlimited', undefined, new Subject<number>()).subscribe();
    expect(limiters.waiting()).toBe(2);

    third.unsubscribe();
    expect(limiters.waiting()).toBe(1);
    gates[0]!.complete();
    // the second took the freed slot
    expect(limiters.waiting()).toBe(0);
    first.unsubscribe();
    second.unsubscribe();
    expect(limiters.waiting()).toBe(0);
  });
});
