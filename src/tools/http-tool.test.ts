import { describe, expect, it } from 'vitest';
import { createHttpTool } from './http-tool.js';
import type { ToolContext } from './tool.js';
import type { HttpToolEntry } from './tools-config-schema.js';

const entry: HttpToolEntry = {
  name: 'lookup_client',
  description: 'Look up a client by email',
  parameters: {
    type: 'object',
    properties: {
      email: { type: 'string' },
      kind: { enum: ['person', 'company'] },
      tags: { type: 'array', items: { type: 'string' } },
      address: {
        type: 'object',
        properties: { city: { type: 'string' }, zip: { type: 'integer', minimum: 0 } },
        required: ['city'],
      },
    },
    required: ['email'],
  },
  url: 'http://tools.test/lookup',
  headers: { Authorization: 'Bearer t' },
  timeout: 5,
  retry_count: 2,
  concurrency: 4,
  circuit_breaker: { failure_threshold: 3, reset_timeout: 10 },
};

const ctx = (signal = new AbortController().signal): ToolContext => ({
  signal,
  progress: () => {},
  user: 'local',
  executionId: 'e1',
  taskId: 't1',
  idempotencyKey: 'e1:t1',
});

/** A fetch double that records its calls and answers with a canned Response. */
function fakeFetch(answer: () => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('createHttpTool', () => {
  it('carries the entry settings and the verbatim JSON Schema', () => {
    const tool = createHttpTool(entry);
    expect(tool).toMatchObject({
      name: 'lookup_client',
      description: 'Look up a client by email',
      jsonSchema: entry.parameters,
      timeout: 5,
      retry_count: 2,
      concurrency: 4,
      circuit_breaker: { failure_threshold: 3, reset_timeout: 10 },
    });
  });

  it('validates arguments with a zod schema converted from the JSON Schema', () => {
    const { parameters } = createHttpTool(entry);
    expect(parameters.safeParse({ email: 'a@b.com', kind: 'person', tags: ['x'], address: { city: 'Oslo', zip: 1 } }).success).toBe(true);
    expect(parameters.safeParse({}).success).toBe(false);
    expect(parameters.safeParse({ email: 'a@b.com', kind: 'robot' }).success).toBe(false);
    expect(parameters.safeParse({ email: 'a@b.com', tags: [1] }).success).toBe(false);
    expect(parameters.safeParse({ email: 'a@b.com', address: { zip: 1 } }).success).toBe(false);
    expect(parameters.safeParse({ email: 'a@b.com', address: { city: 'Oslo', zip: -1 } }).success).toBe(false);
  });

  it('fails at creation when the schema cannot be converted', () => {
    const bad = { ...entry, parameters: { type: 'object' as const, properties: { a: { type: 'strin' } } } };
    expect(() => createHttpTool(bad)).toThrow(
      expect.objectContaining({ code: 'invalid_tools_config', message: expect.stringContaining('Unsupported type: strin') }),
    );
  });

  it('lets a configured Content-Type replace the default one', async () => {
    const { fetch, calls } = fakeFetch(() => Response.json({}));
    const tool = createHttpTool({ ...entry, headers: { 'Content-Type': 'application/vnd.api+json' } }, { fetch });
    await tool.execute({ email: 'x' }, ctx());
    expect((calls[0]!.init.headers as Headers).get('content-type')).toBe('application/vnd.api+json');
  });

  it('fails at creation on a header that cannot be sent', () => {
    expect(() => createHttpTool({ ...entry, headers: { 'X-Token': 'a\nb' } })).toThrow(
      expect.objectContaining({ code: 'invalid_tools_config', details: expect.objectContaining({ path: 'headers.X-Token' }) }),
    );
  });

  it('POSTs the arguments as JSON with the headers and the signal', async () => {
    const { fetch, calls } = fakeFetch(() => Response.json({ id: 7 }));
    const signal = new AbortController().signal;
    await expect(createHttpTool(entry, { fetch }).execute({ email: 'a@b.com' }, ctx(signal))).resolves.toEqual({ id: 7 });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('http://tools.test/lookup');
    expect(calls[0]!.init).toMatchObject({
      method: 'POST',
      body: '{"email":"a@b.com"}',
      signal,
    });
    const headers = calls[0]!.init.headers as Headers;
    expect(Object.fromEntries(headers)).toEqual({
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: 'Bearer t',
      'idempotency-key': 'e1:t1',
    });
  });

  it("sends the call's idempotency key in place of a configured one", async () => {
    const { fetch, calls } = fakeFetch(() => Response.json({}));
    const tool = createHttpTool({ ...entry, headers: { 'Idempotency-Key': 'fixed' } }, { fetch });
    await tool.execute({ email: 'x' }, { ...ctx(), idempotencyKey: 'run-1:call_9' });
    await tool.execute({ email: 'x' }, { ...ctx(), idempotencyKey: 'run-1:call_10' });
    expect(calls.map((c) => (c.init.headers as Headers).get('idempotency-key'))).toEqual(['run-1:call_9', 'run-1:call_10']);
  });

  it('answers null for an empty 2xx body', async () => {
    const { fetch } = fakeFetch(() => new Response(null, { status: 204 }));
    await expect(createHttpTool(entry, { fetch }).execute({ email: 'x' }, ctx())).resolves.toBeNull();
  });

  it.each([
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [404, false],
  ])('maps status %i to http_error, retryable %s', async (status, retryable) => {
    const { fetch } = fakeFetch(() => new Response('nope', { status }));
    const pending = createHttpTool(entry, { fetch }).execute({ email: 'x' }, ctx());
    const error = await Promise.resolve(pending).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'http_error', retryable, details: { status } });
    expect((error as Error).message).toMatch(new RegExp(`^POST http://tools.test/lookup answered ${status} \\S`));
  });

  it('maps a rejected fetch to a retryable network_error', async () => {
    const { fetch } = fakeFetch(() => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })));
    const pending = createHttpTool(entry, { fetch }).execute({ email: 'x' }, ctx());
    const error = await Promise.resolve(pending).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'network_error', retryable: true, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('lets the abort reason through untouched when the signal is aborted', async () => {
    const controller = new AbortController();
    const reason = new DOMException('This operation was aborted', 'AbortError');
    const { fetch } = fakeFetch(() => {
      controller.abort(reason);
      return Promise.reject(reason);
    });
    await expect(createHttpTool(entry, { fetch }).execute({ email: 'x' }, ctx(controller.signal))).rejects.toBe(reason);
  });

  it('maps a 2xx body that is not JSON to tool_error', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>', { status: 200 }));
    await expect(createHttpTool(entry, { fetch }).execute({ email: 'x' }, ctx())).rejects.toMatchObject({
      code: 'tool_error',
      retryable: false,
    });
  });
});
