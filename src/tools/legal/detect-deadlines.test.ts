import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('detect_deadlines', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('finds court dates and what is due in the inbox, soonest first', async () => {
    const r = await firm.call('detect_deadlines', { query: 'matter:SP-001' });
    expect(r.method).toBe('rules');
    const hearing = r.deadlines.find((d: { kind: string }) => d.kind === 'court_date');
    expect(hearing).toMatchObject({ date: '2025-03-21', time: '09:30', email_id: 'sample-email-003', matter_id: 'sample-matter-001' });
    expect(hearing.description).toMatch(/motion to compel/);
    const reply = r.deadlines.find((d: { description: string }) => /reply brief/.test(d.description));
    expect(reply).toMatchObject({ date: '2025-03-18', kind: 'filing', days_until: 6 });
    const offer = r.deadlines.find((d: { kind: string }) => d.kind === 'expiry');
    expect(offer.description).toMatch(/expires/);
    const dates = r.deadlines.map((d: { date: string }) => d.date);
    expect([...dates].sort()).toEqual(dates);
    expect(r.next_deadline).toEqual(r.deadlines[0]);
    expect(r.has_deadlines).toBe(true);
    expect(r.sample_data).toBe(true);
  });

  it('resolves "within 90 days" from the date of the email', async () => {
    const r = await firm.call('detect_deadlines', { email_ids: ['sample-email-006'] });
    // received 2025-03-03, plus 90 days
    expect(r.deadlines).toMatchObject([{ date: '2025-06-01', kind: 'filing', urgency: 'low' }]);
  });

  it('reads free text, and leaves out past dates unless asked', async () => {
    const text = 'The answer was due March 1, 2025. The deposition is scheduled for March 13, 2025 at 2 pm.';
    const upcoming = await firm.call('detect_deadlines', { text });
    expect(upcoming.deadlines).toMatchObject([{ date: '2025-03-13', time: '14:00', kind: 'court_date', urgency: 'high', email_id: null }]);
    const all = await firm.call('detect_deadlines', { text, include_past: true });
    expect(all.deadlines[0]).toMatchObject({ date: '2025-03-01', overdue: true });
  });

  it('drops impossible dates the model makes up', async () => {
    const modelFirm = await openTestFirm({
      extractor: async (schema) =>
        schema.parse({ deadlines: [
          { email_id: 'sample-email-004', date: '2025-02-30', time: null, kind: 'response', description: 'x', date_text: 'x' },
          { email_id: 'sample-email-004', date: '2025-03-17', time: '25:99', kind: 'response', description: 'Interrogatory responses', date_text: 'March 17' },
        ] }),
    });
    try {
      const r = await modelFirm.call('detect_deadlines', { email_ids: ['sample-email-004'] });
      expect(r.method).toBe('model');
      expect(r.deadlines).toMatchObject([{ date: '2025-03-17', time: null, description: 'Interrogatory responses' }]);
    } finally {
      await modelFirm.close();
    }
  });
});
