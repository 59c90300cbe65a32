import type { UIMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, reactChat, readRaw, readWithAiClient, userMessage, type ClientResult } from './support/chat-client.js';
import { readTurnLog, startChatHarness, type ChatHarness } from './support/chat-harness.js';
import type { Script } from './support/scripted-openai.js';

/**
 * POST /api/chat end to end over real sockets: a scripted OpenAI-compatible upstream, real HTTP tools, and the
 * `ai` package's own client code (7 and 5) as the consumer.
 */

const CHUNK_TYPES_ALL_VERSIONS_ACCEPT = new Set([
  'start', 'start-step', 'text-start', 'text-delta', 'text-end', 'tool-input-start', 'tool-input-delta',
  'tool-input-available', 'tool-output-available', 'tool-output-error', 'finish-step', 'finish', 'error',
]);

// a turn with text, two tools that succeed and one that fails, then a final answer
const script: Script = (body: { messages: Array<{ role: string }> }) =>
  body.messages.at(-1)?.role === 'tool'
    ? { text: 'Both lookups are done; the records service failed.', delayMs: 2 }
    : {
        text: 'Let me look that up.',
        delayMs: 2,
        toolCalls: [
          { name: 'lookup_client', arguments: { note: 'Acme Holdings' } },
          { name: 'lookup_matter', arguments: { note: 'Acme v. Widgets' } },
          { name: 'lookup_records', arguments: { note: 'Acme billing' } },
        ],
      };

let harness: ChatHarness;
beforeAll(async () => {
  harness = await startChatHarness({
    script,
    tools: [
      { name: 'lookup_client', behaviour: { ms: 40 } },
      { name: 'lookup_matter', behaviour: { ms: 80 } },
      { name: 'lookup_records', behaviour: 'fail' },
    ],
  });
});
afterAll(() => harness?.close());

type ToolPart = Extract<UIMessage['parts'][number], { toolCallId: string }> & { state: string; output?: unknown; errorText?: string };

function toolParts(message: UIMessage | undefined): Record<string, ToolPart> {
  const parts = (message?.parts ?? []).filter((p): p is ToolPart => 'toolCallId' in p);
  return Object.fromEntries(parts.map((p) => [p.type, p]));
}

