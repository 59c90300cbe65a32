import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatToolServer, writeToolsConfig, type ChatToolServer } from './support/chat-tool-server.js';
import { startScriptedOpenAI, type ScriptedOpenAI } from './support/scripted-openai.js';
import { startTestServer, type TestServer } from './support/start-test-server.js';

const definition = {
  id: 'traced',
  name: 'Traced',
  tasks: [
    { id: 'look', function: 'lookup', parameters: { note: 'a' } },
    { id: 'broken', function: 'broken', parameters: { note: 'b' }, critical: false },
    { id: 'after', function: 'lookup', dependencies: ['look'], parameters: { note: 'slept ${look.result.sleptMs} ms' } },
  ],
};

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const byName = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

describe('traces (OpenTelemetry, GenAI conventions)', () => {
  let tools: ChatToolServer;
  let config: Awaited<ReturnType<typeof writeToolsConfig>>;
  let openai: ScriptedOpenAI;
  let server: TestServer;
  const exporter = new InMemorySpanExporter();

  beforeAll(async () => {
    tools = await startChatToolServer();
    config = await writeToolsConfig(tools, [{ name: 'lookup', behaviour: { ms: 20 } }, { name: 'broken', behaviour: 'fail' }]);
    openai = await startScriptedOpenAI({
      script: [
        { toolCalls: [{ id: 'call_a', name: 'lookup', arguments: { note: 'x' } }, { id: 'call_b', name: 'broken', arguments: { note: 'y' } }] },
        { text: 'All done.' },
      ],
    });
    server = await startTestServer({
      env: { TOOLS_CONFIG: config.path, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.url, OPENAI_MODEL: 'gpt-traced' },
      runtime: { spanExporter: exporter },
    });
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all([tools?.close(), openai?.close(), config?.remove()]);
  });

  it('a workflow run is one invoke_workflow span with an execute_tool span per task beneath it; HTTP tools get its traceparent', async () => {
    exporter.reset();
    const res = await server.fetch('/api/workflows/execute', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ definition }),
    });
    expect(res.status).toBe(200);
    const run = (await res.json()) as { id: string; status: string };
    expect(run.status).toBe('partial');

    const spans = exporter.getFinishedSpans().filter((s) => s.attributes['sapflow.execution.id'] === run.id);
    const [root] = byName(spans, 'invoke_workflow traced');
    expect(root).toBeDefined();
    expect(root!.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_workflow', 'sapflow.run.status': 'partial' });

    const toolSpans = spans.filter((s) => s.name.startsWith('execute_tool '));
    expect(toolSpans.map((s) => `${s.name} ${s.attributes['gen_ai.tool.call.id']}`).sort()).toEqual([
      'execute_tool broken broken', 'execute_tool lookup after', 'execute_tool lookup look',
    ]);
    for (const span of toolSpans) {
      expect(span.spanContext().traceId).toBe(root!.spanContext().traceId);
      expect(parentOf(span)).toBe(root!.spanContext().spanId);
      expect(span.attributes['gen_ai.operation.name']).toBe('execute_tool');
    }
    const [broken] = byName(toolSpans, 'execute_tool broken');
    expect(broken!.status).toMatchObject({ code: 2 }); // ERROR
    expect(broken!.attributes['error.type']).toBe('http_error');
    expect(byName(toolSpans, 'execute_tool lookup')[0]!.status.code).not.toBe(2);

    // what each HTTP tool received is its own span's context, in W3C form
    for (const span of toolSpans) {
      const key = `${run.id}:${span.attributes['gen_ai.tool.call.id']}`;
      const request = tools.requests.find((r) => r.headers['idempotency-key'] === key);
      expect(request?.headers.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    }
  });

  it('a chat turn is a chat {model} span with the model\'s tool call ids on its execute_tool spans', async () => {
    exporter.reset();
    const res = await server.fetch('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'look it up' }] }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('data: [DONE]');
    const spans = exporter.getFinishedSpans();
    const [turn] = byName(spans, 'chat gpt-traced');
    expect(turn?.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-traced' });
    const calls = spans.filter((s) => s.name.startsWith('execute_tool '));
    expect(calls.map((s) => s.attributes['gen_ai.tool.call.id']).sort()).toEqual(['call_a', 'call_b']);
    for (const call of calls) expect(parentOf(call)).toBe(turn!.spanContext().spanId);
  });
});

describe('traces over OTLP/HTTP', () => {
  it('are sent to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces, and none are made without it', async () => {
    const received: { path: string; body: string }[] = [];
    const collector: Server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const tools = await startChatToolServer();
    const config = await writeToolsConfig(tools, [{ name: 'lookup', behaviour: { ms: 5 } }]);
    const run = async (env: Record<string, string>) => {
      const server = await startTestServer({ env: { TOOLS_CONFIG: config.path, ...env } });
      try {
        const res = await server.fetch('/api/workflows/execute', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ definition: { id: 'otlp', name: 'OTLP', tasks: [{ id: 'one', function: 'lookup', parameters: { note: 'n' } }] } }),
        });
        expect(res.status).toBe(200);
      } finally {
        await server.close(); // flushes the batch of spans
      }
    };
    try {
      await run({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
      expect(received.map((r) => r.path)).toContain('/v1/traces');
      const sent = received.map((r) => r.body).join('\n');
      expect(sent).toContain('invoke_workflow otlp');
      expect(sent).toContain('execute_tool lookup');

      received.length = 0;
      await run({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, WORKFLOW_ENABLE_TELEMETRY: 'false' });
      expect(received).toEqual([]);
      // no traceparent without tracing
      expect(tools.requests.at(-1)?.headers.traceparent).toBeUndefined();
    } finally {
      await Promise.all([tools.close(), config.remove()]);
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
