import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEngine, runToolCall, type ToolCallEvent } from '../src/streams/index.js';
import { createToolRegistry, type ToolRegistry } from '../src/tools/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createMcpServerSet, IDEMPOTENCY_META_KEY, type McpServerSet } from '../src/tools/mcp/index.js';
import { createMcpTransport } from '../src/tools/mcp/mcp-transport.js';
import { closedPort } from './support/closed-port.js';
import { eventually, readStdioRecords, stdioTestEntry } from './support/mcp-stdio-entry.js';
import { startMcpHttpTestServer, type McpHttpTestServer } from './support/mcp-test-server-http.js';

/** The MCP tool source against the test server (same SDK) over a real child process and real HTTP, through the real pipeline. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sapflow-mcp-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((x) => x.close()));
});

const log = { info: () => {}, warn: () => {} };
let fileNo = 0;

async function stdioSet(extra: Parameters<typeof stdioTestEntry>[1] = {}): Promise<{ set: McpServerSet; tools: ToolRegistry; logFile: string }> {
  const logFile = join(dir, `records-${(fileNo += 1)}.jsonl`);
  const tools = createToolRegistry([]);
  const set = createMcpServerSet({ entries: [stdioTestEntry(logFile, extra)], registry: tools, log });
  opened.push(set);
  await set.start();
  return { set, tools, logFile };
}

const call = (tools: ToolRegistry, name: string, args: unknown, extra: { taskId?: string; timeout?: number } = {}) => ({
  executionId: 'run-1', taskId: extra.taskId ?? 't1', toolName: name, tool: tools.get(name), args, user: 'local', timeout: extra.timeout,
});

const run = (events: ReturnType<typeof runToolCall>): Promise<ToolCallEvent[]> => lastValueFrom(events.pipe(toArray()));

describe('MCP servers as a tool source (stdio)', () => {
  it('lists the server tools as <server>__<tool> with their JSON Schema, and validates arguments with it', async () => {
    const { set, tools } = await stdioSet({ needs_approval: false, tools: { crash: { needs_approval: true } } });
    expect(tools.list().map((t) => t.name).sort()).toEqual(
      ['docs__add_tool', 'docs__crash', 'docs__echo', 'docs__fail', 'docs__files_read_text', 'docs__remove_tool', 'docs__slow'],
    );
    const echo = tools.toModelTools().find((t) => t.name === 'docs__echo')!;
    expect(echo).toMatchObject({
      description: 'Echo the text back',
      parameters: { type: 'object', properties: { text: { type: 'string', description: 'what to echo' } }, required: ['text'] },
    });
    expect(tools.get('docs__echo')!.parameters.safeParse({ text: 'hi' }).success).toBe(true);
    expect(tools.get('docs__echo')!.parameters.safeParse({ text: 3 }).success).toBe(false);
    expect(tools.get('docs__crash')!.needs_approval).toBe(true);
    expect(tools.get('docs__echo')!.needs_approval).toBeFalsy();
    expect(set.health()).toEqual([{ name: 'docs', transport: 'stdio', status: 'ready', tools: 7, restarts: 0 }]);

    const invalid = await run(runToolCall(call(tools, 'docs__echo', { text: 3 }), createEngine()));
    expect(invalid.at(-1)).toMatchObject({ type: 'task-failed', error: { code: 'invalid_arguments' } });
  });

  it('calls a tool: text and structured content both come back, with the idempotency key in _meta', async () => {
    const { tools, logFile } = await stdioSet();
    const events = await run(runToolCall(call(tools, 'docs__echo', { text: 'hello' }, { taskId: 'call_7' }), createEngine()));
    expect(events.at(-1)).toMatchObject({ type: 'task-complete', result: { text: 'echo: hello', structuredContent: { echoed: 'hello', length: 5 } } });
    const [seen] = (await readStdioRecords(logFile)).filter((r) => r.type === 'call');
    expect(seen).toMatchObject({ tool: 'echo', args: { text: 'hello' }, meta: { [IDEMPOTENCY_META_KEY]: 'run-1:call_7' } });
    // the name the server knows, not ours
    const read = await run(runToolCall(call(tools, 'docs__files_read_text', { path: 'a.txt' }), createEngine()));
    expect(read.at(-1)).toMatchObject({ type: 'task-complete', result: { text: 'contents of a.txt' } });
  });

  it('turns the server progress notifications into task-progress events', async () => {
    const { tools } = await stdioSet();
    const events = await run(runToolCall(call(tools, 'docs__slow', { ms: 300, steps: 3 }), createEngine()));
    expect(events.filter((e) => e.type === 'task-progress').map((e) => e.type === 'task-progress' && e.data)).toEqual([
      { progress: 0, total: 3, message: 'step 1 of 3' },
      { progress: 1, total: 3, message: 'step 2 of 3' },
      { progress: 2, total: 3, message: 'step 3 of 3' },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'task-complete', result: { text: 'worked 300 ms in 3 steps' } });
  });

  it('a timeout cancels the call on the server (notifications/cancelled), and so does unsubscribing', async () => {
    const { tools, logFile } = await stdioSet();
    const events = await run(runToolCall(call(tools, 'docs__slow', { ms: 5000, steps: 50 }, { timeout: 0.4 }), createEngine()));
    expect(events.at(-1)).toMatchObject({ type: 'task-failed', error: { code: 'timeout' } });
    await eventually(async () => (await readStdioRecords(logFile)).find((r) => r.type === 'cancelled'), 5000, 'the server to see the cancellation');

    // a client that goes away is an unsubscribe
    const subscription = runToolCall(call(tools, 'docs__slow', { ms: 5000, steps: 50 }, { taskId: 't2' }), createEngine()).subscribe();
    await eventually(async () => (await readStdioRecords(logFile)).filter((r) => r.type === 'call').length === 2 || undefined, 5000, 'the second call');
    subscription.unsubscribe();
    const cancels = await eventually(async () => {
      const found = (await readStdioRecords(logFile)).filter((r) => r.type === 'cancelled');
      return found.length === 2 ? found : undefined;
    }, 5000, 'the second cancellation');
    expect(cancels.map((c) => c.tool)).toEqual(['slow', 'slow']);
    expect((await readStdioRecords(logFile)).some((r) => r.type === 'finished')).toBe(false);
  });

  it('an isError result is a tool error value with the server text', async () => {
    const { tools } = await stdioSet({ retry_count: 2 });
    const events = await run(runToolCall(call(tools, 'docs__fail', {}), createEngine()));
    expect(events.map((e) => e.type)).toEqual(['task-start', 'task-failed']);
    expect(events.at(-1)).toMatchObject({ error: { code: 'tool_error', message: 'docs__fail failed: the document store is offline' }, attempts: 1 });
  });

  it('a crashed server: its tools fail fast with tool_unavailable, it restarts within a second or so, and works again with the breaker closed', async () => {
    const { set, tools, logFile } = await stdioSet({ circuit_breaker: { failure_threshold: 1, reset_timeout: 60 } });
    const engine = createEngine();
    const crashed = await run(runToolCall(call(tools, 'docs__crash', {}), engine));
    expect(crashed.at(-1)).toMatchObject({ type: 'task-failed', error: { code: 'tool_unavailable' } });
    const downAt = Date.now();
    expect(set.health()[0]!.status).not.toBe('ready');

    const meanwhile = Date.now();
    const during = await run(runToolCall(call(tools, 'docs__echo', { text: 'x' }, { taskId: 't2' }), engine));
    expect(during.at(-1)).toMatchObject({ type: 'task-failed', error: { code: 'tool_unavailable' } });
    expect(Date.now() - meanwhile).toBeLessThan(1_000); // fails fast: no waiting for the 30 s timeout (a loose bound for a busy machine)

    await eventually(() => set.health()[0]!.status === 'ready' || undefined, 15_000, 'the restart');
    const restartMs = Date.now() - downAt;
    const back = await run(runToolCall(call(tools, 'docs__echo', { text: 'back' }, { taskId: 't3' }), engine));
    expect(back.at(-1)).toMatchObject({ type: 'task-complete', result: { text: 'echo: back' } });
    expect(engine.breakers.states()).toMatchObject({ docs__crash: 'closed', docs__echo: 'closed' });
    expect(set.health()[0]).toMatchObject({ status: 'ready', restarts: 1, tools: 7 });
    const pids = new Set((await readStdioRecords(logFile)).map((r) => r.pid));
    expect(pids.size).toBe(2);
    // the first restart is tried after 250 ms; the rest is Node and tsx starting the child on a busy machine
    console.log(`MCP stdio server back ${restartMs} ms after its crash`);
  });

  it('re-lists on notifications/tools/list_changed: added tools appear, removed ones go', async () => {
    const { tools } = await stdioSet();
    const ctx = { signal: new AbortController().signal, progress: () => {}, user: 'local', executionId: 'e', taskId: 't', idempotencyKey: 'e:t' };
    await tools.get('docs__add_tool')!.execute({ name: 'late' }, ctx);
    await eventually(() => tools.has('docs__late') || undefined, 5000, 'docs__late to be listed');
    expect(tools.toModelTools().find((t) => t.name === 'docs__late')).toMatchObject({ description: 'Added at run time: late' });
    const events = await run(runToolCall(call(tools, 'docs__late', { n: 4 }), createEngine()));
    expect(events.at(-1)).toMatchObject({ type: 'task-complete', result: { text: 'late(4)' } });
    await tools.get('docs__remove_tool')!.execute({ name: 'late' }, ctx);
    await eventually(() => !tools.has('docs__late') || undefined, 5000, 'docs__late to go');
    expect(tools.list()).toHaveLength(7);
  });

  it('close() stops the child process and retries no more', async () => {
    const { set, tools, logFile } = await stdioSet();
    await run(runToolCall(call(tools, 'docs__echo', { text: 'x' }), createEngine()));
    const [{ pid }] = await readStdioRecords(logFile);
    expect(() => process.kill(pid, 0)).not.toThrow();
    await set.close();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(set.health()[0]!.status).toBe('closed');
  });
});

describe('MCP server lifecycle', () => {
  it('close() while the child is still starting stops it too', async () => {
    let transport: StdioClientTransport | undefined;
    const set = createMcpServerSet({
      entries: [stdioTestEntry(join(dir, 'starting.jsonl'))],
      registry: createToolRegistry([]),
      log,
      connection: { createTransport: (entry, l) => (transport = createMcpTransport(entry, l) as StdioClientTransport) },
    });
    const starting = set.start();
    const pid = await eventually(() => transport?.pid ?? undefined, 5000, 'the child to be spawned');
    expect(set.health()[0]!.status).toBe('connecting');
    await set.close();
    // gone when close() resolves, not only once the handshake would have finished
    expect(() => process.kill(pid, 0)).toThrow();
    await starting;
    expect(set.health()[0]).toMatchObject({ status: 'closed', tools: 0 });
  });
});

describe('MCP tool names that do not fit', () => {
  it('registers what fits, and says in the log and health which tools were skipped and why', async () => {
    const remote = new McpServer({ name: 'odd-names', version: '1.0.0' });
    const answer = async () => ({ content: [{ type: 'text' as const, text: 'ok' }] });
    remote.registerTool('a.b', { inputSchema: {} }, answer);
    remote.registerTool('a_b', { inputSchema: {} }, answer); // a.b is x__a_b already
    remote.registerTool('y'.repeat(62), { inputSchema: {} }, answer); // x__ + 62 > 64
    remote.registerTool('taken', { inputSchema: {} }, answer); // x__taken is a tool registered otherwise (a test's extra tool)
    const warnings: string[] = [];
    const tools = createToolRegistry([{ name: 'x__taken', description: 'not the server one', parameters: z.object({}), execute: () => 'mine' }]);
    const set = createMcpServerSet({
      entries: [{ name: 'x', url: 'http://127.0.0.1:1/unused' }],
      registry: tools,
      log: { info: () => {}, warn: (_f, message) => warnings.push(message) },
      connection: {
        createTransport: () => {
          const [client, server] = InMemoryTransport.createLinkedPair();
          void remote.connect(server);
          return client;
        },
      },
    });
    opened.push(set);
    await set.start();
    expect(tools.list().map((t) => t.name)).toEqual(['x__taken', 'x__a_b']);
    expect(tools.get('x__taken')!.description).toBe('not the server one');
    expect(set.health()[0]!.skipped).toEqual([
      { tool: 'a_b', reason: 'x__a_b is already the name of another tool of this server' },
      { tool: 'y'.repeat(62), reason: `x__${'y'.repeat(62)} is longer than the 64 characters a tool name may have` },
      { tool: 'taken', reason: 'x__taken is already the name of another tool' },
    ]);
    expect(warnings).toEqual([
      'MCP server x: tool "a_b" not registered: x__a_b is already the name of another tool of this server',
      `MCP server x: tool "${'y'.repeat(62)}" not registered: x__${'y'.repeat(62)} is longer than the 64 characters a tool name may have`,
      'MCP server x: tool "taken" not registered: x__taken is already the name of another tool',
    ]);
    // the call goes out under the server's own name
    const events = await run(runToolCall(call(tools, 'x__a_b', {}), createEngine()));
    expect(events.at(-1)).toMatchObject({ type: 'task-complete', result: { text: 'ok' } });
  });
});

describe('MCP servers as a tool source (Streamable HTTP)', () => {
  let server: McpHttpTestServer;
  afterEach(async () => {
    await server?.close();
  });

  it('lists, calls with the configured headers, reports progress and cancels on the server', async () => {
    server = await startMcpHttpTestServer();
    const tools = createToolRegistry([]);
    const set = createMcpServerSet({ entries: [{ name: 'crm', url: server.url, headers: { Authorization: 'Bearer t0ken' } }], registry: tools, log });
    opened.push(set);
    await set.start();
    expect(set.health()).toEqual([{ name: 'crm', transport: 'http', status: 'ready', tools: 7, restarts: 0 }]);
    const echoed = await run(runToolCall(call(tools, 'crm__echo', { text: 'over http' }), createEngine()));
    expect(echoed.at(-1)).toMatchObject({ type: 'task-complete', result: { text: 'echo: over http', structuredContent: { echoed: 'over http' } } });
    expect(server.headers.every((h) => h.authorization === 'Bearer t0ken')).toBe(true);

    const slow = await run(runToolCall(call(tools, 'crm__slow', { ms: 4000, steps: 20 }, { timeout: 0.5 }), createEngine()));
    expect(slow.some((e) => e.type === 'task-progress')).toBe(true);
    expect(slow.at(-1)).toMatchObject({ type: 'task-failed', error: { code: 'timeout' } });
    await eventually(() => server.records.find((r) => r.type === 'cancelled'), 5000, 'the HTTP server to see the cancellation');
  });

  it('a server unreachable at start is reported and retried in the background; its tools fail fast until it is up', async () => {
    const port = await closedPort();
    const tools = createToolRegistry([], { resolveMissing: (name) => set.placeholder(name) });
    const warnings: string[] = [];
    const set: McpServerSet = createMcpServerSet({
      entries: [{ name: 'crm', url: `http://127.0.0.1:${port}/mcp` }],
      registry: tools,
      log: { info: () => {}, warn: (_f, message) => warnings.push(message) },
    });
    opened.push(set);
    await set.start();
    expect(set.health()[0]).toMatchObject({ name: 'crm', status: 'down', tools: 0, error: expect.stringMatching(/fetch failed|ECONNREFUSED/) });
    expect(warnings[0]).toMatch(/^MCP server crm: not reachable \(.*\); trying again in 250 ms$/);
    // a template may name its tools; a call fails fast, not as unknown_tool
    expect(tools.has('crm__echo')).toBe(true);
    expect(tools.list()).toHaveLength(0);
    const early = await run(runToolCall(call(tools, 'crm__echo', { text: 'x' }), createEngine()));
    expect(early.at(-1)).toMatchObject({ type: 'task-failed', error: { code: 'tool_unavailable' } });

    server = await startMcpHttpTestServer({ port });
    await eventually(() => set.health()[0]!.status === 'ready' || undefined, 15_000, 'the background retry to reach it');
    const later = await run(runToolCall(call(tools, 'crm__echo', { text: 'up' }), createEngine()));
    expect(later.at(-1)).toMatchObject({ type: 'task-complete', result: { text: 'echo: up' } });
    expect(tools.has('crm__nonexistent')).toBe(false);
  });

  it('an HTTP server that goes away and comes back: tool_unavailable meanwhile, a new session after', async () => {
    server = await startMcpHttpTestServer();
    const tools = createToolRegistry([]);
    const set = createMcpServerSet({ entries: [{ name: 'crm', url: server.url }], registry: tools, log });
    opened.push(set);
    await set.start();
    // the server drops everything mid-call: nothing answers that call, so the pipeline's deadline ends it
    const cut = await run(runToolCall(call(tools, 'crm__crash', {}, { timeout: 0.5 }), createEngine()));
    expect(cut.at(-1)).toMatchObject({ type: 'task-failed', error: { code: 'timeout' } });
    // the next call finds it gone (refused connection): tool_unavailable, and reconnecting starts
    const during = await run(runToolCall(call(tools, 'crm__echo', { text: 'x' }), createEngine()));
    expect(during.at(-1)).toMatchObject({ type: 'task-failed', error: { code: 'tool_unavailable' } });
    expect(set.health()[0]!.status).not.toBe('ready');
    expect(tools.has('crm__echo')).toBe(true); // still offered while it is down

    server = await startMcpHttpTestServer({ port: server.port });
    await eventually(() => set.health()[0]!.status === 'ready' || undefined, 15_000, 'the reconnect');
    const back = await run(runToolCall(call(tools, 'crm__echo', { text: 'again' }), createEngine()));
    expect(back.at(-1)).toMatchObject({ type: 'task-complete', result: { text: 'echo: again' } });
    expect(set.health()[0]).toMatchObject({ restarts: 1 });
  });
});
