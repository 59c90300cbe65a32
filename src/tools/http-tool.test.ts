import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** A real HTTP service on a local port: records each request, answers with whatever `answer` does. */
interface Received {
  url: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}
let service: { url: string; received: Received[]; answer: (res: ServerResponse) => void; close(): Promise<void> };
beforeAll(async () => {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers, body });
      service.answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  service = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer: (res) => json(res, 200, {}),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
});
afterAll(() => service.close());
const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
/** The entry, pointed at the local service; each test starts with no requests recorded. */
const live = (overrides: Partial<HttpToolEntry> = {}, answer: (res: ServerResponse) => void = (res) => json(res, 200, {})) => {
  service.received.length = 0;
  service.answer = answer;
  return createHttpTool({ ...entry, url: `${service.url}/lookup`, ...overrides });
};

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
    await live({ headers: { 'Content-Type': 'application/vnd.api+json' } }).execute({ email: 'x' }, ctx());
    expect(service.received[0]!.headers['content-type']).toBe('application/vnd.api+json');
  });

  it('fails at creation on a header that cannot be sent', () => {
    expect(() => createHttpTool({ ...entry, headers: { 'X-Token': 'a\nb' } })).toThrow(
      expect.objectContaining({ code: 'invalid_tools_config', details: expect.objectContaining({ path: 'headers.X-Token' }) }),
    );
  });

  it('POSTs the arguments as JSON with the headers, over a kept connection', async () => {
    const tool = live({}, (res) => json(res, 200, { id: 7 }));
    await expect(tool.execute({ email: 'a@b.com' }, ctx())).resolves.toEqual({ id: 7 });
    await expect(tool.execute({ email: 'c@d.com' }, ctx())).resolves.toEqual({ id: 7 });
    expect(service.received.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', '/lookup', '{"email":"a@b.com"}'],
      ['POST', '/lookup', '{"email":"c@d.com"}'],
    ]);
    expect(service.received[0]!.headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: 'Bearer t',
      'idempotency-key': 'e1:t1',
      'content-length': '19',
      connection: 'keep-alive',
    });
  });

  it("sends the call's idempotency key in place of a configured one, and its traceparent", async () => {
    const tool = live({ headers: { 'Idempotency-Key': 'fixed' } });
    await tool.execute({ email: 'x' }, { ...ctx(), idempotencyKey: 'run-1:call_9' });
    await tool.execute({ email: 'x' }, { ...ctx(), idempotencyKey: 'run-1:call_10', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(service.received.map((r) => r.headers['idempotency-key'])).toEqual(['run-1:call_9', 'run-1:call_10']);
    expect(service.received.map((r) => r.headers.traceparent)).toEqual([undefined, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']);
  });

  it('answers null for an empty 2xx body', async () => {
    await expect(live({}, (res) => res.writeHead(204).end()).execute({ email: 'x' }, ctx())).resolves.toBeNull();
  });

  it.each([
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [404, false],
  ])('maps status %i to http_error, retryable %s', async (status, retryable) => {
    const error = await Promise.resolve(live({}, (res) => res.writeHead(status).end('nope')).execute({ email: 'x' }, ctx())).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'http_error', retryable, details: { status } });
    expect((error as Error).message).toMatch(new RegExp(`^POST ${service.url}/lookup answered ${status} \\S`));
  });

  it('maps a refused connection to a retryable network_error that names the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await Promise.resolve(createHttpTool({ ...entry, url: `http://127.0.0.1:${port}/lookup` }).execute({ email: 'x' }, ctx())).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'network_error', retryable: true, message: expect.stringMatching(/^POST http:\/\/127\.0\.0\.1:\d+\/lookup failed: .*ECONNREFUSED/) });
  });

  it('maps a service that hangs up halfway through its answer to a retryable network_error', async () => {
    const tool = live({}, (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await expect(tool.execute({ email: 'x' }, ctx())).rejects.toMatchObject({ code: 'network_error', retryable: true });
  });

  it('sends the call again on a new connection when the kept one turns out closed, once per stale connection', async () => {
    // the service drops the connection of any request that reuses one (as a keep-alive that ran out just then)
    const served = new WeakSet<object>();
    const tool = live({}, (res) => {
      const socket = res.socket!;
      if (served.has(socket)) return void socket.destroy();
      served.add(socket);
      json(res, 200, { ok: true });
    });
    await expect(Promise.resolve(tool.execute({ email: 'x' }, ctx()))).resolves.toEqual({ ok: true });
    await expect(Promise.resolve(tool.execute({ email: 'y' }, { ...ctx(), idempotencyKey: 'e1:t2' }))).resolves.toEqual({ ok: true });
    expect(service.received.map((r) => [r.body, r.headers['idempotency-key']])).toEqual([
      ['{"email":"x"}', 'e1:t1'],
      ['{"email":"y"}', 'e1:t2'],
      ['{"email":"y"}', 'e1:t2'],
    ]);
  });

  it('does not send again when a new connection is dropped: that is the call failing', async () => {
    // a service of its own, so the connection is new (nothing kept for this port)
    let requests = 0;
    const dropper = createServer((req) => {
      requests++;
      req.socket.destroy();
    });
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    try {
      const tool = createHttpTool({ ...entry, url: `http://127.0.0.1:${(dropper.address() as AddressInfo).port}/lookup` });
      await expect(Promise.resolve(tool.execute({ email: 'x' }, ctx()))).rejects.toMatchObject({ code: 'network_error', retryable: true, message: expect.stringContaining('socket hang up') });
      expect(requests).toBe(1);
    } finally {
      await new Promise((resolve) => dropper.close(resolve));
    }
  });

  it('follows a 307/308 on the same origin with the same body and key; not a 302, nor another origin', async () => {
    const tool = live({}, (res) => {
      const path = service.received.at(-1)!.url;
      if (path === '/lookup') return void res.writeHead(307, { location: '/moved' }).end();
      if (path === '/moved') return void res.writeHead(308, { location: `${service.url}/final` }).end();
      if (path === '/final') return json(res, 200, { landed: true });
      res.writeHead(404).end();
    });
    await expect(Promise.resolve(tool.execute({ email: 'x' }, ctx()))).resolves.toEqual({ landed: true });
    expect(service.received.map((r) => [r.method, r.url, r.body, r.headers['idempotency-key']])).toEqual([
      ['POST', '/lookup', '{"email":"x"}', 'e1:t1'],
      ['POST', '/moved', '{"email":"x"}', 'e1:t1'],
      ['POST', '/final', '{"email":"x"}', 'e1:t1'],
    ]);
    const found = live({}, (res) => void res.writeHead(302, { location: '/elsewhere' }).end());
    await expect(Promise.resolve(found.execute({ email: 'x' }, ctx()))).rejects.toMatchObject({ code: 'http_error', details: { status: 302 } });
    const away = live({}, (res) => void res.writeHead(307, { location: 'http://example.invalid/steal' }).end());
    await expect(Promise.resolve(away.execute({ email: 'x' }, ctx()))).rejects.toMatchObject({ code: 'http_error', details: { status: 307 } });
    expect(service.received).toHaveLength(1);
  });

  it('stops the call when the signal is aborted, and lets the abort through rather than a network error', async () => {
    const controller = new AbortController();
    // the service never answers: only the abort ends the call
    const tool = live({}, () => controller.abort(new DOMException('The task timed out', 'TimeoutError')));
    const error = await Promise.resolve(tool.execute({ email: 'x' }, ctx(controller.signal))).catch((e: unknown) => e);
    expect(error).not.toMatchObject({ code: 'network_error' });
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(service.received).toHaveLength(1);
  });

  it('maps a 2xx body that is not JSON to tool_error', async () => {
    await expect(live({}, (res) => res.writeHead(200).end('<html>')).execute({ email: 'x' }, ctx())).rejects.toMatchObject({
      code: 'tool_error',
      retryable: false,
    });
  });
});
