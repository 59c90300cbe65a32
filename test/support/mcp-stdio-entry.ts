import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { McpServerEntry } from '../../src/tools/index.js';
import type { McpTestRecord } from './mcp-test-server.js';

const STDIO_SERVER = fileURLToPath(new URL('./mcp-test-server-stdio.ts', import.meta.url));

/** The stdio test server as an `mcp_servers` entry: this Node with tsx's loader, recording into `logFile`. */
export function stdioTestEntry(logFile: string, extra: Partial<McpServerEntry> = {}): McpServerEntry {
  return { name: 'docs', command: process.execPath, args: ['--import', 'tsx', STDIO_SERVER], env: { MCP_TEST_LOG: logFile }, ...extra };
}

/** What the stdio test server recorded so far (with the pid of the process that saw it). */
export async function readStdioRecords(logFile: string): Promise<Array<McpTestRecord & { pid: number }>> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as McpTestRecord & { pid: number });
}

/** Polls until `check` holds (or throws after `timeoutMs`): for things another process does in its own time. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
