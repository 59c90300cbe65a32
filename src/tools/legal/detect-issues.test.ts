import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('detect_issues', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('flags the one-sided clauses of the sample MSA, worst first', async () => {
    const r = await firm.call('detect_issues', { document_id: 'sample-doc-msa' });
    expect(r.method).toBe('rules');
    expect(r.risk_level).toBe('high');
    expect(r.has_high_risk).toBe(true);
    const types = r.issues.map((i: { type: string }) => i.type);
    expect(types).toEqual(expect.arrayContaining(['unlimited_liability', 'low_liability_cap', 'one_sided_indemnity', 'ip_ownership', 'unilateral_termination', 'auto_renewal', 'missing_governing_law', 'blank_fields']));
    expect(r.issues[0].severity).toBe('high');
    const renewal = r.issues.find((i: { type: string }) => i.type === 'auto_renewal');
    expect(renewal.excerpt).toMatch(/automatically renews/);
    expect(renewal.recommendation).toBeTruthy();
    expect(r.counts.high).toBeGreaterThanOrEqual(5);
  });

  it('finds little in a balanced lease, and nothing in a plain letter', async () => {
    const lease = await firm.call('detect_issues', { document_id: 'sample-doc-lease' });
    expect(lease.has_high_risk).toBe(false);
    const letter = await firm.call('detect_issues', { text: 'Dear Ms. Patel, thank you for the photos. We will call you tomorrow.' });
    expect(letter).toMatchObject({ issues: [], risk_level: 'none' });
  });
});
