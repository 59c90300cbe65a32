import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('extract_legal_info', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('reads a clean intake from a list_emails result', async () => {
    const list = await firm.call('list_emails', { query: 'from:john@example.com' });
    const r = await firm.call('extract_legal_info', { email_content: list });
    expect(r).toMatchObject({
      method: 'rules',
      found: true,
      client_name: 'John Miller',
      name: 'John Miller',
      client_email: 'john@example.com',
      phone: '(555) 010-7788',
      matter_type: 'employment',
      opposing_party: null,
      source_email_ids: ['sample-email-002'],
      sample_data: true,
    });
    expect(r.key_dates).toEqual([{ date: '2025-03-17', description: 'They have asked me to sign by March 17, 2025.' }]);
    expect(r.summary).toMatch(/employment agreement/);
  });

  it('finds the company and the opposing party of a prospective client', async () => {
    const r = await firm.call('extract_legal_info', { email_id: 'sample-email-001' });
    expect(r).toMatchObject({
      client_name: 'Daniel Whitaker',
      company: 'Brightwater Foods Inc',
      opposing_party: 'Harbor Logistics LLC',
      matter_type: 'contract dispute',
      phone: '+1 555 0190',
    });
  });

  it('reads plain text and email objects', async () => {
    const text = await firm.call('extract_legal_info', {
      email_content: 'My name is Ana Ruiz. My landlord, Oak Street Rentals LLC, kept my security deposit. Reach me at ana@ruiz.example.',
    });
    expect(text).toMatchObject({ client_name: 'Ana Ruiz', client_email: 'ana@ruiz.example', opposing_party: null, matter_type: 'landlord-tenant', sample_data: false });
    const object = await firm.call('extract_legal_info', {
      email_content: { from: 'lee@corp.example', from_name: 'Lee Park', subject: 'Trademark', body: 'We need to file a trademark for our brand and we are in a dispute with Copycat Brands Inc. over the name.' },
    });
    expect(object).toMatchObject({ client_name: 'Lee Park', opposing_party: 'Copycat Brands Inc', matter_type: 'intellectual property' });
  });

  it('says nothing was found when the client has not written', async () => {
    const list = await firm.call('list_emails', { query: 'from:nobody@example.com' });
    const r = await firm.call('extract_legal_info', { email_content: list, client_email: 'nobody@example.com' });
    expect(r).toMatchObject({ found: false, client_name: null, client_email: 'nobody@example.com' });
  });

  it('asks the model when there is one', async () => {
    const withModel = await openTestFirm({
      extractor: async (schema, _instructions, input) => {
        expect(input).toContain('From: John Miller <john@example.com>');
        return schema.parse({ client_name: 'John Miller', client_email: 'john@example.com', phone: null, company: null, matter_type: 'employment', opposing_party: 'Crestline Medical Devices', summary: 'Wants a contract review.', key_dates: [] });
      },
    });
    try {
      const r = await withModel.call('extract_legal_info', { email_id: 'sample-email-002' });
      expect(r).toMatchObject({ method: 'model', opposing_party: 'Crestline Medical Devices', name: 'John Miller' });
    } finally {
      await withModel.close();
    }
  });

  it('needs something to read', async () => {
    await expect(firm.call('extract_legal_info', {})).rejects.toMatchObject({ code: 'invalid_arguments' });
  });
});
