import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Extractor } from './legal-deps.js';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('triage_emails', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('sorts the inbox by rules: urgent first, with categories and reasons', async () => {
    const list = await firm.call('list_emails', { max_results: 50 });
    const r = await firm.call('triage_emails', { emails: list });
    expect(r.method).toBe('rules');
    expect(r.count).toBe(20);
    expect(r.sample_data).toBe(true);
    const byId = Object.fromEntries(r.triaged.map((t: { email_id: string }) => [t.email_id, t]));
    expect(byId['sample-email-009']).toMatchObject({ urgency: 'high' }); // "URGENT", locks changed in 2 days
    expect(byId['sample-email-003']).toMatchObject({ urgency: 'high', category: 'court' });
    expect(byId['sample-email-002']).toMatchObject({ category: 'intake' });
    expect(byId['sample-email-001']).toMatchObject({ category: 'intake', urgency: 'medium' });
    expect(byId['sample-email-005']).toMatchObject({ category: 'billing' });
    expect(byId['sample-email-015']).toMatchObject({ category: 'administrative' });
    expect(byId['sample-email-016']).toMatchObject({ category: 'other', urgency: 'low' });
    expect(r.triaged[0].urgency).toBe('high');
    expect(r.counts.high + r.counts.medium + r.counts.low).toBe(20);
    expect(r.needs_attention).toContain('sample-email-009');
    expect(firm.progress.filter((p) => p.tool === 'triage_emails').length).toBeGreaterThanOrEqual(20);
  });

  it('uses the model when there is one, filling in emails it skipped', async () => {
    const calls: string[] = [];
    const extractor: Extractor = async (schema, instructions, input) => {
      calls.push(input);
      return schema.parse({ items: [{ email_id: 'sample-email-016', urgency: 'high', category: 'other', reason: 'the model says so' }] });
    };
    const withModel = await openTestFirm({ extractor });
    try {
      const r = await withModel.call('triage_emails', { email_ids: ['sample-email-016', 'sample-email-003'] });
      expect(r.method).toBe('model');
      expect(calls[0]).toContain('email_id: sample-email-016');
      expect(r.triaged.find((t: { email_id: string }) => t.email_id === 'sample-email-016').reason).toBe('the model says so');
      expect(r.triaged.find((t: { email_id: string }) => t.email_id === 'sample-email-003').category).toBe('court');
    } finally {
      await withModel.close();
    }
  });

  it('falls back to rules when the model fails, and says so', async () => {
    const failing = await openTestFirm({ extractor: async () => Promise.reject(new Error('upstream 500')) });
    try {
      const r = await failing.call('triage_emails', { email_ids: ['sample-email-003'] });
      expect(r.method).toBe('rules');
      expect(r.fallback_reason).toMatch(/upstream 500/);
    } finally {
      await failing.close();
    }
  });

  it('reads a bad date in its search as bad arguments, as list_emails does', async () => {
    await expect(firm.call('triage_emails', { query: 'before:someday' })).rejects.toMatchObject({ code: 'invalid_arguments' });
  });

  it('stops waiting for the model when the call is aborted', async () => {
    const hanging = await openTestFirm({ extractor: () => new Promise(() => {}) });
    try {
      const controller = new AbortController();
      const pending = hanging.call('triage_emails', { email_ids: ['sample-email-003'] }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      await hanging.close();
    }
  });
});
