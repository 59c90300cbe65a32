import { firstValueFrom, lastValueFrom, toArray, type Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { z } from 'zod';
import { createOpenAIModel, createStructuredExtractor, type ModelChunk, type ModelRequest } from '../src/model/index.js';
import { SapflowError } from '../src/errors/index.js';
import { multiToolUse, startScriptedOpenAI, type Script, type ScriptedOpenAI } from './support/scripted-openai.js';

const API_KEY = 'sk-test-secret-key-123456';
const TOOLS: ModelRequest['tools'] = ['triage_emails', 'scan_billable_time', 'check_conflicts'].map((name) => ({
  name,
  description: `The ${name} tool`,
  parameters: { type: 'object', properties: {} },
}));
const REQUEST: ModelRequest = { messages: [{ role: 'user', content: 'Triage my emails and scan my time' }], tools: TOOLS };

let server: ScriptedOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function modelFor(script: Script, options: { maxRetries?: number; idleTimeoutMs?: number } = {}) {
  server = await startScriptedOpenAI({ script });
  return createOpenAIModel({ apiKey: API_KEY, baseURL: server.url, model: 'gpt-4o', retryBaseMs: 5, ...options });
}

const collect = (stream: Observable<ModelChunk>) => lastValueFrom(stream.pipe(toArray()));
const failure = (stream: Observable<ModelChunk>) =>
  collect(stream).then(
    () => {
      throw new Error('expected the stream to fail');
    },
    (error: unknown) => error as SapflowError,
  );

describe('OpenAI model over a real socket', () => {
  it('streams text in fragments and sends the request OpenAI expects', async () => {
    const model = await modelFor([{ text: ['Hello', ', ', 'counsel.'], usage: { prompt_tokens: 11, completion_tokens: 3 } }]);
    const chunks = await collect(model.stream(REQUEST));
    expect(chunks).toEqual([
      { type: 'text-delta', delta: 'Hello' },
      { type: 'text-delta', delta: ', ' },
      { type: 'text-delta', delta: 'counsel.' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 11, outputTokens: 3, totalTokens: 14 } },
    ]);
    const body = server!.requests[0]!.body;
    expect(body).toMatchObject({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      parallel_tool_calls: true,
      // neutral tools go out in OpenAI's shape
      tools: TOOLS.map((tool) => ({ type: 'function', function: tool })),
      messages: REQUEST.messages,
    });
    expect(server!.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('leaves tools and parallel_tool_calls out when there are no tools', async () => {
    const model = await modelFor([{ text: 'ok' }]);
    await collect(model.stream({ messages: REQUEST.messages, tools: [] }));
    expect(server!.requests[0]!.body).not.toHaveProperty('tools');
    expect(server!.requests[0]!.body).not.toHaveProperty('parallel_tool_calls');
  });

  it('assembles tool calls by index and makes each ready while the next is still streaming', async () => {
    const model = await modelFor([
      {
        delayMs: 15,
        fragmentSize: 4,
        toolCalls: [
          { id: 'call_0', name: 'triage_emails', arguments: { day: 'today' } },
          { id: 'call_1', name: 'scan_billable_time', arguments: { period: 'this_week', user: 'local' } },
        ],
      },
    ]);
    const started = Date.now();
    const timed: Array<{ chunk: ModelChunk; at: number }> = [];
    await new Promise<void>((resolve, reject) =>
      model.stream(REQUEST).subscribe({ next: (chunk) => timed.push({ chunk, at: Date.now() - started }), complete: resolve, error: reject }),
    );
    const chunks = timed.map((t) => t.chunk);

    const ready = chunks.filter((c) => c.type === 'tool-call-ready');
    expect(ready).toEqual([
      { type: 'tool-call-ready', id: 'call_0', name: 'triage_emails', args: '{"day":"today"}' },
      { type: 'tool-call-ready', id: 'call_1', name: 'scan_billable_time', args: '{"period":"this_week","user":"local"}' },
    ]);
    const readyCall0 = chunks.findIndex((c) => c.type === 'tool-call-ready' && c.id === 'call_0');
    const deltasCall1 = chunks.flatMap((c, i) => (c.type === 'tool-call-delta' && c.id === 'call_1' ? [i] : []));
    expect(deltasCall1.length).toBeGreaterThan(3);
    // call 0 is ready before call 1's arguments have finished streaming, let alone the turn
    expect(readyCall0).toBeLessThan(deltasCall1[0]!);
    expect(readyCall0).toBeLessThan(deltasCall1.at(-1)!);
    expect(timed.at(-1)!.at - timed[readyCall0]!.at).toBeGreaterThanOrEqual(3 * 15);

    expect(chunks.filter((c) => c.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_0', name: 'triage_emails' },
      { type: 'tool-call-start', index: 1, id: 'call_1', name: 'scan_billable_time' },
    ]);
    const args1 = chunks.flatMap((c) => (c.type === 'tool-call-delta' && c.id === 'call_1' ? [c.argsDelta] : [])).join('');
    expect(args1).toBe('{"period":"this_week","user":"local"}');
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
  });

  it('unwraps multi_tool_use.parallel into the real calls', async () => {
    const model = await modelFor([
      {
        toolCalls: [
          multiToolUse(
            [
              { name: 'triage_emails', parameters: { day: 'today' } },
              { name: 'scan_billable_time', parameters: { period: 'this_week' } },
            ],
            'call_multi',
          ),
        ],
      },
    ]);
    const chunks = await collect(model.stream(REQUEST));
    expect(chunks).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_multi_0', name: 'triage_emails' },
      { type: 'tool-call-ready', id: 'call_multi_0', name: 'triage_emails', args: '{"day":"today"}' },
      { type: 'tool-call-start', index: 1, id: 'call_multi_1', name: 'scan_billable_time' },
      { type: 'tool-call-ready', id: 'call_multi_1', name: 'scan_billable_time', args: '{"period":"this_week"}' },
      { type: 'finish', finishReason: 'tool-calls', usage: expect.any(Object) },
    ]);
  });

  it('retries a 429 before anything was emitted, then streams the answer', async () => {
    const model = await modelFor([{ fail: { status: 429 } }, { fail: { status: 503 } }, { text: 'after the wait' }]);
    const chunks = await collect(model.stream(REQUEST));
    expect(chunks.filter((c) => c.type === 'text-delta').map((c) => (c as { delta: string }).delta).join('')).toBe('after the wait');
    expect(server!.requests).toHaveLength(3);
  });

  it('gives up on 500 after the retries, with one clear line', async () => {
    const model = await modelFor(Array.from({ length: 4 }, () => ({ fail: { status: 500 } })));
    const error = await failure(model.stream(REQUEST));
    expect(error).toBeInstanceOf(SapflowError);
    expect(error.code).toBe('upstream_error');
    expect(error.message).toBe('The model endpoint answered 500 after 3 retries');
    expect(server!.requests).toHaveLength(4);
  });

  it('reports persistent 429 as rate_limited', async () => {
    const model = await modelFor(() => ({ fail: { status: 429 } }), { maxRetries: 1 });
    const error = await failure(model.stream(REQUEST));
    expect(error.code).toBe('rate_limited');
    expect(error.message).toBe('The model endpoint answered 429 (rate limited) after 1 retry');
  });

  it('fails at once on 401, without the key or upstream text', async () => {
    const model = await modelFor(() => ({ fail: { status: 401 } }));
    const error = await failure(model.stream(REQUEST));
    expect(error.code).toBe('upstream_error');
    expect(error.message).toBe('The model endpoint rejected the API key (401); check OPENAI_API_KEY');
    expect(server!.requests).toHaveLength(1);
  });

  it('fails at once on 400, passing the upstream reason on with any key redacted', async () => {
    const model = await modelFor(() => ({ fail: { status: 400, message: `Invalid 'messages[2]': key ${API_KEY} is\nnot allowed here` } }));
    const error = await failure(model.stream(REQUEST));
    expect(error.message).toBe("The model endpoint rejected the request (400): Invalid 'messages[2]': key *** is not allowed here");
    expect(error.message).not.toContain(API_KEY);
    expect(error.stack ?? '').not.toContain(API_KEY);
    expect(server!.requests).toHaveLength(1);
  });

  it('retries an unreachable endpoint and says so', async () => {
    const probe = await startScriptedOpenAI({ script: [] });
    const deadUrl = probe.url;
    await probe.close();
    const model = createOpenAIModel({ apiKey: API_KEY, baseURL: deadUrl, retryBaseMs: 1, maxRetries: 2 });
    const error = await failure(model.stream(REQUEST));
    expect(error.code).toBe('upstream_error');
    expect(error.message).toMatch(/^The model endpoint at 127\.0\.0\.1:\d+ could not be reached after 2 retries$/);
  });

  it('does not retry once text was emitted, and says the stream broke off', async () => {
    const model = await modelFor(() => ({ text: ['partial ', 'answer ', 'never ends'], interrupt: { afterFragments: 2, mode: 'drop' } }));
    const seen: ModelChunk[] = [];
    const error = await new Promise<SapflowError>((resolve) =>
      model.stream(REQUEST).subscribe({ next: (c) => seen.push(c), error: resolve, complete: () => resolve(new SapflowError('x', 'completed')) }),
    );
    expect(seen).toEqual([
      { type: 'text-delta', delta: 'partial ' },
      { type: 'text-delta', delta: 'answer ' },
    ]);
    expect(error.code).toBe('upstream_error');
    expect(error.message).toMatch(/^The connection to the model endpoint at 127\.0\.0\.1:\d+ broke off mid-answer \(terminated\)$/);
    expect(server!.requests).toHaveLength(1);
  });

  it('fails a silent stream after the idle timeout, retrying it first', async () => {
    const model = await modelFor(() => ({ text: ['a'], interrupt: { afterFragments: 0, mode: 'hang' } }), {
      idleTimeoutMs: 60,
      maxRetries: 1,
    });
    const error = await failure(model.stream(REQUEST));
    expect(error.message).toMatch(/^The model endpoint at 127\.0\.0\.1:\d+ sent nothing for 60 ms after 1 retry$/);
    expect(server!.requests).toHaveLength(2);
  });

  it('aborts the upstream request when the subscriber unsubscribes', async () => {
    const model = await modelFor([{ text: ['first ', 'second'], interrupt: { afterFragments: 1, mode: 'hang' } }]);
    const first = await firstValueFrom(model.stream(REQUEST)); // takes one chunk, then unsubscribes
    expect(first).toEqual({ type: 'text-delta', delta: 'first ' });
    await server!.requests[0]!.closed;
    expect(server!.requests[0]!.aborted).toBe(true);
  });

  it('aborts before the headers arrive too, and honours an AbortSignal', async () => {
    const model = await modelFor([{ hang: true }]);
    const controller = new AbortController();
    const result = failure(model.stream({ ...REQUEST, signal: controller.signal }));
    await waitFor(() => server!.requests.length === 1);
    controller.abort();
    const error = await result;
    expect(error.code).toBe('cancelled');
    await server!.requests[0]!.closed;
    expect(server!.requests[0]!.aborted).toBe(true);
  });
});

describe('structured extractor over a real socket', () => {
  const ClientInfo = z.object({ name: z.string(), email: z.string(), matter: z.string().nullable() });

  async function extractorFor(script: Script) {
    server = await startScriptedOpenAI({ script });
    return createStructuredExtractor(new OpenAI({ apiKey: API_KEY, baseURL: server.url, maxRetries: 0 }), 'gpt-4o-mini');
  }

  it('asks for a strict JSON Schema response and returns the parsed value', async () => {
    const extract = await extractorFor([{ text: '{"name":"Jane Doe","email":"jane@doe.law","matter":null}' }]);
    const info = await extract(ClientInfo, 'Extract the prospective client.', 'Hi, I am Jane Doe (jane@doe.law).');
    expect(info).toEqual({ name: 'Jane Doe', email: 'jane@doe.law', matter: null });
    const body = server!.requests[0]!.body;
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.messages).toEqual([
      { role: 'system', content: 'Extract the prospective client.' },
      { role: 'user', content: 'Hi, I am Jane Doe (jane@doe.law).' },
    ]);
    expect(body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'extraction', strict: true, schema: { type: 'object', required: ['name', 'email', 'matter'], additionalProperties: false } },
    });
  });

  it('fails with one line when the answer does not fit the schema or the endpoint refuses', async () => {
    const extract = await extractorFor([{ text: '{"name":"Jane Doe","email":42,"matter":null}' }, { fail: { status: 401 } }]);
    await expect(extract(ClientInfo, 'Extract.', 'x')).rejects.toMatchObject({
      code: 'upstream_error',
      message: "The model's answer did not match the schema (email: Invalid input: expected string, received number)",
    });
    await expect(extract(ClientInfo, 'Extract.', 'x')).rejects.toMatchObject({
      code: 'upstream_error',
      message: 'The model endpoint rejected the API key (401); check OPENAI_API_KEY',
    });
  });
});

async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
