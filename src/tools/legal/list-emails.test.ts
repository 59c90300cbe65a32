import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('list_emails', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('lists the newest emails first, marked as sample data', async () => {
    const r = await firm.call('list_emails', {});
    expect(r.count).toBe(20);
    expect(r.sample_data).toBe(true);
    const dates = r.emails.map((e: { received_at: string }) => e.received_at);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(r.emails[0]).toMatchObject({ id: expect.any(String), from: expect.any(String), subject: expect.any(String), body: expect.any(String) });
  });

  it('searches by sender, subject, matter and words', async () => {
    const fromJohn = await firm.call('list_emails', { query: 'from:john@example.com' });
    expect(fromJohn.emails.map((e: { id: string }) => e.id)).toEqual(['sample-email-002']);
    const byName = await firm.call('list_emails', { query: 'from:"Maria Gonzalez" subject:invoice' });
    expect(byName.emails.map((e: { id: string }) => e.id)).toEqual(['sample-email-005']);
    const matter = await firm.call('list_emails', { query: 'matter:SP-001' });
    expect(matter.count).toBe(5);
    const words = await firm.call('list_emails', { query: '"security deposit"' });
    expect(words.emails.map((e: { from: string }) => e.from)).toEqual(['sarah.lin@mail.example']);
  });

  it('limits, filters by date and trims bodies on request', async () => {
    const r = await firm.call('list_emails', { since: '3d', max_results: 3, include_body: false });
    expect(r.count).toBe(3);
    expect(r.emails[0].body).toBeUndefined();
    expect(r.emails[0].snippet.length).toBeLessThanOrEqual(200);
    const since = await firm.call('list_emails', { since: '2025-03-10' });
    expect(since.emails.every((e: { received_at: string }) => e.received_at >= '2025-03-10')).toBe(true);
  });

  it('treats % and _ in a search as text, and rejects unreadable dates', async () => {
    expect((await firm.call('list_emails', { query: '100%' })).count).toBe(0);
    await expect(firm.call('list_emails', { since: 'yesterday-ish' })).rejects.toMatchObject({ code: 'invalid_arguments' });
    await expect(firm.call('list_emails', { query: 'after:soon' })).rejects.toMatchObject({ code: 'invalid_arguments' });
    await expect(firm.call('list_emails', { max_results: 0 })).rejects.toMatchObject({ code: 'invalid_arguments' });
  });
});
