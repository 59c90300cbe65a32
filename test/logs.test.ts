import { PassThrough } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/telemetry/logger.js';
import { startChatToolServer, writeToolsConfig, type ChatToolServer } from './support/chat-tool-server.js';
import { startTestServer, type TestServer } from './support/start-test-server.js';

describe('structured logs', () => {
  let tools: ChatToolServer;
  let config: Awaited<ReturnType<typeof writeToolsConfig>>;
  let server: TestServer;
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exporter = new InMemorySpanExporter();

  beforeAll(async () => {
    tools = await startChatToolServer();
    config = await writeToolsConfig(tools, [{ name: 'lookup', behaviour: { ms: 5 } }, { name: 'broken', behaviour: 'fail' }]);
    server = await startTestServer({
      env: { TOOLS_CONFIG: config.path },
      runtime: { logger: createLogger({ pretty: false, destination: out }), spanExporter: exporter },
    });
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all([tools?.close(), config?.remove()]);
  });

  it('are JSON lines with executionId, taskId and traceId on every line about a run', async () => {
    const res = await server.fetch('/api/workflows/execute', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        definition: { id: 'logged', name: 'Logged', tasks: [{ id: 'ok', function: 'lookup', parameters: { note: 'a' } }, { id: 'bad', function: 'broken', parameters: { note: 'b' }, critical: false }] },
      }),
    });
    const run = (await res.json()) as { id: string; status: string };
    expect(run.status).toBe('partial');
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const about = lines.filter((l) => l.executionId === run.id);
    const traceId = exporter.getFinishedSpans().find((s) => s.name === 'invoke_workflow logged')!.spanContext().traceId;
    expect(about.map((l) => l.msg)).toEqual([
      `workflow run ${run.id} (logged) started`,
      'tool call broken failed: [http_error] POST ' + `${tools.url}/fail answered 500 Internal Server Error`,
      `workflow run ${run.id} (logged) partial`,
    ]);
    for (const line of about) expect(line.traceId).toBe(traceId);
    expect(about[1]).toMatchObject({ taskId: 'bad', tool: 'broken', level: 40, error: { code: 'http_error' } });
    expect(about[2]).toMatchObject({ status: 'partial', kind: 'workflow', level: 30 });
    expect(typeof about[2]!.durationMs).toBe('number');
  });

  it('are readable lines on a terminal', async () => {
    const tty = new PassThrough();
    let shown = '';
    tty.setEncoding('utf8').on('data', (chunk: string) => (shown += chunk));
    createLogger({ pretty: true, destination: tty }).info({ executionId: 'e-1', taskId: 't-1' }, 'workflow run e-1 (x) completed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(shown).toMatch(/INFO.*workflow run e-1 \(x\) completed.*executionId.*e-1/);
    expect(() => JSON.parse(shown)).toThrow();
  });
});
