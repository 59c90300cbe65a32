import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('check_conflicts', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('flags a prospective client who is an adverse party in an open matter, and says why', async () => {
    const r = await firm.call('check_conflicts', { client_name: 'Dan Whitaker' });
    expect(r.has_conflicts).toBe(true);
    expect(r.matches[0]).toMatchObject({
      name: 'Dan Whitaker',
      matched: 'Daniel Whitaker',
      role: 'adverse_party',
      matter: { number: 'SP-001', title: 'Harbor Logistics v. Brightwater Foods', status: 'open' },
      conflict: true,
    });
    expect(r.matches[0].score).toBeGreaterThanOrEqual(0.85);
    expect(r.reason).toMatch(/Daniel Whitaker.*against our client Harbor Logistics LLC in open matter SP-001/);
    expect(r.sample_data).toBe(true);
  });

  it('matches an adverse party by email even under another name', async () => {
    const r = await firm.call('check_conflicts', { client_name: 'D. W.', client_email: 'D.Whitaker@brightwaterfoods.example' });
    expect(r.matches).toContainEqual(expect.objectContaining({ matched: 'Daniel Whitaker', matched_on: 'email', conflict: true }));
  });

  it('flags an opposing party who is a current client', async () => {
    const r = await firm.call('check_conflicts', { client_name: 'New Person', opposing_parties: ['Harbor Logistics'] });
    expect(r.has_conflicts).toBe(true);
    expect(r.matches[0]).toMatchObject({ role: 'client', matched: 'Harbor Logistics LLC', conflict: true });
  });

  it('clears a clean prospective client', async () => {
    const r = await firm.call('check_conflicts', { client_name: 'John Miller', client_email: 'john@example.com', opposing_parties: null });
    expect(r).toMatchObject({ has_conflicts: false, reason: null, matches: [], existing_client: null });
    expect(r.summary).toMatch(/No conflicts found for John Miller \(checked 6 clients and 8 adverse parties\)/);
  });

  it('is no conflict to be on the same side as a client', async () => {
    const r = await firm.call('check_conflicts', { client_name: 'Sarah Lin', opposing_parties: 'Lakeside Property Management LLC' });
    expect(r.has_conflicts).toBe(false);
  });

  it('reports an existing client, and closed matters for review only', async () => {
    const existing = await firm.call('check_conflicts', { client_name: 'Maria Gonzales' });
    expect(existing).toMatchObject({ has_conflicts: false, existing_client: { id: 'sample-client-002', name: 'Maria Gonzalez' } });
    const closed = await firm.call('check_conflicts', { client_name: 'Summit Commercial Realty' });
    expect(closed).toMatchObject({ has_conflicts: false, needs_review: true });
    expect(closed.matches[0].reason).toMatch(/closed matter SP-006/);
  });

  it('honours the threshold and needs a name', async () => {
    const strict = await firm.call('check_conflicts', { client_name: 'Dan Whitaker', threshold: 0.99 });
    expect(strict.has_conflicts).toBe(false);
    await expect(firm.call('check_conflicts', { client_name: '  ' })).rejects.toMatchObject({ code: 'invalid_arguments' });
  });
});
