import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('create_calendar_event', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('creates one timed event with an iCalendar file', async () => {
    const r = await firm.call('create_calendar_event', {
      title: 'Hearing: motion to compel',
      starts_at: '2025-03-21T09:30:00-05:00',
      location: 'Department 14',
      matter_id: 'SP-001',
      attendees: ['alice.morgan@sample-partners.example'],
    });
    expect(r.count).toBe(1);
    expect(r.events[0]).toMatchObject({ starts_at: '2025-03-21T14:30:00.000Z', ends_at: '2025-03-21T15:30:00.000Z', all_day: false, matter_id: 'sample-matter-001', sample: true });
    expect(r.ics).toContain('DTSTART:20250321T143000Z');
    expect(r.ics).toContain('LOCATION:Department 14');
    expect(r.ics).toContain('ATTENDEE;RSVP=TRUE:mailto:alice.morgan@sample-partners.example');
    const { rows } = await firm.db.query<{ ics: string; title: string }>('SELECT ics, title FROM calendar_events WHERE id = $1', [r.event_id]);
    expect(rows[0]!.title).toBe('Hearing: motion to compel');
    expect(rows[0]!.ics).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*BEGIN:VEVENT[\s\S]*END:VCALENDAR\r\n$/);
  });

  it('turns detected deadlines into events: all-day, or floating local time', async () => {
    const deadlines = await firm.call('detect_deadlines', { query: 'matter:SP-001' });
    const r = await firm.call('create_calendar_event', { events: deadlines.deadlines });
    expect(r.count).toBe(deadlines.count);
    const hearing = r.events.find((e: { title: string }) => e.title.startsWith('Court date'));
    expect(hearing).toMatchObject({ all_day: false, starts_at: '2025-03-21T09:30:00.000Z', matter_id: 'sample-matter-001' });
    expect(r.ics).toContain('DTSTART:20250321T093000\r\n');
    const reply = r.events.find((e: { starts_at: string }) => e.starts_at === '2025-03-18');
    expect(reply).toMatchObject({ all_day: true, ends_at: '2025-03-19' });
    expect(r.ics).toContain('TRIGGER:-PT1440M');
    expect(r.ics.match(/BEGIN:VEVENT/g)).toHaveLength(deadlines.count);
    expect(firm.progress.filter((p) => p.tool === 'create_calendar_event').length).toBeGreaterThanOrEqual(deadlines.count);
  });

  it('rejects events it cannot place', async () => {
    await expect(firm.call('create_calendar_event', { title: 'x' })).rejects.toMatchObject({ code: 'invalid_arguments' });
    await expect(firm.call('create_calendar_event', { title: 'x', starts_at: 'next week' })).rejects.toMatchObject({ code: 'invalid_arguments' });
    await expect(firm.call('create_calendar_event', { title: 'x', starts_at: '2025-03-21T10:00', ends_at: '2025-03-21T09:00' })).rejects.toMatchObject({ code: 'invalid_arguments' });
  });
});
