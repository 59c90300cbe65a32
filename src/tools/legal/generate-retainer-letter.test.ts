import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('generate_retainer_letter', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('writes and stores a letter for a prospective client, creating their record', async () => {
    const r = await firm.call('generate_retainer_letter', {
      client_name: 'John Miller',
      client_email: 'john@example.com',
      matter_type: 'employment',
      matter_description: 'the review of your employment agreement with Crestline Medical Devices',
      retainer_amount: 2500,
    });
    expect(r).toMatchObject({ title: 'Retainer letter - John Miller - Employment matter', kind: 'retainer_letter', client_name: 'John Miller', matter_id: null, sample_data: true });
    expect(r.url).toBe(`/api/documents/${r.document_id}`);
    const { rows } = await firm.db.query<{ body: string; client_id: string; kind: string }>('SELECT body, client_id, kind FROM documents WHERE id = $1', [r.document_id]);
    const body = rows[0]!.body;
    expect(body).toMatch(/^Sample & Partners LLP \(demo data\)/);
    expect(body).toContain('Dear John Miller,');
    expect(body).toContain('the review of your employment agreement with Crestline Medical Devices');
    expect(body).toContain('$2,500.00');
    expect(body).toContain('March 12, 2025');
    expect(body).toMatch(/AGREED AND ACCEPTED:[\s\S]*John Miller/);
    expect(body).toContain('SAMPLE DATA');
    const client = await firm.db.query('SELECT name, email, status, sample FROM clients WHERE id = $1', [rows[0]!.client_id]);
    expect(client.rows[0]).toEqual({ name: 'John Miller', email: 'john@example.com', status: 'prospective', sample: true });
  });

  it('uses an existing matter: its title, lawyer and rate', async () => {
    const r = await firm.call('generate_retainer_letter', { client_name: 'Northwind Software Inc.', matter_id: 'SP-004', opposing_party: 'Bluepeak Analytics Ltd.' });
    expect(r).toMatchObject({ matter_id: 'sample-matter-004', client_id: 'sample-client-004' });
    const { rows } = await firm.db.query<{ body: string; matter_id: string }>('SELECT body, matter_id FROM documents WHERE id = $1', [r.document_id]);
    expect(rows[0]!.matter_id).toBe('sample-matter-004');
    expect(rows[0]!.body).toContain('Re: Engagement of Sample & Partners LLP (demo data) - Northwind Software - Bluepeak MSA negotiation');
    expect(rows[0]!.body).toContain("David Kim's hourly rate is $375.00");
    expect(rows[0]!.body).toContain('conflicts of interest involving you and Bluepeak Analytics Ltd., and found none');
  });

  it('writes one letter however often a task is retried', async () => {
    const ctx = { executionId: 'exec-retry', taskId: 'generate_retainer' };
    const first = await firm.call('generate_retainer_letter', { client_name: 'Ana Ruiz', client_email: 'ana@ruiz.example' }, ctx);
    const second = await firm.call('generate_retainer_letter', { client_name: 'Ana Ruiz', client_email: 'ana@ruiz.example' }, ctx);
    expect(second.document_id).toBe(first.document_id);
    const { rows } = await firm.db.query<{ n: number }>("SELECT count(*)::int AS n FROM clients WHERE email = 'ana@ruiz.example'");
    expect(rows[0]!.n).toBe(1);
    expect(first.sample_data).toBe(false);
  });

  it('rejects an unknown matter or client', async () => {
    await expect(firm.call('generate_retainer_letter', { client_name: 'X', matter_id: 'SP-999' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(firm.call('generate_retainer_letter', { client_name: 'X', client_id: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(firm.call('generate_retainer_letter', {})).rejects.toMatchObject({ code: 'invalid_arguments' });
  });
});
