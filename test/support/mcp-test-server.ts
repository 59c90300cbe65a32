import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/**
 * The MCP server of the tests, written with the same SDK the gateway's client uses, served over stdio
 * (mcp-test-server-stdio.ts, a child process) or Streamable HTTP (mcp-test-server-http.ts, in the test's process):
 * - `echo` answers text and structured content, and records the call's `_meta`;
 * - `slow` sleeps `ms` in `steps`, reporting progress after each, and records it if the client cancels it;
 * - `fail` answers `isError: true`;
 * - `crash` ends its process (stdio) or drops the server (HTTP) without answering;
 * - `files.read_text` has a name MCP allows and OpenAI does not (`.`);
 * - `add_tool` / `remove_tool` change the list at run time, which sends `notifications/tools/list_changed`.
 */

export type McpTestRecord =
  | { type: 'call'; tool: string; args: unknown; meta: Record<string, unknown> | undefined }
  | { type: 'progress-sent'; tool: string; progress: number }
  | { type: 'cancelled'; tool: string; reason: string }
  | { type: 'finished'; tool: string };

export interface McpTestServerOptions {
  record(entry: McpTestRecord): void;
  crash(): void;
}

export function createMcpTestServer({ record, crash }: McpTestServerOptions): McpServer {
  const server = new McpServer({ name: 'sapflow-test-docs', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
  const added = new Map<string, ReturnType<McpServer['registerTool']>>();

  server.registerTool(
    'echo',
    {
      description: 'Echo the text back',
      inputSchema: { text: z.string().describe('what to echo') },
      outputSchema: { echoed: z.string(), length: z.number() },
    },
    async ({ text }, extra) => {
      record({ type: 'call', tool: 'echo', args: { text }, meta: extra._meta as Record<string, unknown> | undefined });
      return { content: [{ type: 'text', text: `echo: ${text}` }], structuredContent: { echoed: text, length: text.length } };
    },
  );

  server.registerTool(
    'slow',
    { description: 'Work for a while, reporting progress', inputSchema: { ms: z.number().int().min(0), steps: z.number().int().min(1).default(4) } },
    async ({ ms, steps }, extra) => {
      record({ type: 'call', tool: 'slow', args: { ms, steps }, meta: extra._meta as Record<string, unknown> | undefined });
      const token = extra._meta?.progressToken;
      // progress comes before each step's wait, not after: the SDK client drops a notification that arrives together
      // with the result (it handles notifications a microtask later, when the request's progress handler is gone)
      for (let step = 0; step < steps; step += 1) {
        if (token !== undefined) {
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: step, total: steps, message: `step ${step + 1} of ${steps}` } });
          record({ type: 'progress-sent', tool: 'slow', progress: step });
        }
        const stopped = await sleep(ms / steps, extra.signal);
        if (stopped) {
          record({ type: 'cancelled', tool: 'slow', reason: String(extra.signal.reason) });
          throw new Error('cancelled');
        }
      }
      record({ type: 'finished', tool: 'slow' });
      return { content: [{ type: 'text', text: `worked ${ms} ms in ${steps} steps` }] };
    },
  );

  server.registerTool('fail', { description: 'Always fails', inputSchema: {} }, async () => ({
    isError: true,
    content: [{ type: 'text', text: 'the document store is offline' }],
  }));

  server.registerTool('crash', { description: 'Ends the server without answering', inputSchema: {} }, async (_args, extra) => {
    record({ type: 'call', tool: 'crash', args: {}, meta: extra._meta as Record<string, unknown> | undefined });
    crash();
    return new Promise<never>(() => {});
  });

  server.registerTool('files.read_text', { description: 'Read a file (a name with a dot)', inputSchema: { path: z.string() } }, async ({ path }) => ({
    content: [{ type: 'text', text: `contents of ${path}` }],
  }));

  server.registerTool('add_tool', { description: 'Add a tool named `name`', inputSchema: { name: z.string() } }, async ({ name }) => {
    added.set(name, server.registerTool(name, { description: `Added at run time: ${name}`, inputSchema: { n: z.number() } }, async ({ n }) => ({
      content: [{ type: 'text', text: `${name}(${n})` }],
    })));
    return { content: [{ type: 'text', text: `added ${name}` }] };
  });

  server.registerTool('remove_tool', { description: 'Remove the tool named `name`', inputSchema: { name: z.string() } }, async ({ name }) => {
    added.get(name)?.remove();
    added.delete(name);
    return { content: [{ type: 'text', text: `removed ${name}` }] };
  });

  return server;
}

/** Resolves true when the signal aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
