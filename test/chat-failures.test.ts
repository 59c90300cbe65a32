import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postChat, reactChat, readRaw, readWithAiClient, userMessage } from './support/chat-client.js';
import { startChatHarness, type ChatHarness } from './support/chat-harness.js';

/** What goes wrong around /api/chat: the client leaving, the upstream failing, bodies that are not a chat. */

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

describe('a client that goes away', () => {
  let harness: ChatHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('aborts the running tools and the still-open upstream request within ~100 ms', async () => {
    harness = await startChatHarness({
      // the first call is complete when the second begins; the upstream then goes silent, still open
      script: [
        {
          toolCalls: [
            { name: 'pull_records', arguments: { note: 'everything' } },
            { name: 'pull_more', arguments: { note: 'and more of everything' } },
          ],
          // call 0 is 1 + 3 fragments; the upstream stops two fragments into call 1
          interrupt: { afterFragments: 6, mode: 'hang' },
        },
      ],
      tools: [
        { name: 'pull_records', behaviour: 'hang' },
        { name: 'pull_more', behaviour: { ms: 5_000 } },
      ],
    });
    const controller = new AbortController();
    const response = await postChat(harness.url, { messages: [{ role: 'user', content: 'pull' }] }, { signal: controller.signal });
    const executionId = response.headers.get('x-execution-id')!;
    const reading = readRaw(response).catch((error: unknown) => error);
    await until(() => harness!.toolServer.requests.length === 1);
    const upstream = harness.openai.requests[0]!;
    const tool = harness.toolServer.requests[0]!;

    const abortedAt = Date.now();
    controller.abort();
    await reading;
    const upstreamClosed = upstream.closed.then(() => Date.now());
    await tool.closed;
    const upstreamClosedAt = await upstreamClosed;

    expect(tool.aborted).toBe(true);
    expect(tool.closedAt! - abortedAt).toBeLessThan(100);
    expect(upstream.aborted).toBe(true);
    expect(upstreamClosedAt - abortedAt).toBeLessThan(100);
    // the turn is logged as cancelled
    await until(async () => (await harness!.sapflow.runtime.store.getExecution(executionId, 'local'))?.status === 'cancelled');
  });

  it('aborts tools still running after the model turn has ended', async () => {
    harness = await startChatHarness({
      script: [{ toolCalls: [{ name: 'slow_scan', arguments: { note: 'all time entries' } }] }, { text: 'never asked for' }],
      tools: [{ name: 'slow_scan', behaviour: { ms: 5_000 } }],
    });
    const controller = new AbortController();
    const response = await postChat(harness.url, { messages: [{ role: 'user', content: 'scan' }] }, { signal: controller.signal });
    const reading = readRaw(response).catch((error: unknown) => error);
    await until(() => harness!.toolServer.requests.length === 1);
    const upstream = harness.openai.requests[0]!;
    await upstream.closed;
    expect(upstream.aborted).toBe(false);

    const abortedAt = Date.now();
    controller.abort();
    await reading;
    const tool = harness.toolServer.requests[0]!;
    await tool.closed;
    expect(tool.aborted).toBe(true);
    expect(tool.closedAt! - abortedAt).toBeLessThan(100);
    // no next step was asked for
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(harness.openai.requests).toHaveLength(1);
  });
});

describe('upstream failures', () => {
  let harness: ChatHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('retries a 429 and answers', async () => {
    harness = await startChatHarness({ script: [{ fail: { status: 429 } }, { text: 'Answered after a retry.' }] });
    const { message } = await readWithAiClient(harness.url, [userMessage('hello')]);
    expect(message?.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('')).toBe('Answered after a retry.');
    expect(harness.openai.requests).toHaveLength(2);
  });

  it('after repeated 500s ends with an error chunk, finish, [DONE] and a clean close', async () => {
    harness = await startChatHarness({ script: () => ({ fail: { status: 500 } }) });
    const raw = await readRaw(await postChat(harness.url, { messages: [{ role: 'user', content: 'hello' }] }));
    expect(raw.status).toBe(200);
    expect(harness.openai.requests).toHaveLength(4);
    const tail = raw.chunks.slice(-2);
    expect(tail).toEqual([
      { type: 'error', errorText: 'The model endpoint answered 500 after 3 retries' },
      { type: 'finish', finishReason: 'error' },
    ]);
    expect(raw.frames.at(-1)?.text).toBe('data: [DONE]');
    // the server is fine afterwards
    expect((await fetch(`${harness.url}/api/health`)).status).toBe(200);
  });

  it('puts a useChat-style consumer in the error state with that message', async () => {
    harness = await startChatHarness({ script: () => ({ fail: { status: 500 } }) });
    const failure = await readWithAiClient(harness.url, [userMessage('hello')]).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toBe('The model endpoint answered 500 after 3 retries');
    const v5 = await readWithAiClient(harness.url, [userMessage('hello')], { version: 5 }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(v5?.message).toBe('The model endpoint answered 500 after 3 retries');
  });

  it('puts a @ai-sdk/react Chat (the state behind useChat; ai 6 inside) in status error, with the message, keeping what arrived before', async () => {
    harness = await startChatHarness({ script: () => ({ fail: { status: 500 } }) });
    const chat = reactChat(harness.url);
    await chat.send('hello');
    expect(chat.status).toBe('error');
    expect(chat.error?.message).toBe('The model endpoint answered 500 after 3 retries');
    expect(chat.messages[0]).toMatchObject({ role: 'user', parts: [{ type: 'text', text: 'hello' }] });
  });

  it('does not retry a stream that broke off mid-answer, and says so', async () => {
    harness = await startChatHarness({ script: [{ text: 'The first part of the answer', fragmentSize: 4, interrupt: { afterFragments: 3, mode: 'drop' } }] });
    const raw = await readRaw(await postChat(harness.url, { messages: [{ role: 'user', content: 'hello' }] }));
    expect(harness.openai.requests).toHaveLength(1);
    const types = raw.chunks.map((c) => c.type);
    expect(types).toEqual(['start', 'start-step', 'text-start', 'text-delta', 'text-delta', 'text-delta', 'text-end', 'error', 'finish']);
    expect(raw.chunks.at(-2)?.errorText).toMatch(/broke off mid-answer/);
    expect(raw.frames.at(-1)?.text).toBe('data: [DONE]');
  });

  it('reports an unreachable endpoint clearly', async () => {
    harness = await startChatHarness({ script: [], env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } });
    const raw = await readRaw(await postChat(harness.url, { messages: [{ role: 'user', content: 'hello' }] }));
    expect(raw.chunks.at(-2)).toEqual({ type: 'error', errorText: 'The model endpoint at 127.0.0.1:9 could not be reached after 3 retries' });
    expect(raw.chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'error' });
    expect(raw.frames.at(-1)?.text).toBe('data: [DONE]');
  });
});

