import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpTestServer, type McpTestRecord } from './mcp-test-server.js';

export interface McpHttpTestServer {
  /** `http://127.0.0.1:<port>/mcp` */
  url: string;
  port: number;
  records: McpTestRecord[];
  /** Headers of every request, to check the entry's `headers` were sent. */
  headers: Array<Record<string, string | string[] | undefined>>;
  close(): Promise<void>;
}

/**
 * The test MCP server over Streamable HTTP in this process, one SDK server per session (the SDK's stateful
 * pattern). `port` lets a test bring it up where a gateway has been failing to reach it; `crash` drops every
 * session and stops listening.
 */
export async function startMcpHttpTestServer({ port = 0 }: { port?: number } = {}): Promise<McpHttpTestServer> {
  const records: McpTestRecord[] = [];
  const headers: McpHttpTestServer['headers'] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const closeAll = async () => {
    await Promise.all([...sessions.values()].map((transport) => transport.close().catch(() => {})));
    sessions.clear();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };

  const http: Server = createServer(async (req, res) => {
    headers.push({ ...req.headers });
    if (!req.url?.startsWith('/mcp')) {
      res.writeHead(404).end();
      return;
    }
    const id = req.headers['mcp-session-id'];
    const known = typeof id === 'string' ? sessions.get(id) : undefined;
    if (typeof id === 'string' && !known) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
      return;
    }
    let transport = known;
    if (!transport) {
      const fresh: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, fresh),
      });
      fresh.onclose = () => {
        if (fresh.sessionId) sessions.delete(fresh.sessionId);
      };
      const server = createMcpTestServer({ record: (entry) => records.push(entry), crash: () => void closeAll() });
      await server.connect(fresh);
      transport = fresh;
    }
    await transport.handleRequest(req, res);
  });
  http.listen(port, '127.0.0.1');
  await once(http, 'listening');
  const bound = (http.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${bound}/mcp`, port: bound, records, headers, close: closeAll };
}
