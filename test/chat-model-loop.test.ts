import type { UIMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, readRaw, readWithAiClient, userMessage } from './support/chat-client.js';
import { startChatHarness, type ChatHarness } from './support/chat-harness.js';
import { multiToolUse, type ScriptStep } from './support/scripted-openai.js';

/**
 * The model loop through /api/chat: `multi_tool_use.parallel` unwrapped, results going back as `tool` messages with
 * their ids, several steps, bad arguments as errors the model reads, and the shapes a history can arrive in.
 */

interface OpenAIMessage {
  role: string;
  content?: string | null;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** Each scene is chosen by the last user message; its steps by how many model steps came before in this turn. */
const scenes: Record<string, Array<ScriptStep>> = {
  'multi tool use': [
    {
      toolCalls: [
        multiToolUse(
          [
            { name: 'lookup_client', parameters: { note: 'Acme' } },
            { name: 'lookup_matter', parameters: { note: 'Acme v. Widgets' } },
          ],
          'call_multi',
        ),
      ],
    },
    { text: 'Found the client and the matter.' },
  ],
  'two steps': [
    { text: 'First the client.', toolCalls: [{ id: 'call_a', name: 'lookup_client', arguments: { note: 'Acme' } }] },
    { toolCalls: [{ id: 'call_b', name: 'lookup_matter', arguments: { note: 'matters of Acme' } }] },
    { text: 'Acme has one open matter.' },
  ],
  'bad arguments': [
    {
      toolCalls: [
        { id: 'call_json', name: 'lookup_client', arguments: '{"note": "Acme' },
        { id: 'call_schema', name: 'lookup_client', arguments: { note: 42 } },
        { id: 'call_unknown', name: 'delete_everything', arguments: {} },
        { id: 'call_ok', name: 'lookup_matter', arguments: { note: 'fine' } },
      ],
    },
    { text: 'Some calls were wrong.' },
  ],
  'forever tools': Array.from({ length: 10 }, (_, i) => ({ toolCalls: [{ id: `call_f${i}`, name: 'lookup_client', arguments: { note: `round ${i}` } }] })),
  'just talk': [{ text: 'Hello, counsel.' }],
  'follow up': [{ text: 'As I said, Acme is a client.' }],
};

function script(body: { messages: OpenAIMessage[] }): ScriptStep {
  const lastUser = body.messages.map((m) => m.role).lastIndexOf('user');
  const scene = scenes[String(body.messages[lastUser]?.content)];
  if (!scene) return { fail: { status: 400, message: `no scene for ${String(body.messages[lastUser]?.content)}` } };
  const stepsBefore = body.messages.slice(lastUser).filter((m) => m.role === 'assistant').length;
  return scene[stepsBefore] ?? { fail: { status: 400, message: 'the scene has no more steps' } };
}

let harness: ChatHarness;
beforeAll(async () => {
  harness = await startChatHarness({
    script,
    tools: [
      { name: 'lookup_client', behaviour: { ms: 10 } },
      { name: 'lookup_matter', behaviour: { ms: 20 } },
    ],
    env: { MAX_STEPS: '3' },
  });
});
afterAll(() => harness?.close());

/** The upstream requests of the turn whose last user message is `text`. */
function requestsFor(text: string) {
  return harness.openai.requests
    .map((r) => r.body as { messages: OpenAIMessage[] })
    .filter((b) => b.messages.filter((m) => m.role === 'user').at(-1)?.content === text);
}

const toolPartsOf = (message: UIMessage | undefined) =>
  (message?.parts ?? []).filter((p) => 'toolCallId' in p) as Array<{ type: string; toolCallId: string; state: string; input?: unknown; output?: unknown; errorText?: string }>;

describe('the model loop through /api/chat', () => {
  it('unwraps multi_tool_use.parallel into the real calls, for the client and for the model', async () => {
    const { message } = await readWithAiClient(harness.url, [userMessage('multi tool use')]);
    const tools = toolPartsOf(message);
    expect(tools.map((t) => [t.type, t.toolCallId, t.state])).toEqual([
      ['tool-lookup_client', 'call_multi_0', 'output-available'],
      ['tool-lookup_matter', 'call_multi_1', 'output-available'],
    ]);
    expect(tools[0]!.input).toEqual({ note: 'Acme' });

    const [, second] = requestsFor('multi tool use');
    const tail = second!.messages.slice(-3);
    expect(tail[0]).toMatchObject({
      role: 'assistant',
      tool_calls: [
        { id: 'call_multi_0', type: 'function', function: { name: 'lookup_client', arguments: '{"note":"Acme"}' } },
        { id: 'call_multi_1', type: 'function', function: { name: 'lookup_matter', arguments: '{"note":"Acme v. Widgets"}' } },
      ],
    });
    expect(tail.slice(1).map((m) => [m.role, m.tool_call_id])).toEqual([['tool', 'call_multi_0'], ['tool', 'call_multi_1']]);
  });

  it('loops over several steps, each result going back as a tool message with its tool_call_id', async () => {
    const { message, chunks } = await readWithAiClient(harness.url, [userMessage('two steps')]);
    expect(chunks.filter((c) => c.type === 'start-step')).toHaveLength(3);
    expect(toolPartsOf(message).map((t) => [t.toolCallId, t.state])).toEqual([['call_a', 'output-available'], ['call_b', 'output-available']]);
    const texts = (message?.parts ?? []).filter((p) => p.type === 'text').map((p) => (p as { text: string }).text);
    expect(texts).toEqual(['First the client.', 'Acme has one open matter.']);

    const [first, second, third] = requestsFor('two steps');
    expect(first!.messages).toEqual([{ role: 'user', content: 'two steps' }]);
    expect(second!.messages.slice(1)).toEqual([
      { role: 'assistant', content: 'First the client.', tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'lookup_client', arguments: '{"note":"Acme"}' } }] },
      { role: 'tool', tool_call_id: 'call_a', content: JSON.stringify({ sleptMs: 10, received: { note: 'Acme' } }) },
    ]);
    expect(third!.messages.slice(1, 3)).toEqual(second!.messages.slice(1));
    expect(third!.messages.slice(3)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_b', type: 'function', function: { name: 'lookup_matter', arguments: '{"note":"matters of Acme"}' } }] },
      { role: 'tool', tool_call_id: 'call_b', content: JSON.stringify({ sleptMs: 20, received: { note: 'matters of Acme' } }) },
    ]);
  });

  it('turns bad arguments and unknown tools into tool errors that the client shows and the model reads', async () => {
    const { message } = await readWithAiClient(harness.url, [userMessage('bad arguments')]);
    const byId = Object.fromEntries(toolPartsOf(message).map((t) => [t.toolCallId, t]));
    expect(byId.call_json).toMatchObject({ state: 'output-error', errorText: '[invalid_arguments] Arguments for lookup_client are not valid JSON' });
    expect(byId.call_schema?.state).toBe('output-error');
    expect(byId.call_schema?.errorText).toMatch(/^\[invalid_arguments\] Invalid arguments for lookup_client: note: /);
    expect(byId.call_unknown).toMatchObject({ state: 'output-error', errorText: '[unknown_tool] No tool named "delete_everything"' });
    expect(byId.call_ok?.state).toBe('output-available');
    // no request ever went out for the bad calls
    expect(harness.toolServer.requests.filter((r) => (r.body as { note?: unknown }).note === 42)).toEqual([]);

    const [, second] = requestsFor('bad arguments');
    const results = Object.fromEntries(second!.messages.filter((m) => m.role === 'tool').map((m) => [m.tool_call_id, JSON.parse(m.content!)]));
    expect(results.call_json).toEqual({ error: { code: 'invalid_arguments', message: 'Arguments for lookup_client are not valid JSON' } });
    expect(results.call_unknown).toEqual({ error: { code: 'unknown_tool', message: 'No tool named "delete_everything"' } });
    expect(results.call_schema.error.code).toBe('invalid_arguments');
    expect(results.call_ok).toEqual({ sleptMs: 20, received: { note: 'fine' } });
  });

  it('stops at MAX_STEPS', async () => {
    const raw = await readRaw(await postChat(harness.url, { messages: [{ role: 'user', content: 'forever tools' }] }));
    expect(requestsFor('forever tools')).toHaveLength(3);
    expect(raw.chunks.filter((c) => c.type === 'start-step')).toHaveLength(3);
    expect(raw.chunks.filter((c) => c.type === 'tool-output-available')).toHaveLength(3);
    expect(raw.chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
    expect(raw.frames.at(-1)?.text).toBe('data: [DONE]');
  });

  it('takes the plain { messages: [{ role, content }] } form', async () => {
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'just talk' },
    ];
    const raw = await readRaw(await postChat(harness.url, { messages }));
    expect(raw.status).toBe(200);
    expect(raw.chunks.filter((c) => c.type === 'text-delta').map((c) => c.delta).join('')).toBe('Hello, counsel.');
    expect(requestsFor('just talk')[0]!.messages).toEqual(messages);
  });

  it('sends a multi-turn useChat history back to the model with its tool calls and results', async () => {
    // turn one, as useChat keeps it: the assistant message the ai client assembled
    const first = await readWithAiClient(harness.url, [userMessage('two steps', 'u1')]);
    const history: UIMessage[] = [userMessage('two steps', 'u1'), first.message!, userMessage('follow up', 'u2')];
    expect(history[1]!.parts.map((p) => p.type)).toContain('data-workflow');

    const second = await readWithAiClient(harness.url, history, { version: 7 });
    expect(second.message?.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text)).toEqual(['As I said, Acme is a client.']);

    const [request] = requestsFor('follow up');
    const roles = request!.messages.map((m) => m.role);
    expect(roles).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool', 'assistant', 'user']);
    expect(request!.messages[1]).toEqual({
      role: 'assistant',
      content: 'First the client.',
      tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'lookup_client', arguments: '{"note":"Acme"}' } }],
    });
    expect(request!.messages[2]).toEqual({ role: 'tool', tool_call_id: 'call_a', content: JSON.stringify({ sleptMs: 10, received: { note: 'Acme' } }) });
    expect(request!.messages[3]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_b' }] });
    expect(request!.messages[4]).toMatchObject({ role: 'tool', tool_call_id: 'call_b' });
    expect(request!.messages[5]).toEqual({ role: 'assistant', content: 'Acme has one open matter.' });
    expect(request!.messages[6]).toEqual({ role: 'user', content: 'follow up' });
  });
});
