/** iCalendar (RFC 5545) text for events: CRLF lines, folded at 75 octets, text values escaped. */
export interface IcsEvent {
  uid: string;
  title: string;
  description?: string | null;
  location?: string | null;
  start: Date;
  end: Date;
  allDay: boolean;
  /** A wall-clock time with no zone ("9:30 AM" in a court notice): written without Z, read in the reader's zone. */
  floating?: boolean;
  /** When the event was created (DTSTAMP). */
  stamp: Date;
  attendees?: string[];
  organizer?: string;
  /** A display alarm this many minutes before the start. */
  alarmMinutesBefore?: number | null;
}

export function toIcsCalendar(events: IcsEvent[], prodId = '-//Sapflow//Legal tools//EN'): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${prodId}`, 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH'];
  for (const event of events) lines.push(...veventLines(event));
  lines.push('END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}

function veventLines(event: IcsEvent): string[] {
  const lines = [
    'BEGIN:VEVENT',
    `UID:${event.uid}`,
    `DTSTAMP:${utc(event.stamp)}`,
    event.allDay ? `DTSTART;VALUE=DATE:${day(event.start)}` : `DTSTART:${time(event.start, event.floating)}`,
    event.allDay ? `DTEND;VALUE=DATE:${day(event.end)}` : `DTEND:${time(event.end, event.floating)}`,
    `SUMMARY:${escapeText(event.title)}`,
  ];
  if (event.description) lines.push(`DESCRIPTION:${escapeText(event.description)}`);
  if (event.location) lines.push(`LOCATION:${escapeText(event.location)}`);
  if (event.organizer) lines.push(`ORGANIZER:mailto:${event.organizer}`);
  for (const attendee of event.attendees ?? []) lines.push(`ATTENDEE;RSVP=TRUE:mailto:${attendee}`);
  if (event.alarmMinutesBefore) {
    lines.push('BEGIN:VALARM', 'ACTION:DISPLAY', `DESCRIPTION:${escapeText(event.title)}`, `TRIGGER:-PT${Math.round(event.alarmMinutesBefore)}M`, 'END:VALARM');
  }
  lines.push('END:VEVENT');
  return lines;
}

export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

function utc(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function time(at: Date, floating = false): string {
  return floating ? utc(at).replace(/Z$/, '') : utc(at);
}

function day(at: Date): string {
  return at.toISOString().slice(0, 10).replace(/-/g, '');
}

/** Lines longer than 75 octets continue on the next line after a space, never splitting a UTF-8 character. */
function fold(line: string): string {
  if (Buffer.byteLength(line) <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const char of line) {
    const bytes = Buffer.byteLength(char);
    // continuation lines start with a space, which counts towards their 75
    const limit = parts.length === 0 ? 75 : 74;
    if (size + bytes > limit) {
      parts.push(current);
      current = '';
      size = 0;
    }
    current += char;
    size += bytes;
  }
  parts.push(current);
  return parts.join('\r\n ');
}
