import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('formats like toISOString, also when the clock goes back or repeats', () => {
    for (const ms of [0, 1, 1, 1_700_000_000_123, 5, 5, 1_700_000_000_123]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('throws on an invalid time, as toISOString does', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