describe('bodies that are not a chat', () => {
  let harness: ChatHarness;
  beforeAll(async () => {
    harness = await startChatHarness({ script: () => ({ text: 'ok' }) });
  });
  afterAll(() => harness?.close());

  const send = async (raw: string, contentType = 'application/json') => {
    const response = await fetch(`${harness.url}/api/chat`, { method: 'POST', headers: { 'content-type': contentType }, body: raw });
    return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
  };

  it('answers malformed JSON with 400 invalid_json', async () => {
    const { status, body } = await send('{"messages": [');
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_json');
  });

  it.each([
    ['{}', 'messages'],
    ['{"messages": "hello"}', 'messages'],
    ['{"messages": []}', 'messages'],
    ['{"messages": [{"role": "robot", "content": "hi"}]}', 'messages.0.role'],
    ['{"messages": [{"role": "user"}]}', 'messages.0.content'],
    ['{"messages": [{"role": "user", "parts": [{"type": "text"}]}]}', 'messages.0.parts.0'],
    ['[1, 2, 3]', 'body'],
  ])('answers %s with 400 invalid_body naming %s', async (raw, path) => {
    const { status, body } = await send(raw);
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_body');
    expect(body.error.message).toContain(`at ${path}`);
    expect(body.error.message).not.toMatch(/\n|at .*\.ts:\d+/);
  });

  it.each(['"just a string"', 'null', '42'])('answers the JSON scalar %s with 400 invalid_body (valid JSON, wrong shape)', async (raw) => {
    const { status, body } = await send(raw);
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_body');
  });

  it('answers a body that is not JSON at all with 400', async () => {
    const { status, body } = await send('messages=hello', 'text/plain');
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_body');
  });

  it('answers an oversized body with 413', async () => {
    const big = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] });
    const { status, body } = await send(big);
    expect(status).toBe(413);
    expect(body.error.code).toBe('payload_too_large');
  });

  it('still answers when the turn cannot be logged (the store is history, not the answer)', async () => {
    const store = harness.sapflow.runtime.store;
    const createExecution = store.createExecution;
    const errors: unknown[] = [];
    const { logger } = harness.sapflow.runtime;
    const logError = logger.error;
    store.createExecution = () => Promise.reject(new Error('the database is down'));
    logger.error = ((...args: unknown[]) => errors.push(args)) as typeof logger.error;
    try {
      const raw = await readRaw(await postChat(harness.url, { messages: [{ role: 'user', content: 'hello' }] }));
      expect(raw.status).toBe(200);
      expect(raw.chunks.filter((c) => c.type === 'text-delta').map((c) => c.delta).join('')).toBe('ok');
      expect(raw.chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
      // the row is created a moment into the turn; its failure is reported, not sent to the client
      await until(() => errors.length > 0, 1_000);
      expect(JSON.stringify(errors[0])).toMatch(/is not logged/);
    } finally {
      store.createExecution = createExecution;
      logger.error = logError;
    }
  });

  it('keeps serving after all of that', async () => {
    expect((await fetch(`${harness.url}/api/health`)).status).toBe(200);
    const raw = await readRaw(await postChat(harness.url, { messages: [{ role: 'user', content: 'hello' }] }));
    expect(raw.chunks.map((c) => c.type)).toContain('text-delta');
    expect(raw.frames.at(-1)?.text).toBe('data: [DONE]');
  });
});