function textOf(message: UIMessage | undefined): string {
  return (message?.parts ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');
}

function expectACompleteTurn(result: ClientResult): void {
  const { message, chunks } = result;
  expect(message?.role).toBe('assistant');

  const tools = toolParts(message);
  expect(Object.keys(tools).sort()).toEqual(['tool-lookup_client', 'tool-lookup_matter', 'tool-lookup_records']);
  expect(tools['tool-lookup_client']).toMatchObject({ state: 'output-available', input: { note: 'Acme Holdings' }, output: { sleptMs: 40 } });
  expect(tools['tool-lookup_matter']).toMatchObject({ state: 'output-available', output: { sleptMs: 80 } });
  expect(tools['tool-lookup_records']?.state).toBe('output-error');
  expect(tools['tool-lookup_records']?.errorText).toMatch(/^\[http_error\] POST .*\/fail answered 500/);

  // one live progress part, replaced in place: many chunks on the wire, one part in the message
  const progressChunks = chunks.filter((c) => c.type === 'data-workflow');
  const ids = new Set(progressChunks.map((c) => (c as { id?: string }).id));
  expect(ids.size).toBe(1);
  expect(progressChunks.length).toBeGreaterThan(3);
  const progressParts = (message?.parts ?? []).filter((p) => p.type === 'data-workflow');
  expect(progressParts).toHaveLength(1);
  const last = progressChunks.at(-1) as { id: string; data: unknown };
  expect(progressParts[0]).toMatchObject({ id: last.id, data: last.data });
  expect(last.data).toMatchObject({
    status: 'partial',
    counts: { total: 3, completed: 2, failed: 1, running: 0, pending: 0 },
    progressPercentage: 100,
  });

  expect(textOf(message)).toContain('Let me look that up.');
  expect(textOf(message)).toContain('Both lookups are done; the records service failed.');
  for (const chunk of chunks) {
    expect(CHUNK_TYPES_ALL_VERSIONS_ACCEPT.has(chunk.type) || chunk.type === 'data-workflow', chunk.type).toBe(true);
  }
  expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
}

describe('POST /api/chat with the ai client as the consumer', () => {
  it('parses with ai 7: tool parts end in output-available / output-error, progress is updated in place, text arrives', async () => {
    const result = await readWithAiClient(harness.url, [userMessage('Look up Acme')], { version: 7 });
    expectACompleteTurn(result);
  });

  it('parses with ai 5 the same way', async () => {
    const result = await readWithAiClient(harness.url, [userMessage('Look up Acme')], { version: 5 });
    expectACompleteTurn(result);
  });

  it('drives a @ai-sdk/react Chat (the state behind useChat; ai 6 inside) to ready, twice, sending the first turn back as history', async () => {
    const chat = reactChat(harness.url);
    await chat.send('Look up Acme');
    expect(chat.status).toBe('ready');
    expect(chat.error).toBeUndefined();
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(Object.values(toolParts(chat.messages[1])).map((p) => p.state).sort()).toEqual(['output-available', 'output-available', 'output-error']);

    const before = harness.openai.requests.length;
    await chat.send('And again');
    expect(chat.status).toBe('ready');
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    const history = harness.openai.requests[before]!.body.messages as Array<{ role: string; tool_call_id?: string }>;
    expect(history.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'tool', 'assistant', 'user']);
  });

  it('answers with the SSE and UI message stream headers, text-end before finish-step, and [DONE] last', async () => {
    const response = await postChat(harness.url, { id: 'c1', messages: [userMessage('Look up Acme')], trigger: 'submit-message' });
    const raw = await readRaw(response);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('text/event-stream');
    expect(raw.headers.get('cache-control')).toBe('no-cache');
    expect(raw.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    expect(raw.headers.get('x-accel-buffering')).toBe('no');
    expect(raw.frames.at(-1)?.text).toBe('data: [DONE]');
    expect(raw.body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(raw.frames.filter((f) => f.text === 'data: [DONE]')).toHaveLength(1);

    const types = raw.chunks.map((c) => c.type);
    expect(types[0]).toBe('start');
    expect(types.filter((t) => t === 'start-step')).toHaveLength(2);
    expect(types.filter((t) => t === 'finish-step')).toHaveLength(2);
    // every text part is closed before its step ends (ai 5 resets text ids at finish-step)
    let open = new Set<string>();
    for (const chunk of raw.chunks) {
      if (chunk.type === 'text-start') open.add(chunk.id as string);
      if (chunk.type === 'text-end') open.delete(chunk.id as string);
      if (chunk.type === 'finish-step' || chunk.type === 'finish') expect([...open], `open text at ${chunk.type}`).toEqual([]);
      if (chunk.type === 'finish-step') open = new Set();
    }
    // outputs only for calls the client has seen, and each call exactly once
    const seen = new Set<string>();
    for (const chunk of raw.chunks) {
      if (chunk.type === 'tool-input-start') seen.add(chunk.toolCallId as string);
      if (chunk.type === 'tool-output-available' || chunk.type === 'tool-output-error') expect(seen.has(chunk.toolCallId as string)).toBe(true);
    }
    expect(raw.chunks.filter((c) => c.type === 'tool-input-available')).toHaveLength(3);
    expect(raw.chunks.filter((c) => c.type === 'tool-output-available' || c.type === 'tool-output-error')).toHaveLength(3);
  });

  it('logs the turn in the execution store under the id it announces', async () => {
    const response = await postChat(harness.url, { messages: [{ role: 'user', content: 'Look up Acme' }] });
    const executionId = response.headers.get('x-execution-id');
    await readRaw(response);
    expect(executionId).toBeTruthy();
    const types = (await readTurnLog(harness.sapflow, executionId!)).map((e) => e.type);
    expect(types[0]).toBe('workflow-start');
    // by now the failing tool's circuit breaker may be open (engine state is per process): it then fails without a start
    expect(types.filter((t) => t === 'task-complete')).toHaveLength(2);
    expect(types.filter((t) => t === 'task-failed')).toHaveLength(1);
    // the whole turn is history (its text too, for a resumed stream): it ends with its finish, after workflow-finish
    expect(types.slice(-2)).toEqual(['workflow-finish', 'finish']);
    expect(types).toContain('text-delta');
    expect((await harness.sapflow.runtime.store.getExecution(executionId!, 'local'))?.status).toBe('partial');
  });
});
