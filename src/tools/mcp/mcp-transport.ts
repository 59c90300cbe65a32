import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerEntry } from '../tools-config-schema.js';
import type { McpLog } from './mcp-log.js';

/**
 * A fresh transport for one connection attempt: a child process for `command` (the SDK gives it PATH, HOME and a few
 * more of ours, plus the entry's `env`), Streamable HTTP for `url`. The child's stderr goes to our log, one line per
 * entry, so a server's complaints are seen without mixing into the gateway's own output.
 */
export function createMcpTransport(entry: McpServerEntry, log: McpLog): Transport {
  if (entry.command !== undefined) {
    const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: entry.env, cwd: entry.cwd, stderr: 'pipe' });
    const stderr = transport.stderr;
    if (stderr instanceof Readable) createInterface({ input: stderr }).on('line', (line) => log.info({ mcpServer: entry.name }, `MCP server ${entry.name}: ${line}`));
    return transport;
  }
  return new StreamableHTTPClientTransport(new URL(entry.url!), { requestInit: { headers: entry.headers } });
}
