import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('generate_summary', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('aggregates other tools’ results into a summary with action highlights', async () => {
    const triage = await firm.call('triage_emails', { query: '' });
    const deadlines = await firm.call('detect_deadlines', {});
    const r = await firm.call('generate_summary', { title: 'Inbox digest', data: { triage, deadlines } });
    expect(r).toMatchObject({ method: 'rules', title: 'Inbox digest', sample_data: true });
    expect(r.summary).toMatch(/Triage: 20 emails - \d+ high/);
    expect(r.summary).toMatch(/Deadlines: \d+ upcoming dates; the next is 2025-03-14/);
    expect(r.highlights.some((h: string) => h.startsWith('Urgent: "URGENT: landlord says they will change the locks"'))).toBe(true);
    expect(r.highlights.some((h: string) => h.startsWith('Due 2025-03-14'))).toBe(true);
  });

  it('summarises a document with its review results', async () => {
    const issues = await firm.call('detect_issues', { document_id: 'sample-doc-msa' });
    const r = await firm.call('generate_summary', { document_id: 'sample-doc-msa', data: { issues } });
    expect(r.title).toMatch(/^Master Services Agreement/);
    expect(r.summary).toMatch(/Risk level high/);
    expect(r.highlights[0]).toMatch(/^High risk: /);
  });

  it('summarises plain text, and asks the model when there is one', async () => {
    const text = await firm.call('generate_summary', { text: 'The tenant must vacate. The landlord keeps the deposit. The court will hear the case in May.', max_sentences: 1 });
    expect(text.summary.split('. ').length).toBe(1);
    const withModel = await openTestFirm({ extractor: async (schema) => schema.parse({ title: 'T', summary: 'S', highlights: ['H'] }) });
    try {
      expect(await withModel.call('generate_summary', { data: { a: 1 } })).toMatchObject({ method: 'model', title: 'T', summary: 'S', highlights: ['H'], sample_data: false });
    } finally {
      await withModel.close();
    }
    await expect(firm.call('generate_summary', {})).rejects.toMatchObject({ code: 'invalid_arguments' });
  });
});
