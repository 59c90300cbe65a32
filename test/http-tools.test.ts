import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/streams/engine.js';
import type { TaskFailedEvent } from '../src/protocol/index.js';
import { runToolCall, type ToolCallEvent } from '../src/streams/run-tool-call.js';
import { createHttpTool, loadToolsConfig, type HttpToolEntry, type Tool, type ToolContext } from '../src/tools/index.js';
import { closedPort } from './support/closed-port.js';

interface Call {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Resolves when the client went away before an answer was sent (true) or after it (false). */
  closed: Promise<boolean>;
}
type Route = (call: Call, res: ServerResponse) => void;

/** A real tool service on 127.0.0.1:<random port>; each path answers as its route says and every call is recorded. */
class ToolServer {
  readonly calls: Call[] = [];
  readonly routes = new Map<string, Route>();
  private server: Server = createServer((req, res) => void this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  callsTo(path: string): Call[] {
    return this.calls.filter((call) => call.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const closed = new Promise<boolean>((resolve) => res.on('close', () => resolve(!res.writableFinished)));
    const call: Call = {
      path: req.url ?? '',
      method: req.method ?? '',
      headers: req.headers,
      body: text === '' ? undefined : JSON.parse(text),
      closed,
    };
    this.calls.push(call);
    const route = this.routes.get(call.path);
    if (route) route(call, res);
    else res.writeHead(404).end();
  }
}

const json = (status: number, body: unknown): Route => (_call, res) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const hang: Route = () => {};

const server = new ToolServer();
let dir: string;
beforeAll(async () => {
  await server.start();
  dir = await mkdtemp(join(tmpdir(), 'sapflow-http-tools-'));
  server.routes.set('/echo', (call, res) => json(200, { received: call.body })(call, res));
  server.routes.set('/unavailable', json(503, { error: 'down' }));
  server.routes.set('/bad-request', json(400, { error: 'bad' }));
  server.routes.set('/html', (_call, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hi</h1>'));
  server.routes.set('/hang', hang);
});
afterEach(() => {
  server.calls.length = 0;
});
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const ctx = (signal: AbortSignal = new AbortController().signal): ToolContext => ({
  signal,
  progress: () => {},
  user: 'local',
  executionId: 'e1',
  taskId: 't1',
  idempotencyKey: 'e1:t1',
});

const httpTool = (path: string, url = `${server.url}${path}`): Tool =>
  createHttpTool({
    name: path.slice(1).replace(/[^A-Za-z0-9_-]/g, '_'),
    description: `Calls ${path}`,
    parameters: { type: 'object', properties: { email: { type: 'string' } } },
    url,
  });

/** `execute` is typed for values, Promises and Observables; an HTTP tool always answers a Promise. */
const call = (tool: Tool, args: unknown, context = ctx()): Promise<unknown> => Promise.resolve(tool.execute(args, context));
const failureOf = (promise: Promise<unknown>): Promise<any> =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );

describe('HTTP tools against a real server', () => {
  it('POSTs the arguments as JSON and answers the JSON body', async () => {
    await expect(call(httpTool('/echo'), { email: 'a@b.com' })).resolves.toEqual({ received: { email: 'a@b.com' } });
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({ method: 'POST', path: '/echo' });
    expect(server.calls[0]!.headers['content-type']).toBe('application/json');
  });

  it('sends the configured headers with ${env.X} filled in', async () => {
    const path = join(dir, 'tools.yaml');
    await writeFile(
      path,
      [
        'tools:',
        '  - name: lookup_client',
        '    description: Look up a client by email',
        '    parameters: { type: object, properties: { email: { type: string } }, required: [email] }',
        `    url: "\${env.TOOLS_BASE}/echo"`,
        '    headers: { Authorization: "Bearer ${env.TOOLS_TOKEN}", X-Firm: acme }',
      ].join('\n'),
    );
    const [tool] = await loadToolsConfig(path, { env: { TOOLS_BASE: server.url, TOOLS_TOKEN: 's3cret' } });
    await expect(call(tool!, { email: 'a@b.com' })).resolves.toEqual({ received: { email: 'a@b.com' } });
    expect(server.calls[0]!.headers).toMatchObject({ authorization: 'Bearer s3cret', 'x-firm': 'acme' });
  });

  it('turns 503 into a retryable http_error with the status', async () => {
    const error = await failureOf(call(httpTool('/unavailable'), {}));
    expect(error).toMatchObject({ code: 'http_error', retryable: true, details: { status: 503 } });
    expect(error.message).toBe(`POST ${server.url}/unavailable answered 503 Service Unavailable`);
  });

  it('turns 400 into a non-retryable http_error', async () => {
    const error = await failureOf(call(httpTool('/bad-request'), {}));
    expect(error).toMatchObject({ code: 'http_error', retryable: false, details: { status: 400 } });
    expect(error.message).toBe(`POST ${server.url}/bad-request answered 400 Bad Request`);
  });

  it('turns a refused connection into a retryable network_error', async () => {
    const port = await closedPort();
    const error = await failureOf(call(httpTool('/gone', `http://127.0.0.1:${port}/gone`), {}));
    expect(error).toMatchObject({ code: 'network_error', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('turns a 2xx body that is not JSON into tool_error', async () => {
    await expect(call(httpTool('/html'), {})).rejects.toMatchObject({ code: 'tool_error', retryable: false });
  });

  it('aborts the request on the server when the signal is aborted', async () => {
    const controller = new AbortController();
    const pending = failureOf(call(httpTool('/hang'), {}, ctx(controller.signal)));
    await expect.poll(() => server.callsTo('/hang').length).toBe(1);
    controller.abort();
    expect((await pending).name).toBe('AbortError');
    await expect(server.callsTo('/hang')[0]!.closed).resolves.toBe(true);
  });
});

/** Answers 503 `failures` times, then 200 with `{ ok: true }`. */
const flaky = (failures: number): Route => {
  let seen = 0;
  return (call, res) => (seen++ < failures ? json(503, { error: 'down' }) : json(200, { ok: true }))(call, res);
};

describe('HTTP tools through runToolCall (validation, breaker, hard timeout, retry)', () => {
  // a fresh engine per test: breakers are per process, and zero jitter keeps retries quick and exact
  let engine: Engine;
  afterEach(() => {
    for (const path of [...server.routes.keys()]) if (path.startsWith('/it-')) server.routes.delete(path);
  });

  const tool = (path: string, extra: Partial<HttpToolEntry> = {}, url = `${server.url}${path}`): Tool =>
    createHttpTool({
      name: path.slice(1),
      description: `Calls ${path}`,
      parameters: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] },
      url,
      ...extra,
    });

  const run = (target: Tool, args: unknown = { email: 'a@b.com' }): Promise<ToolCallEvent[]> =>
    lastValueFrom(
      runToolCall({ executionId: 'e1', taskId: 't1', toolName: target.name, tool: target, args, user: 'local' }, engine).pipe(toArray()),
    );
  const types = (events: ToolCallEvent[]) => events.map((e) => (e.type === 'circuit-breaker' ? `breaker:${e.state}` : e.type));
  const lastFailure = (events: ToolCallEvent[]) => events.at(-1) as TaskFailedEvent;

  beforeEach(() => {
    engine = createEngine({ backoff: { random: () => 0 } });
  });

  it('retries 503 and succeeds on the third attempt', async () => {
    server.routes.set('/it-flaky', flaky(2));
    const events = await run(tool('/it-flaky', { retry_count: 2 }));
    expect(types(events)).toEqual(['task-start', 'task-retry', 'task-start', 'task-retry', 'task-start', 'task-complete']);
    expect(events[1]).toMatchObject({ attempt: 1, error: { code: 'http_error', status: 503 } });
    expect(events.at(-1)).toMatchObject({ type: 'task-complete', result: { ok: true }, attempts: 3 });
    expect(server.callsTo('/it-flaky')).toHaveLength(3);
  });

  it('sends the same Idempotency-Key on every attempt of a retried call', async () => {
    server.routes.set('/it-keyed', flaky(1));
    const events = await run(tool('/it-keyed', { retry_count: 1 }));
    expect(types(events)).toEqual(['task-start', 'task-retry', 'task-start', 'task-complete']);
    const keys = server.callsTo('/it-keyed').map((call) => call.headers['idempotency-key']);
    expect(keys).toEqual(['e1:t1', 'e1:t1']);
  });

  it('gives up after retry_count retries of a 503', async () => {
    server.routes.set('/it-down', json(503, { error: 'down' }));
    const events = await run(tool('/it-down', { retry_count: 1 }));
    expect(lastFailure(events)).toMatchObject({ type: 'task-failed', attempts: 2, error: { code: 'http_error', status: 503 } });
    expect(server.callsTo('/it-down')).toHaveLength(2);
  });

  it('does not retry a 400', async () => {
    server.routes.set('/it-bad', json(400, { error: 'bad' }));
    const events = await run(tool('/it-bad', { retry_count: 3 }));
    expect(types(events)).toEqual(['task-start', 'task-failed']);
    expect(lastFailure(events)).toMatchObject({ attempts: 1, error: { code: 'http_error', status: 400 } });
    expect(server.callsTo('/it-bad')).toHaveLength(1);
  });

  it('retries a refused connection as a network_error', async () => {
    const port = await closedPort();
    const events = await run(tool('/it-gone', { retry_count: 1 }, `http://127.0.0.1:${port}/it-gone`));
    expect(types(events)).toEqual(['task-start', 'task-retry', 'task-start', 'task-failed']);
    expect(lastFailure(events)).toMatchObject({ attempts: 2, error: { code: 'network_error' } });
  });

  it('rejects arguments that break the JSON Schema without calling the server', async () => {
    server.routes.set('/it-strict', json(200, {}));
    const events = await run(tool('/it-strict'), { email: 42 });
    expect(lastFailure(events)).toMatchObject({ type: 'task-failed', attempts: 0, error: { code: 'invalid_arguments' } });
    expect(server.callsTo('/it-strict')).toHaveLength(0);
  });

  it('times out a hanging server and aborts the request it is holding', async () => {
    server.routes.set('/it-hang', hang);
    const events = await run(tool('/it-hang', { timeout: 0.2 }));
    expect(types(events)).toEqual(['task-start', 'task-failed']);
    expect(lastFailure(events)).toMatchObject({ error: { code: 'timeout' }, attempts: 1 });
    expect(lastFailure(events).durationMs).toBeGreaterThanOrEqual(200);
    const [held] = server.callsTo('/it-hang');
    await expect(held!.closed).resolves.toBe(true);
  });

  it('opens the breaker after consecutive failures and does not call the server while open, then probes', async () => {
    let healthy = false;
    server.routes.set('/it-breaker', (call, res) => (healthy ? json(200, { ok: true }) : json(503, { error: 'down' }))(call, res));
    const target = tool('/it-breaker', { circuit_breaker: { failure_threshold: 2, reset_timeout: 0.3 } });

    expect(types(await run(target))).toEqual(['task-start', 'task-failed']);
    expect(types(await run(target))).toEqual(['task-start', 'breaker:open', 'task-failed']);
    const whileOpen = await run(target);
    expect(types(whileOpen)).toEqual(['task-failed']);
    expect(lastFailure(whileOpen).error.code).toBe('circuit_open');
    expect(server.callsTo('/it-breaker')).toHaveLength(2);

    healthy = true;
    await new Promise((resolve) => setTimeout(resolve, 350));
    const probe = await run(target);
    expect(types(probe)).toEqual(['breaker:half-open', 'task-start', 'breaker:closed', 'task-complete']);
    expect(server.callsTo('/it-breaker')).toHaveLength(3);
  });
});
