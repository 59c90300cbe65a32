import { lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { argumentsFromSchema } from './arguments-from-schema.js';
import type { ChatMessage, ModelChunk, ModelRequest, ModelTool } from './chat-model.js';
import { matchTools } from './match-tools.js';
import { createOfflineDemoModel } from './offline-demo-model.js';

const tool = (name: string, description: string, parameters: Record<string, unknown> = { type: 'object', properties: {} }) =>
  ({ name, description, parameters }) satisfies ModelTool;

/** The built-in legal tools as the registry shows them to a model (schemas as z.toJSONSchema writes them). */
const LEGAL_TOOLS = [
  tool('list_emails', 'List recent emails in the inbox, optionally filtered by a search query', {
    type: 'object',
    properties: { query: { type: 'string' }, max_results: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  }),
  tool('get_email_details', 'Get one email with its full body', {
    type: 'object',
    properties: { email_id: { type: 'string' } },
    required: ['email_id'],
  }),
  tool('triage_emails', 'Sort emails by urgency and say which need a lawyer today', {
    type: 'object',
    properties: { date: { type: 'string', format: 'date' }, max_results: { type: 'integer', default: 50 } },
    required: ['date'],
  }),
  tool('summarize_emails', 'Summarize a batch of emails'),
  tool('detect_deadlines', 'Find court and filing deadlines mentioned in emails and documents'),
  tool('check_conflicts', 'Check a prospective client or party against existing clients and adverse parties', {
    type: 'object',
    properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' } },
    required: ['name'],
  }),
  tool('send_email', 'Send an email to a client', {
    type: 'object',
    properties: { to: { type: 'string', format: 'email' }, subject: { type: 'string' }, body: { type: 'string' } },
    required: ['to', 'subject', 'body'],
  }),
  tool('scan_billable_time', 'Scan time entries for unbilled or under-recorded billable hours', {
    type: 'object',
    properties: {
      period: { type: 'string', enum: ['today', 'this_week', 'this_month'] },
      from: { type: 'string', format: 'date' },
      to: { type: 'string', format: 'date' },
    },
    required: ['period'],
  }),
  tool('create_calendar_event', 'Create a calendar event for a deadline or meeting'),
  tool('legal_intake', 'Workflow: run the client intake for a prospective client email', {
    type: 'object',
    properties: { client_email: { type: 'string' }, max_results: { type: 'number', default: 10 } },
    required: ['client_email'],
  }),
];

// a Wednesday
const NOW = new Date(2025, 2, 12, 10, 30);
const model = createOfflineDemoModel({ delayMs: 0, now: () => NOW });
const run = (request: ModelRequest) => lastValueFrom(model.stream(request).pipe(toArray()));
const user = (content: string): ModelRequest => ({ messages: [{ role: 'user', content }], tools: LEGAL_TOOLS });
const textOf = (chunks: ModelChunk[]) => chunks.flatMap((c) => (c.type === 'text-delta' ? [c.delta] : [])).join('');

describe('offline demo model', () => {
  it('calls the tools the request names, in parallel in one turn, with arguments from the request', async () => {
    const chunks = await run(user('Triage my emails from today AND scan my billable time for this week'));
    expect(chunks.filter((c) => c.type === 'tool-call-ready')).toEqual([
      { type: 'tool-call-ready', id: 'call_demo_1_0', name: 'triage_emails', args: '{"date":"2025-03-12"}' },
      {
        type: 'tool-call-ready',
        id: 'call_demo_1_1',
        name: 'scan_billable_time',
        args: '{"period":"this_week","from":"2025-03-10","to":"2025-03-16"}',
      },
    ]);
    // streamed like the real API: start, argument fragments, ready as soon as the next call begins
    const types = chunks.map((c) => `${c.type}${'id' in c ? `:${c.id.slice(-1)}` : ''}`);
    expect(types.slice(0, 2)).toEqual(['tool-call-start:0', 'tool-call-delta:0']);
    expect(types.filter((t) => t === 'tool-call-delta:1').length).toBeGreaterThan(2);
    expect(types.indexOf('tool-call-ready:0')).toBeLessThan(types.indexOf('tool-call-delta:1'));
    expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
  });

  it('summarises the tool results in plain words, saying it is the offline demo', async () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Triage my emails from today and scan my billable time for this week' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [
          { id: 'c0', name: 'triage_emails', arguments: '{}' },
          { id: 'c1', name: 'scan_billable_time', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'c0', content: JSON.stringify({ urgent: [1, 2], routine: [3, 4, 5], method: 'rule-based' }) },
      { role: 'tool', toolCallId: 'c1', content: JSON.stringify({ error: { code: 'timeout', message: 'Timed out after 5 s' } }) },
    ];
    const chunks = await run({ messages, tools: LEGAL_TOOLS });
    expect(textOf(chunks)).toBe(
      'Offline demo model (no OPENAI_API_KEY is set). Here is what the tools returned:\n' +
        '- triage_emails: 2 urgent, 3 routine, method: rule-based\n' +
        '- scan_billable_time: failed: Timed out after 5 s',
    );
    const deltas = chunks.filter((c) => c.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(chunks.filter((c) => c.type.startsWith('tool-call'))).toEqual([]);
    expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
  });

  it('says which tools exist when none matches', async () => {
    const chunks = await run(user('Hello there!'));
    expect(textOf(chunks)).toMatch(/^Offline demo model \(no OPENAI_API_KEY is set\): .*none did\. Available tools: list_emails, get_email_details, /);
    expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
  });

  it('starts a workflow offered as a tool, with the email from the request', async () => {
    const chunks = await run(user('Run the intake for john@example.com'));
    expect(chunks.filter((c) => c.type === 'tool-call-ready')).toEqual([
      { type: 'tool-call-ready', id: 'call_demo_1_0', name: 'legal_intake', args: '{"client_email":"john@example.com"}' },
    ]);
  });

  it('is deterministic and paces its chunks on the scheduler', () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ expectObservable }) => {
      const paced = createOfflineDemoModel({ delayMs: 5, now: () => NOW });
      const request: ModelRequest = { messages: [{ role: 'user', content: 'hi' }], tools: [] };
      // the role chunk, 7 text fragments and the finish chunk, 5 ms apart
      expectObservable(paced.stream(request)).toBe('10ms a 4ms b 4ms c 4ms d 4ms e 4ms f 4ms g 4ms (h|)', {
        a: { type: 'text-delta', delta: 'Offline demo model ' },
        b: { type: 'text-delta', delta: '(no OPENAI_API_KEY is ' },
        c: { type: 'text-delta', delta: 'set): no tools ' },
        d: { type: 'text-delta', delta: 'are available, so ' },
        e: { type: 'text-delta', delta: 'there is nothing ' },
        f: { type: 'text-delta', delta: 'I can do ' },
        g: { type: 'text-delta', delta: 'for this request.' },
        h: { type: 'finish', finishReason: 'stop' },
      });
    });
  });
});

