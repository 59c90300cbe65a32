import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real tool service for the /api/chat tests and the benchmark: `POST /sleep/<ms>` answers after `ms`, `/fail`
 * answers 500 at once (not retried: the tools have no retry_count), `/hang` never answers. Every request is recorded
 * with its wall-clock times, so a test can see when a tool started and whether its caller went away.
 */

export interface ToolRequest {
  path: string;
  body: unknown;
  headers: IncomingMessage['headers'];
  /** `Date.now()` when the request's body had arrived. */
  receivedAt: number;
  /** `Date.now()` when the answer was sent; undefined when none was. */
  answeredAt?: number;
  /** The caller closed the connection before an answer was sent. */
  aborted: boolean;
  /** `Date.now()` when the connection closed, whoever closed it. */
  closedAt?: number;
  /** Resolves when the connection has closed. */
  closed: Promise<void>;
}

export interface ChatToolServer {
  url: string;
  requests: ToolRequest[];
  requestsTo(path: string): ToolRequest[];
  close(): Promise<void>;
}

export async function startChatToolServer(): Promise<ChatToolServer> {
  const requests: ToolRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let resolveClosed!: () => void;
      const record: ToolRequest = {
        path: req.url ?? '',
        headers: req.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
        receivedAt: Date.now(),
        aborted: false,
        closed: new Promise((resolve) => (resolveClosed = resolve)),
      };
      requests.push(record);
      res.on('close', () => {
        record.closedAt = Date.now();
        if (record.answeredAt === undefined) record.aborted = true;
        resolveClosed();
      });
      const answer = (status: number, body: unknown) => {
        record.answeredAt = Date.now();
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const sleep = /^\/sleep\/(\d+)$/.exec(record.path);
      if (sleep) {
        const ms = Number(sleep[1]);
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) answer(200, { sleptMs: ms, received: record.body });
        }, ms);
        timers.add(timer);
        res.on('close', () => clearTimeout(timer));
      } else if (record.path === '/fail') {
        answer(500, { error: 'the tool service is broken' });
      } else if (record.path !== '/hang') {
        answer(404, { error: `no route ${record.path}` });
      }
    });
  });
  // the load bench opens thousands of connections at once; the default backlog (511) would drop SYNs
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A tool of the test service: `ms` sleeps that long; `fail` answers 500; `hang` never answers. */
export interface ChatToolSpec {
  name: string;
  behaviour: { ms: number } | 'fail' | 'hang';
  /** A person must approve each call (`needs_approval: true` in TOOLS_CONFIG). */
  needs_approval?: boolean;
}

/**
 * Writes a TOOLS_CONFIG file for `specs`, each tool taking `{ note: string }` (its length sets how many argument
 * fragments the model streams). Returns the path and a cleanup.
 */
export async function writeToolsConfig(server: ChatToolServer, specs: ChatToolSpec[]): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sapflow-chat-tools-'));
  const path = join(dir, 'tools.json');
  const tools = specs.map((spec) => ({
    name: spec.name,
    description: `Test tool ${spec.name}`,
    url: `${server.url}${typeof spec.behaviour === 'string' ? `/${spec.behaviour}` : `/sleep/${spec.behaviour.ms}`}`,
    parameters: { type: 'object', properties: { note: { type: 'string' } }, required: ['note'] },
    timeout: 20,
    ...(spec.needs_approval ? { needs_approval: true } : {}),
  }));
  await writeFile(path, JSON.stringify({ tools }, null, 2));
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
