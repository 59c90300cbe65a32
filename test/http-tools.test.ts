import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpTool, loadToolsConfig, type Tool, type ToolContext } from '../src/tools/index.js';

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
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await once(closed, 'close');
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
