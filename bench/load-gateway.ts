/**
 * Child process of the load bench: one gateway under load, `sapflow`, `aisdk` or `floor`, with the probe inside.
 * - sapflow: the real gateway (startSapflow) on its embedded store on disk (DATA_DIR), HTTP tools from TOOLS_CONFIG;
 * - aisdk: the Vercel AI SDK v7 `streamText` with the same three tools, answering useChat's UI message stream;
 * - floor: answers the same SSE shape at once, without upstream or tools: what this harness can do at best here.
 * Each also answers GET /api/health, so the health poll measures the same thing on all three.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenAI } from '@ai-sdk/openai';
import { convertToModelMessages, jsonSchema, stepCountIs, streamText, tool, type ToolSet, type UIMessage } from 'ai';
import { startSapflow } from '../src/server.js';
import { installProbe } from './load-probe.js';
import { FINAL_TEXT, LOAD_TOOLS, TOOL_MS, TOOL_SCHEMA } from './load-scene.js';

installProbe();
const [kind] = process.argv.slice(2);
const { OPENAI_BASE_URL = '', TOOLS_URL = '' } = process.env;

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (piece: string) => (data += piece));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });

const health = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', kind }));

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  // a 1000-client run opens its connections at once; the default backlog (511) would refuse some
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function aiSdkGateway(): Promise<string> {
  const provider = createOpenAI({ baseURL: OPENAI_BASE_URL, apiKey: 'sk-bench' });
  const tools: ToolSet = Object.fromEntries(
    LOAD_TOOLS.map((name) => [
      name,
      tool({
        description: `Bench tool ${name}`,
        inputSchema: jsonSchema<{ note: string }>(TOOL_SCHEMA),
        execute: async (args, { abortSignal }) => {
          const response = await fetch(`${TOOLS_URL}/sleep/${TOOL_MS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args), signal: abortSignal });
          if (!response.ok) throw new Error(`tool answered ${response.status}`);
          return response.json();
        },
      }),
    ]),
  );
  return listen((req, res) => {
    if (req.method === 'GET' && req.url === '/api/health') return health(res);
    void (async () => {
      const body = JSON.parse(await readBody(req)) as { messages: UIMessage[] };
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      const result = streamText({ model: provider.chat('gpt-4o'), messages: await convertToModelMessages(body.messages), tools, stopWhen: stepCountIs(5), abortSignal: abort.signal });
      result.pipeUIMessageStreamToResponse(res);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    });
  });
}

/** The chunks a three-tool turn answers, as one string: written at once, the floor of the harness. */
function floorAnswer(): string {
  const chunks: unknown[] = [{ type: 'start', messageId: 'msg-floor' }, { type: 'start-step' }];
  LOAD_TOOLS.forEach((name, i) => {
    const id = `call_${i}`;
    const input = { note: `everything on file for ${name}` };
    chunks.push({ type: 'tool-input-start', toolCallId: id, toolName: name });
    const text = JSON.stringify(input);
    for (let at = 0; at < text.length; at += 8) chunks.push({ type: 'tool-input-delta', toolCallId: id, inputTextDelta: text.slice(at, at + 8) });
    chunks.push({ type: 'tool-input-available', toolCallId: id, toolName: name, input });
  });
  LOAD_TOOLS.forEach((_, i) => chunks.push({ type: 'tool-output-available', toolCallId: `call_${i}`, output: { sleptMs: TOOL_MS } }));
  chunks.push({ type: 'finish-step' }, { type: 'start-step' }, { type: 'text-start', id: 't1' });
  for (let at = 0; at < FINAL_TEXT.length; at += 8) chunks.push({ type: 'text-delta', id: 't1', delta: FINAL_TEXT.slice(at, at + 8) });
  chunks.push({ type: 'text-end', id: 't1' }, { type: 'finish-step' }, { type: 'finish', finishReason: 'stop' });
  return `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`;
}

function floorGateway(): Promise<string> {
  const answer = floorAnswer();
  return listen((req, res) => {
    if (req.method === 'GET' && req.url === '/api/health') return health(res);
    void readBody(req).then(() => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-vercel-ai-ui-message-stream': 'v1' });
      res.end(answer);
    });
  });
}

async function sapflowGateway(): Promise<string> {
  const sapflow = await startSapflow({ port: 0, host: '127.0.0.1' });
  return sapflow.url;
}

const url = kind === 'sapflow' ? await sapflowGateway() : kind === 'aisdk' ? await aiSdkGateway() : kind === 'floor' ? await floorGateway() : undefined;
if (!url) throw new Error(`unknown gateway ${kind}; sapflow, aisdk or floor`);
process.send?.({ ready: { url } });
process.on('disconnect', () => process.exit(0));
