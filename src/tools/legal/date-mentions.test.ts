import { describe, expect, it } from 'vitest';
import { daysUntil, findDateMentions, longDate } from './date-mentions.js';

const ref = new Date('2025-03-12T15:00:00Z'); // a Wednesday

describe('findDateMentions', () => {
  it('reads the ways people write dates, with times', () => {
    const text = 'Hearing on March 21, 2025 at 9:30 AM; reply by 18 March 2025, filing 2025-04-01, payment 04/15/2025 at 14:00.';
    expect(findDateMentions(text, ref).map((m) => [m.date, m.time])).toEqual([
      ['2025-03-21', '09:30'],
      ['2025-03-18', null],
      ['2025-04-01', null],
      ['2025-04-15', '14:00'],
    ]);
  });

  it('resolves relative dates from the reference day', () => {
    const m = findDateMentions('Call me tomorrow. Confirm by Friday. File within 90 days, or within 10 business days.', ref);
    expect(m.map((x) => [x.date, x.relative])).toEqual([
      ['2025-03-13', true],
      ['2025-03-14', true],
      ['2025-06-10', true],
      ['2025-03-26', true],
    ]);
  });

  it('puts a date without a year in the coming months', () => {
    expect(findDateMentions('due Jan. 5th', new Date('2025-12-20T00:00:00Z'))[0]!.date).toBe('2026-01-05');
    expect(findDateMentions('sent on March 3', ref)[0]!.date).toBe('2025-03-03');
  });

  it('ignores impossible dates and plain numbers', () => {
    expect(findDateMentions('April 31, 2025 and 2025-02-30 and 3.5 hours and May 2025', ref)).toEqual([]);
  });

  it('counts days and writes dates for letters', () => {
    expect(daysUntil('2025-03-14', ref)).toBe(2);
    expect(daysUntil('2025-03-10', ref)).toBe(-2);
    expect(longDate(ref)).toBe('March 12, 2025');
  });
});
