import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('get_email_details', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('returns the email with its matter, client and whether the sender is a client', async () => {
    const r = await firm.call('get_email_details', { email_id: 'sample-email-005' });
    expect(r.email.subject).toBe('Question about my invoice');
    expect(r.matter).toMatchObject({ number: 'SP-002', status: 'open' });
    expect(r.client).toMatchObject({ name: 'Maria Gonzalez' });
    expect(r.sender_is_client).toMatchObject({ name: 'Maria Gonzalez', status: 'active' });
    expect(r.sample_data).toBe(true);
  });

  it('has no matter or client for a prospective client', async () => {
    const r = await firm.call('get_email_details', { email_id: 'sample-email-002' });
    expect(r).toMatchObject({ matter: null, client: null, sender_is_client: null });
  });

  it('finds replies in the same thread', async () => {
    await firm.db.query(
      `INSERT INTO emails (id, from_address, to_address, subject, body, received_at) VALUES ('reply-1', 'john@example.com', 'intake@sample-partners.example', 'Re: New client inquiry - employment agreement review', 'Any news?', '2025-03-12T10:00:00Z')`,
    );
    const r = await firm.call('get_email_details', { email_id: 'sample-email-002' });
    expect(r.thread.map((t: { id: string }) => t.id)).toEqual(['reply-1']);
  });

  it('says not_found for an unknown id', async () => {
    await expect(firm.call('get_email_details', { email_id: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