describe('matchTools', () => {
  it('picks one tool per clause, by name words first', () => {
    const names = (text: string) => matchTools(text, LEGAL_TOOLS).map((p) => p.tool.name);
    expect(names('Triage my emails from today AND scan my billable time')).toEqual(['triage_emails', 'scan_billable_time']);
    expect(names('check conflicts for Acme Corp, then send an email to ceo@acme.com')).toEqual(['check_conflicts', 'send_email']);
    expect(names('what deadlines are coming up?')).toEqual(['detect_deadlines']);
    expect(names('good morning')).toEqual([]);
  });
});

describe('argumentsFromSchema', () => {
  const context = (clause: string) => ({ clause, request: clause, now: NOW });

  it('fills required fields from the text and leaves optional ones out unless the text names them', () => {
    const schema = LEGAL_TOOLS.find((t) => t.name === 'check_conflicts')!.parameters;
    expect(argumentsFromSchema(schema, context('check conflicts for Acme Corp'))).toEqual({ name: 'Acme Corp' });
    expect(argumentsFromSchema(schema, context('check conflicts for Jane Doe jane@doe.law'))).toEqual({ name: 'Jane Doe', email: 'jane@doe.law' });
  });

  it('reads dates, numbers and enum values, and falls back to defaults and sensible strings', () => {
    const schema = {
      type: 'object',
      properties: {
        since: { type: 'string', format: 'date' },
        until: { type: 'string' },
        max_results: { type: 'integer', minimum: 1, maximum: 25 },
        priority: { type: 'string', enum: ['low', 'high'], default: 'low' },
        query: { type: 'string' },
        include_archived: { type: 'boolean' },
        recipients: { type: 'array', items: { type: 'string', format: 'email' } },
      },
      required: ['since', 'until', 'max_results', 'priority', 'query', 'include_archived', 'recipients'],
    };
    expect(argumentsFromSchema(schema, context('list the last 40 emails since yesterday'))).toEqual({
      since: '2025-03-11',
      until: '2025-03-11',
      max_results: 25,
      priority: 'low',
      query: 'list the last 40 emails since yesterday',
      include_archived: false,
      recipients: [],
    });
    expect(argumentsFromSchema(schema, context('high priority mail from 2025-01-02 to 2025-01-31 for a@b.co'))).toMatchObject({
      since: '2025-01-02',
      until: '2025-01-31',
      max_results: 10,
      priority: 'high',
      recipients: ['a@b.co'],
    });
  });
});
