import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ToolCallRecord {
  tool: string;
  body: unknown;
}

/**
 * HTTP tools for CLI tests, on a real local port: `echo` answers `{ received: <arguments> }`, `reject` answers 400
 * (not retryable), `slow` answers after `ms` - or never, if the caller goes away first. Calls are recorded.
 */
export async function startToolServer(): Promise<{ url: string; calls: ToolCallRecord[]; close(): Promise<void> }> {
  const calls: ToolCallRecord[] = [];
  const server: Server = createServer(async (req, res) => {
    const tool = req.url?.replace(/^\/tools\//, '') ?? '';
    const body = JSON.parse((await readBody(req)) || 'null') as Record<string, unknown>;
    calls.push({ tool, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (tool === 'echo') return json(200, { received: body });
    if (tool === 'reject') return json(400, { error: 'rejected on purpose' });
    if (tool === 'slow') {
      const timer = setTimeout(() => json(200, { slept: body.ms }), Number(body.ms));
      res.on('close', () => clearTimeout(timer));
      return;
    }
    json(404, { error: `no tool ${tool}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TOOLS_CONFIG file's text for the three tools of `startToolServer`. */
export function toolsConfigFor(url: string): string {
  const tool = (name: string, description: string) =>
    [`  - name: ${name}`, `    description: ${description}`, '    parameters: { type: object }', `    url: ${url}/tools/${name}`, '    timeout: 20'].join('\n');
  return ['tools:', tool('echo', 'Echoes its arguments'), tool('reject', 'Always answers 400'), tool('slow', 'Answers after ms milliseconds')].join('\n');
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}
