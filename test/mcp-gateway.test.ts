import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/telemetry/logger.js';
import { postChat, readRaw, readWithAiClient, userMessage } from './support/chat-client.js';
import { closedPort } from './support/closed-port.js';
import { eventually, readStdioRecords, stdioTestEntry } from './support/mcp-stdio-entry.js';
import { startScriptedOpenAI, type ScriptedOpenAI } from './support/scripted-openai.js';
import { startTestServer, type TestServer } from './support/start-test-server.js';

/**
 * A gateway with MCP servers in its TOOLS_CONFIG: `docs` (the stdio test server, a child process) and `crm`
 * (Streamable HTTP on a port nobody listens on). Chat turns through a scripted OpenAI-compatible upstream and the
 * `ai` package's own client, workflows naming `docs__echo`, and /api/health.
 */

let dir: string;
let logFile: string;
let openai: ScriptedOpenAI;
let server: TestServer;
let logText = '';
const replies: Array<(body: any) => unknown> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sapflow-mcp-gateway-'));
  logFile = join(dir, 'docs-records.jsonl');
  const config = join(dir, 'tools.json');
  await writeFile(config, JSON.stringify({
    mcp_servers: [
      stdioTestEntry(logFile, { tools: { crash: { needs_approval: true } } }),
      { name: 'crm', url: `http://127.0.0.1:${await closedPort()}/mcp`, timeout: 5 },
    ],
  }));
  const workflows = join(dir, 'workflows');
  await import('node:fs/promises').then((fs) => fs.mkdir(workflows));
  await writeFile(join(workflows, 'mcp_echo.yaml'), `
id: mcp_echo
name: MCP echo
inputs:
  text: { type: string, required: true }
tasks:
  - id: echo
    function: docs__echo
    parameters: { text: "\${text}" }
  - id: again
    function: docs__echo
    parameters: { text: "\${echo.result.structuredContent.echoed} again" }
`);
  await writeFile(join(workflows, 'crm_lookup.yaml'), `
id: crm_lookup
name: CRM lookup
tasks:
  - id: lookup
    function: crm__echo
    parameters: { text: "who" }
`);
  // each test says what the model answers; a request without a reply set is answered with text
  openai = await startScriptedOpenAI({ script: (body) => (replies.shift()?.(body) ?? { text: 'Done.' }) as never });
  const logOut = new PassThrough();
  logOut.setEncoding('utf8').on('data', (chunk: string) => (logText += chunk));
  server = await startTestServer({
    env: { TOOLS_CONFIG: config, WORKFLOWS_DIR: workflows, OPENAI_API_KEY: 'sk-test-mcp', OPENAI_BASE_URL: openai.url },
    // warnings up: the unreachable server's line is what this looks for, run lines would only be noise
    runtime: { logger: createLogger({ pretty: false, destination: logOut, level: 'warn' }) },
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await openai?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a gateway with MCP servers', () => {
  it('starts with an unreachable server, says so, and lists both in /api/health', async () => {
    const health = (await (await server.fetch('/api/health')).json()) as Record<string, any>;
    expect(health.mcpServers).toEqual([
      { name: 'docs', transport: 'stdio', status: 'ready', tools: 7, restarts: 0 },
      { name: 'crm', transport: 'http', status: expect.stringMatching(/^(down|connecting)$/), tools: 0, restarts: 0, error: expect.any(String) },
    ]);
    expect(health.tools).toEqual(expect.arrayContaining(['docs__echo', 'docs__slow', 'docs__files_read_text', 'list_emails']));
    expect(health.workflows).toEqual(expect.arrayContaining(['mcp_echo', 'crm_lookup']));
    expect(server.runtime.notices.some((n) => /^MCP server crm not reachable at start/.test(n))).toBe(true);
    const warning = logText.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((line) => line.mcpServer === 'crm');
    expect(warning).toMatchObject({ level: 40, msg: expect.stringMatching(/^MCP server crm: not reachable \(.*\); trying again in 250 ms$/) });
    expect(server.runtime.tools.get('docs__crash')?.needs_approval).toBe(true);
    // the gateway serves on without crm, and its health says what is missing (200: a load balancer keeps it)
    await expect.poll(async () => (await server.fetch('/api/health')).status).toBe(200);
    await expect
      .poll(async () => (await (await server.fetch('/api/health')).json()) as Record<string, any>, { timeout: 5_000 })
      .toMatchObject({ status: 'degraded', degraded: [expect.stringMatching(/^MCP server crm is (down|connecting): its tools answer tool_unavailable$/)] });
  });

  it('offers the MCP tools to the model and runs them in a chat turn: progress, text and structured content, isError', async () => {
    replies.push(() => ({
      toolCalls: [
        { id: 'call_slow', name: 'docs__slow', arguments: { ms: 300, steps: 3 } },
        { id: 'call_echo', name: 'docs__echo', arguments: { text: 'hi' } },
        { id: 'call_fail', name: 'docs__fail', arguments: {} },
      ],
    }));
    const before = openai.requests.length;
    const { message, chunks } = await readWithAiClient(server.url, [userMessage('use the docs')]);

    const offered = openai.requests[before]!.body.tools.map((t: any) => t.function.name);
    expect(offered).toEqual(expect.arrayContaining(['docs__echo', 'docs__slow', 'docs__fail']));
    expect(openai.requests[before]!.body.tools.find((t: any) => t.function.name === 'docs__echo').function.parameters).toMatchObject({
      type: 'object', properties: { text: { type: 'string' } }, required: ['text'],
    });

    const parts = (message?.parts ?? []) as any[];
    const tool = (id: string) => parts.find((p) => p.toolCallId === id);
    expect(tool('call_echo')).toMatchObject({ type: 'tool-docs__echo', state: 'output-available', output: { text: 'echo: hi', structuredContent: { echoed: 'hi', length: 2 } } });
    expect(tool('call_slow')).toMatchObject({ state: 'output-available', output: { text: 'worked 300 ms in 3 steps' } });
    expect(tool('call_fail')).toMatchObject({ state: 'output-error', errorText: '[tool_error] docs__fail failed: the document store is offline' });

    // the server's notifications/progress reached useChat's progress part, on the call's task; progress parts are
    // snapshots, so frames that go out together (SSE_COALESCE_MS) keep only the latest: some of the steps
    const progressSeen = chunks
      .filter((c: any) => c.type === 'data-workflow')
      .map((c: any) => c.data.tasks.find((t: any) => t.id === 'call_slow')?.progress)
      .filter(Boolean);
    expect(progressSeen.length).toBeGreaterThan(0);
    for (const seen of progressSeen) expect(seen).toEqual({ progress: seen.progress, total: 3, message: `step ${seen.progress + 1} of 3` });

    // the model read both the text and the structured content back
    const toolMessages = openai.requests[before + 1]!.body.messages.filter((m: any) => m.role === 'tool');
    const echoed = JSON.parse(toolMessages.find((m: any) => m.tool_call_id === 'call_echo').content);
    expect(echoed).toEqual({ text: 'echo: hi', structuredContent: { echoed: 'hi', length: 2 } });
    expect(JSON.parse(toolMessages.find((m: any) => m.tool_call_id === 'call_fail').content)).toMatchObject({ error: { code: 'tool_error' } });
  });

  it('a client that goes away cancels the MCP call on the server', async () => {
    replies.push(() => ({ toolCalls: [{ id: 'call_long', name: 'docs__slow', arguments: { ms: 20_000, steps: 100 } }] }));
    const controller = new AbortController();
    const response = await postChat(server.url, { messages: [{ role: 'user', content: 'work long' }] }, { signal: controller.signal });
    const reading = readRaw(response).catch((error: unknown) => error);
    const longCall = (records: Awaited<ReturnType<typeof readStdioRecords>>) => records.find((r) => r.type === 'call' && r.tool === 'slow' && (r.args as any).ms === 20_000);
    await eventually(async () => longCall(await readStdioRecords(logFile)), 10_000, 'the long call to reach the server');
    controller.abort();
    await reading;
    const cancelled = await eventually(async () => (await readStdioRecords(logFile)).find((r) => r.type === 'cancelled'), 10_000, 'the server to see notifications/cancelled');
    expect(cancelled).toMatchObject({ tool: 'slow' });
  });

  it('runs a workflow whose tasks are function: docs__echo', async () => {
    const response = await server.fetch('/api/workflows/execute', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ workflow_id: 'mcp_echo', parameters: { text: 'from a workflow' } }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body.status).toBe('completed');
    expect(body.tasks.echo.result).toEqual({ text: 'echo: from a workflow', structuredContent: { echoed: 'from a workflow', length: 15 } });
    expect(body.tasks.again.result).toMatchObject({ text: 'echo: from a workflow again' });
    const keys = (await readStdioRecords(logFile)).filter((r) => r.type === 'call' && r.tool === 'echo').map((r) => (r as any).meta['sapflow/idempotency-key']);
    expect(keys).toEqual(expect.arrayContaining([`${body.id}:echo`, `${body.id}:again`]));
  });

  it('cancelling a workflow run cancels its MCP call on the server', async () => {
    const response = await server.fetch('/api/workflows/execute', {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ definition: { id: 'mcp_long', tasks: [{ id: 'long', function: 'docs__slow', parameters: { ms: 30_000, steps: 30 } }] }, parameters: {} }),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const cancelledBefore = (await readStdioRecords(logFile)).filter((r) => r.type === 'cancelled').length;
    await eventually(async () => (await readStdioRecords(logFile)).find((r) => r.type === 'call' && r.tool === 'slow' && (r.args as any).ms === 30_000), 10_000, 'the call to reach the server');
    const cancel = await server.fetch(`/api/executions/${id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    await eventually(async () => (await readStdioRecords(logFile)).filter((r) => r.type === 'cancelled').length > cancelledBefore || undefined, 10_000, 'the server to see notifications/cancelled');
  });

  it('a template naming a tool of the unreachable server loaded; its run fails with tool_unavailable, at once', async () => {
    const started = Date.now();
    const response = await server.fetch('/api/workflows/execute', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ workflow_id: 'crm_lookup', parameters: {} }),
    });
    const body = (await response.json()) as Record<string, any>;
    expect(body.status).toBe('failed');
    expect(body.tasks.lookup).toMatchObject({ status: 'failed', error: { code: 'tool_unavailable', message: expect.stringMatching(/^MCP server crm is (down|connecting)/) } });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('MCP servers and the gateway lifecycle', () => {
  it('a bad mcp_servers entry stops start-up with invalid_tools_config naming the entry', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'mcp_servers:\n  - name: docs\n    command: node\n    url: http://127.0.0.1:1/mcp\n');
    await expect(startTestServer({ env: { TOOLS_CONFIG: bad } })).rejects.toMatchObject({
      code: 'invalid_tools_config',
      message: `${bad}: mcp_servers[0] (docs): has both command and url: a server is either stdio (command) or Streamable HTTP (url)`,
    });
  });

  it('closing the gateway stops the stdio server: no orphan child process', async () => {
    const ownLog = join(dir, 'lifecycle.jsonl');
    const config = join(dir, 'lifecycle.json');
    await writeFile(config, JSON.stringify({ mcp_servers: [stdioTestEntry(ownLog)] }));
    const gateway = await startTestServer({ env: { TOOLS_CONFIG: config } });
    const tool = gateway.runtime.tools.get('docs__echo')!;
    await tool.execute({ text: 'x' }, { signal: new AbortController().signal, progress: () => {}, user: 'local', executionId: 'e', taskId: 't', idempotencyKey: 'e:t' });
    const [{ pid }] = await readStdioRecords(ownLog);
    await gateway.close();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
