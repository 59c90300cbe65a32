import { DefaultChatTransport, type UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { SapflowError } from '../errors/index.js';
import { parseChatBody, readChatRequest, toChatMessages } from './chat-body.js';

/** The body exactly as useChat's own transport sends it. */
async function bodyUseChatSends(messages: UIMessage[]): Promise<unknown> {
  let body: unknown;
  const transport = new DefaultChatTransport({
    api: 'http://gateway.test/api/chat',
    body: { matterId: 'M-1001' },
    fetch: async (_url, init) => {
      body = JSON.parse(String(init?.body));
      return new Response('data: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } });
    },
  });
  await transport.sendMessages({ chatId: 'chat-1', messages, trigger: 'submit-message', messageId: undefined, abortSignal: undefined });
  return body;
}

const conversation: UIMessage[] = [
  { id: 'sys', role: 'system', parts: [{ type: 'text', text: 'You are the firm assistant.' }] },
  { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Triage my emails from today AND scan my billable time' }] },
  {
    id: 'a1',
    role: 'assistant',
    parts: [
      { type: 'step-start' },
      { type: 'text', text: 'Checking both now.', state: 'done' },
      {
        type: 'tool-triage_emails',
        toolCallId: 'call_1',
        state: 'output-available',
        input: { date: '2025-03-12' },
        output: { urgent: 2, routine: 5 },
      },
      {
        type: 'dynamic-tool',
        toolName: 'scan_billable_time',
        toolCallId: 'call_2',
        state: 'output-error',
        input: { period: 'this_week' },
        errorText: 'timeout: Timed out after 5 s',
      },
      { type: 'data-workflow', id: 'progress-a1', data: { percentage: 100 } },
      { type: 'step-start' },
      { type: 'reasoning', text: 'Summarise.', state: 'done' },
      { type: 'text', text: 'Two emails are urgent; the time scan timed out.', state: 'done' },
    ],
  },
  { id: 'u2', role: 'user', parts: [{ type: 'text', text: 'Check conflicts for Acme Corp' }], metadata: { at: 1 } },
];

describe('chat body', () => {
  it('turns a useChat conversation with tool history into neutral chat messages, in order', async () => {
    const body = await bodyUseChatSends(conversation);
    expect(body).toMatchObject({ id: 'chat-1', trigger: 'submit-message', matterId: 'M-1001' });
    expect(toChatMessages(body)).toEqual([
      { role: 'system', content: 'You are the firm assistant.' },
      { role: 'user', content: 'Triage my emails from today AND scan my billable time' },
      {
        role: 'assistant',
        content: 'Checking both now.',
        toolCalls: [
          { id: 'call_1', name: 'triage_emails', arguments: '{"date":"2025-03-12"}' },
          { id: 'call_2', name: 'scan_billable_time', arguments: '{"period":"this_week"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_1', content: '{"urgent":2,"routine":5}' },
      { role: 'tool', toolCallId: 'call_2', content: '{"error":"timeout: Timed out after 5 s"}' },
      { role: 'assistant', content: 'Two emails are urgent; the time scan timed out.' },
      { role: 'user', content: 'Check conflicts for Acme Corp' },
    ]);
  });

  it('splits an assistant turn into steps even without step-start parts, and answers calls that never finished', () => {
    const messages = toChatMessages({
      messages: [
        { id: 'u', role: 'user', parts: [{ type: 'text', text: 'go' }] },
        {
          id: 'a',
          role: 'assistant',
          parts: [
            { type: 'tool-list_emails', toolCallId: 'c1', state: 'output-available', input: {}, output: ['e1'] },
            { type: 'text', text: 'Found one.' },
            { type: 'tool-send_email', toolCallId: 'c2', state: 'input-available', input: { to: 'a@b.co' } },
            { type: 'tool-send_email', toolCallId: 'c3', state: 'input-streaming', input: { to: 'a@' } },
          ],
        },
      ],
    });
    expect(messages).toEqual([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'list_emails', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'c1', content: '["e1"]' },
      {
        role: 'assistant',
        content: 'Found one.',
        toolCalls: [{ id: 'c2', name: 'send_email', arguments: '{"to":"a@b.co"}' }],
      },
      { role: 'tool', toolCallId: 'c2', content: '{"error":"The tool call did not complete"}' },
    ]);
  });

  it('takes the plain form, including OpenAI tool history', () => {
    expect(
      toChatMessages({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'Triage my emails' }] },
          { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'triage_emails', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 't1', content: '{"urgent":0}' },
          { role: 'assistant', content: 'Nothing urgent.' },
          { role: 'user', content: 'Thanks' },
        ],
      }),
    ).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Triage my emails' },
      { role: 'assistant', content: null, toolCalls: [{ id: 't1', name: 'triage_emails', arguments: '{}' }] },
      { role: 'tool', toolCallId: 't1', content: '{"urgent":0}' },
      { role: 'assistant', content: 'Nothing urgent.' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it('reads a developer message as a system message', () => {
    expect(toChatMessages({ messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'hi' }] })).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it.each([
    [null, 'Invalid chat body at body: Invalid input: expected object, received null'],
    [{}, 'Invalid chat body at messages: Invalid input: expected array, received undefined'],
    [{ messages: [] }, 'Invalid chat body at messages: expected at least one message'],
    [{ messages: [{ role: 'robot', content: 'hi' }] }, 'Invalid chat body at messages.0.role: Invalid option: expected one of "system"|"developer"|"user"|"assistant"|"tool"'],
    [{ messages: [{ role: 'user' }] }, 'Invalid chat body at messages.0.content: expected parts or content'],
    [{ messages: [{ role: 'user', content: 42 }] }, 'Invalid chat body at messages.0.content: expected a string or an array of text parts'],
    [{ messages: [{ role: 'tool', content: 'x' }] }, 'Invalid chat body at messages.0.tool_call_id: a tool message needs the tool_call_id it answers'],
    [
      { messages: [{ id: 'm', role: 'user', parts: [{ type: 'step-start' }, { type: 'text', text: 7 }] }] },
      'Invalid chat body at messages.0.parts.1.text: Invalid input: expected string, received number',
    ],
    [
      { messages: [{ id: 'm', role: 'assistant', parts: [{ type: 'dynamic-tool', toolCallId: 'c', state: 'output-available' }] }] },
      'Invalid chat body at messages.0.parts.0.toolName: Invalid input: expected string, received undefined',
    ],
    [
      { messages: [{ id: 'm', role: 'assistant', parts: [{ type: 'tool-send_email', toolCallId: 'c', state: 'approval-responded', input: {}, approval: { id: 'apr_1' } }] }] },
      'Invalid chat body at messages.0.parts.0.approval: an answered approval needs its id and approved: true or false',
    ],
    [
      { messages: [{ id: 'm', role: 'assistant', parts: [{ type: 'tool-send_email', toolCallId: 'c', state: 'approval-responded', input: {}, approval: { id: 7, approved: true } }] }] },
      'Invalid chat body at messages.0.parts.0.approval.id: Invalid input: expected string, received number',
    ],
    [
      { messages: [{ role: 'user', content: 'x' }], trigger: 'resend' },
      'Invalid chat body at trigger: Invalid option: expected one of "submit-message"|"regenerate-message"',
    ],
  ])('rejects %j with invalid_body and the path', (body, message) => {
    let error: unknown;
    try {
      parseChatBody(body);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SapflowError);
    expect(error).toMatchObject({ code: 'invalid_body', message });
  });
});

describe('chat body with tool approvals (ai 6/7)', () => {
  const asked = (approval: Record<string, unknown>, state = 'approval-responded'): UIMessage => ({
    id: 'msg-turn-1',
    role: 'assistant',
    parts: [
      { type: 'step-start' },
      { type: 'tool-send_email', toolCallId: 'call_1', state, input: { to: 'client@example.com' }, approval } as never,
      { type: 'tool-lookup', toolCallId: 'call_2', state: 'output-available', input: { q: 'm' }, output: { found: 1 } },
    ],
  });

  it('reads the answers of the last assistant message, as useChat sends them, with placeholders for their results', async () => {
    const body = await bodyUseChatSends([conversation[1]!, asked({ id: 'apr_1', approved: false, reason: 'wait for the partner' })]);
    const request = readChatRequest(body);
    expect(request.approvals).toEqual([{ approvalId: 'apr_1', toolCallId: 'call_1', approved: false, reason: 'wait for the partner' }]);
    expect(request.continues).toBe('msg-turn-1');
    expect(request.messages.slice(1)).toEqual([
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'send_email', arguments: '{"to":"client@example.com"}' }, { id: 'call_2', name: 'lookup', arguments: '{"q":"m"}' }] },
      { role: 'tool', toolCallId: 'call_1', content: '{"error":"The tool call waited for the user\'s approval and did not run"}' },
      { role: 'tool', toolCallId: 'call_2', content: '{"found":1}' },
    ]);
  });

  it('takes no answers from an earlier message, nor an approval still unanswered', async () => {
    const earlier = readChatRequest(await bodyUseChatSends([conversation[1]!, asked({ id: 'apr_1', approved: true }), conversation[3]!]));
    expect(earlier.approvals).toEqual([]);
    expect(earlier.continues).toBeUndefined();
    const unanswered = readChatRequest(await bodyUseChatSends([conversation[1]!, asked({ id: 'apr_1' }, 'approval-requested')]));
    expect(unanswered.approvals).toEqual([]);
    expect(unanswered.messages[2]).toMatchObject({ role: 'tool', toolCallId: 'call_1', content: expect.stringContaining('did not run') });
  });
});
