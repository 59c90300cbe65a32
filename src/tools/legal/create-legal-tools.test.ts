import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToolRegistry } from '../tool-registry.js';
import { openTestFirm, type TestFirm } from './test-firm.js';

const SPEC_TOOLS = [
  'list_emails', 'get_email_details', 'triage_emails', 'summarize_emails', 'detect_deadlines', 'extract_legal_info', 'check_conflicts',
  'generate_retainer_letter', 'send_email', 'update_client_record', 'scan_billable_time', 'create_calendar_event', 'extract_entities',
  'detect_issues', 'generate_summary',
];

describe('createLegalTools', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('has every tool of the spec, plus document fetch/analysis and open_matter', () => {
    const names = firm.tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining([...SPEC_TOOLS, 'get_document', 'analyze_document', 'open_matter']));
    expect(new Set(names).size).toBe(names.length);
  });

  it('registers with the registry, so the model sees described JSON Schemas', () => {
    for (const tool of createToolRegistry(firm.tools).toModelTools()) {
      expect(tool.description.length, tool.name).toBeGreaterThan(20);
      expect(tool.parameters.type, tool.name).toBe('object');
      const properties = tool.parameters.properties as Record<string, { description?: string }>;
      for (const [field, schema] of Object.entries(properties)) expect(schema.description, `${tool.name}.${field}`).toBeTruthy();
    }
  });

  it('does not start when the call is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(firm.call('list_emails', {}, { signal: controller.signal })).rejects.toBeDefined();
    const { rows } = await firm.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    await expect(firm.call('send_email', { to: 'a@b.example', subject: 's', body: 'b' }, { signal: controller.signal })).rejects.toBeDefined();
    expect((await firm.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')).rows[0]!.n).toBe(rows[0]!.n);
  });

  it('returns plain JSON', async () => {
    const r = await firm.call('scan_billable_time', {});
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('the schemas the model answers in', () => {
  it('are accepted by OpenAI structured outputs (strict), for every tool that reads language', async () => {
    const { zodResponseFormat } = await import('openai/helpers/zod');
    const seen: string[] = [];
    const firm = await openTestFirm({
      extractor: async (schema) => {
        zodResponseFormat(schema, 'extraction');
        seen.push('ok');
        throw new Error('offline');
      },
    });
    try {
      const calls: [string, unknown][] = [
        ['triage_emails', { email_ids: ['sample-email-003'] }],
        ['summarize_emails', { email_ids: ['sample-email-003'] }],
        ['detect_deadlines', { email_ids: ['sample-email-003'] }],
        ['extract_legal_info', { email_id: 'sample-email-002' }],
        ['extract_entities', { document_id: 'sample-doc-msa' }],
        ['detect_issues', { document_id: 'sample-doc-msa' }],
        ['generate_summary', { document_id: 'sample-doc-msa' }],
      ];
      for (const [name, args] of calls) {
        const r = await firm.call(name, args);
        expect(r, name).toMatchObject({ method: 'rules', fallback_reason: 'model call failed: offline' });
      }
      expect(seen).toHaveLength(calls.length);
    } finally {
      await firm.close();
    }
  });
});
