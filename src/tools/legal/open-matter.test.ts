import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('open_matter', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('opens a numbered matter with its adverse parties and activates the client', async () => {
    await firm.call('update_client_record', { email: 'john@example.com', name: 'John Miller' });
    const r = await firm.call('open_matter', {
      client_email: 'john@example.com',
      title: 'Miller - employment agreement review',
      matter_type: 'employment',
      adverse_parties: ['Crestline Medical Devices', null, ''],
      hourly_rate: 375,
    });
    expect(r.created).toBe(true);
    expect(r.matter).toMatchObject({ number: 'SP-007', status: 'open', title: 'Miller - employment agreement review', hourly_rate: 375, responsible_lawyer: 'Alice Morgan' });
    expect(r.adverse_parties.map((p: { name: string }) => p.name)).toEqual(['Crestline Medical Devices']);
    expect(r.client).toMatchObject({ name: 'John Miller', status: 'active' });
    // later conflict checks see the new adverse party
    const check = await firm.call('check_conflicts', { client_name: 'Crestline Medical Devices Inc.' });
    expect(check.has_conflicts).toBe(true);
  });

  it('is idempotent per task and needs a known client', async () => {
    const ctx = { executionId: 'e', taskId: 'open' };
    const a = await firm.call('open_matter', { client_id: 'sample-client-003', title: 'Chen - second trust' }, ctx);
    const b = await firm.call('open_matter', { client_id: 'sample-client-003', title: 'Chen - second trust' }, ctx);
    // a repeat of the call answers what the first one did
    expect(b).toEqual(a);
    await expect(firm.call('open_matter', { client_name: 'Nobody', title: 'x' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
