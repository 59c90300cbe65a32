import { describe, expect, it } from 'vitest';
import { escapeText, toIcsCalendar } from './ics.js';

const stamp = new Date('2025-03-12T15:00:00Z');

describe('toIcsCalendar', () => {
  it('writes a valid VCALENDAR with CRLF lines', () => {
    const ics = toIcsCalendar([
      { uid: 'a@sapflow', title: 'Hearing; motion, to compel', start: new Date('2025-03-21T09:30:00Z'), end: new Date('2025-03-21T10:30:00Z'), allDay: false, stamp, alarmMinutesBefore: 30, attendees: ['x@y.example'] },
    ]);
    const lines = ics.split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines).toContain('DTSTART:20250321T093000Z');
    expect(lines).toContain('DTEND:20250321T103000Z');
    expect(lines).toContain('DTSTAMP:20250312T150000Z');
    expect(lines).toContain('SUMMARY:Hearing\\; motion\\, to compel');
    expect(lines).toContain('TRIGGER:-PT30M');
    expect(lines).toContain('ATTENDEE;RSVP=TRUE:mailto:x@y.example');
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/\n/);
  });

  it('writes all-day and floating events', () => {
    const ics = toIcsCalendar([
      { uid: 'b', title: 'Due', start: new Date('2025-03-21T00:00:00Z'), end: new Date('2025-03-22T00:00:00Z'), allDay: true, stamp },
      { uid: 'c', title: 'Local', start: new Date('2025-03-21T09:30:00Z'), end: new Date('2025-03-21T10:30:00Z'), allDay: false, floating: true, stamp },
    ]);
    expect(ics).toContain('DTSTART;VALUE=DATE:20250321\r\nDTEND;VALUE=DATE:20250322');
    expect(ics).toContain('DTSTART:20250321T093000\r\n');
  });

  it('folds long lines at 75 octets without splitting characters', () => {
    const ics = toIcsCalendar([{ uid: 'd', title: 'é'.repeat(100), start: stamp, end: new Date(stamp.getTime() + 1), allDay: false, stamp }]);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const unfolded = ics.replace(/\r\n /g, '');
    expect(unfolded).toContain(`SUMMARY:${'é'.repeat(100)}`);
  });

  it('escapes text values', () => {
    expect(escapeText('a\\b;c,d\ne')).toBe('a\\\\b\\;c\\,d\\ne');
  });
});
