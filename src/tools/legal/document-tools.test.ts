import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('get_document and analyze_document', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('fetches a document by id or as a matter’s newest of a kind', async () => {
    const byId = await firm.call('get_document', { document_id: 'sample-doc-msa' });
    expect(byId).toMatchObject({ kind: 'contract', url: '/api/documents/sample-doc-msa', matter: { number: 'SP-004' }, client: { name: 'Northwind Software Inc.' }, sample_data: true });
    expect(byId.text).toMatch(/^MASTER SERVICES AGREEMENT/);
    const byMatter = await firm.call('get_document', { matter_id: 'SP-006', kind: 'lease' });
    expect(byMatter.document_id).toBe('sample-doc-lease');
    await expect(firm.call('get_document', { document_id: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(firm.call('get_document', {})).rejects.toMatchObject({ code: 'invalid_arguments' });
  });

  it('analyses structure: type, parties, sections, clauses, signatures', async () => {
    const r = await firm.call('analyze_document', { document_id: 'sample-doc-msa' });
    expect(r).toMatchObject({ method: 'rules', document_type: 'services agreement', parties: ['Northwind Software Inc.', 'Bluepeak Analytics Ltd.'], signature: { signed: false } });
    expect(r.sections.map((s: { heading: string }) => s.heading)).toContain('LIMITATION OF LIABILITY');
    expect(r.clauses.missing).toEqual(expect.arrayContaining(['governing law', 'dispute resolution']));
    expect(r.clauses.present).toContain('indemnification');
    const lease = await firm.call('analyze_document', { document_id: 'sample-doc-lease' });
    expect(lease).toMatchObject({ document_type: 'lease', parties: ['Summit Commercial Realty LLC', 'Oakridge Dental Group PC'] });
    expect(lease.clauses.present).toContain('governing law');
  });
});
