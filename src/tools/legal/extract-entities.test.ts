import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('extract_entities', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('extracts the parties, people, money, dates and terms of a contract', async () => {
    const r = await firm.call('extract_entities', { document_id: 'sample-doc-msa' });
    expect(r.method).toBe('rules');
    expect(r.by_type.organization).toEqual(['Northwind Software Inc.', 'Bluepeak Analytics Ltd.']);
    expect(r.by_type.person).toEqual(['Emma Clarke', 'Oliver Grant']);
    expect(r.entities).toContainEqual({ type: 'money', text: '$240,000', normalized: '240000', count: 1 });
    expect(r.entities).toContainEqual(expect.objectContaining({ type: 'duration', text: 'one hundred eighty (180) days', normalized: '180 days' }));
    expect(r.by_type.jurisdiction).toEqual(['Delaware', 'England']);
    expect(r.by_type.defined_term).toEqual(expect.arrayContaining(['Customer', 'Provider', 'Effective Date']));
    expect(r.document).toMatchObject({ id: 'sample-doc-msa' });
    expect(r.sample_data).toBe(true);
  });

  it('reads text, filters by type, and finds case numbers and contacts', async () => {
    const r = await firm.call('extract_entities', {
      text: 'Case No. 24-CV-01873: Judge Harold Wu ordered Brightwater Foods Inc. to pay $85,000. Contact rvance@kellervance.example or +1 555 0190.',
      types: ['case_number', 'person', 'email', 'phone', 'money'],
    });
    expect(r.entities.map((e: { type: string; text: string }) => `${e.type}:${e.text}`)).toEqual([
      'person:Harold Wu',
      'money:$85,000',
      'case_number:24-CV-01873',
      'email:rvance@kellervance.example',
      'phone:+1 555 0190',
    ]);
    expect(r.sample_data).toBe(false);
  });
});
