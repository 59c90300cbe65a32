import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('summarize_emails', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('gives an overview and one line per email', async () => {
    const r = await firm.call('summarize_emails', { query: 'matter:SP-001' });
    expect(r.method).toBe('rules');
    expect(r.count).toBe(5);
    expect(r.summary).toMatch(/^5 emails from 5 senders between 2025-03-02 and 2025-03-11/);
    expect(r.summary).toMatch(/need attention soon/);
    const offer = r.items.find((i: { email_id: string }) => i.email_id === 'sample-email-020');
    expect(offer.summary).toMatch(/\$85,000/);
    expect(r.sample_data).toBe(true);
  });

  it('skips the self-introduction when picking the sentence that matters', async () => {
    const r = await firm.call('summarize_emails', { email_ids: ['sample-email-013'] });
    expect(r.items[0].summary).toMatch(/security deposit/);
  });

  it('summarises emails passed in, even ones not in the store', async () => {
    const r = await firm.call('summarize_emails', {
      emails: [{ from: 'a@b.example', subject: 'Hello', body: 'Hi,\n\nWe need the signed NDA back before the board meeting.\n\nThanks,\nA' }],
    });
    expect(r.items[0]).toMatchObject({ email_id: 'given-1', summary: 'We need the signed NDA back before the board meeting.' });
    expect(r.sample_data).toBe(false);
  });
});
