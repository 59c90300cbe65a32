import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('update_client_record', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('creates a prospective client, marked sample when known only from sample mail', async () => {
    const r = await firm.call('update_client_record', { email: 'sarah.lin@mail.example', name: 'Sarah Lin', phone: '+1 555 0177', notes: 'Security deposit dispute' });
    expect(r.created).toBe(true);
    expect(r.client).toMatchObject({ name: 'Sarah Lin', email: 'sarah.lin@mail.example', status: 'prospective', kind: 'individual', notes: '[2025-03-12] Security deposit dispute', sample: true });
    expect(r.sample_data).toBe(true);
  });

  it('updates only what changed and keeps earlier notes', async () => {
    const r = await firm.call('update_client_record', { email: 'SARAH.LIN@mail.example', name: 'Sarah Lin', status: 'active', notes: 'Retainer signed' });
    expect(r.created).toBe(false);
    expect(r.updated_fields).toEqual(['status', 'notes']);
    expect(r.client.notes).toBe('[2025-03-12] Security deposit dispute\n[2025-03-12] Retainer signed');
    expect(r.client.status).toBe('active');
  });

  it('updates by id, and rejects what it cannot do', async () => {
    const r = await firm.call('update_client_record', { client_id: 'sample-client-003', phone: '+1 555 9999' });
    expect(r.client).toMatchObject({ name: 'Robert Chen', phone: '+1 555 9999' });
    await expect(firm.call('update_client_record', { client_id: 'nope', phone: '1' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(firm.call('update_client_record', { email: 'new@x.example' })).rejects.toMatchObject({ code: 'invalid_arguments' });
    await expect(firm.call('update_client_record', { email: 'new@x.example', name: 'N', create_if_missing: false })).rejects.toMatchObject({ code: 'not_found' });
    await expect(firm.call('update_client_record', { client_id: 'sample-client-003', status: 'vip' })).rejects.toMatchObject({ code: 'invalid_arguments' });
  });
});
