import { appendFileSync } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpTestServer } from './mcp-test-server.js';

/**
 * The test MCP server as a child process on stdio (`node --import tsx mcp-test-server-stdio.ts`). What it sees is
 * appended as JSON lines to MCP_TEST_LOG (which also proves the entry's `env` reached it); `crash` exits with 3.
 */
const logFile = process.env.MCP_TEST_LOG;
const server = createMcpTestServer({
  record: (entry) => {
    if (logFile) appendFileSync(logFile, `${JSON.stringify({ ...entry, pid: process.pid })}\n`);
  },
  crash: () => process.exit(3),
});
await server.connect(new StdioServerTransport());
process.stderr.write(`test MCP server up (pid ${process.pid})\n`);
