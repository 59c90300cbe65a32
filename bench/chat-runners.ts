import { performance } from 'node:perf_hooks';
import { createOpenAI } from '@ai-sdk/openai';
import { jsonSchema, stepCountIs, streamText, tool, type ToolSet } from 'ai';
import OpenAI from 'openai';
import type { ChatToolServer } from '../test/support/chat-tool-server.js';
import { promptOf, type ChatScene } from './chat-scenes.js';

/**
 * One turn of a runner: its wall time, when each tool request reached the tool service and when each model request
 * reached the scripted upstream (ms after the start).
 */
export interface TurnTiming {
  wallMs: number;
  toolStartsMs: number[];
  modelRequestsMs: number[];
}

export interface BenchUpstream {
  /** The scripted server's base URL, `/v1` included. */
  openaiUrl: string;
  tools: ChatToolServer;
  /** `Date.now()` of every request the scripted upstream received, in order. */
  modelRequests: number[];
}

const API_KEY = 'sk-bench';
const TOOL_SCHEMA = { type: 'object' as const, properties: { note: { type: 'string' as const } }, required: ['note'] };

async function timed(upstream: BenchUpstream, turn: () => Promise<void>): Promise<TurnTiming> {
  const seen = upstream.tools.requests.length;
  const seenModel = upstream.modelRequests.length;
  const startedAt = Date.now();
  const start = performance.now();
  await turn();
  const wallMs = performance.now() - start;
  return {
    wallMs,
    toolStartsMs: upstream.tools.requests.slice(seen).map((r) => r.receivedAt - startedAt),
    modelRequestsMs: upstream.modelRequests.slice(seenModel).map((at) => at - startedAt),
  };
}

async function callTool(upstream: BenchUpstream, ms: number, args: unknown, signal?: AbortSignal): Promise<unknown> {
  const response = await fetch(`${upstream.tools.url}/sleep/${ms}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(args),
    signal,
  });
  if (!response.ok) throw new Error(`tool answered ${response.status}`);
  return response.json();
}

/** Sapflow: POST /api/chat over a real socket, the SSE answer read to the end. */
export function runSapflowTurn(upstream: BenchUpstream, sapflowUrl: string, scene: ChatScene): Promise<TurnTiming> {
  return timed(upstream, async () => {
    const response = await fetch(`${sapflowUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: promptOf(scene) }] }),
    });
    const body = await response.text();
    if (response.status !== 200 || !body.endsWith('data: [DONE]\n\n') || body.includes('"type":"error"')) {
      throw new Error(`Sapflow turn failed: ${response.status} ${body.slice(-300)}`);
    }
    const outputs = body.split('"type":"tool-output-available"').length - 1;
    if (outputs !== scene.tools.length) throw new Error(`Sapflow turn: ${outputs} tool outputs, expected ${scene.tools.length}`);
  });
}

/** The Vercel AI SDK v7: `streamText` with the same tools over `@ai-sdk/openai`, `fullStream` consumed to the end. */
export function runAiSdkTurn(upstream: BenchUpstream, scene: ChatScene): Promise<TurnTiming> {
  const provider = createOpenAI({ baseURL: upstream.openaiUrl, apiKey: API_KEY });
  const tools: ToolSet = Object.fromEntries(
    scene.tools.map((t) => [
      t.name,
      tool({
        description: `Bench tool ${t.name}`,
        inputSchema: jsonSchema<{ note: string }>(TOOL_SCHEMA),
        execute: (args, { abortSignal }) => callTool(upstream, t.ms, args, abortSignal),
      }),
    ]),
  );
  return timed(upstream, async () => {
    const result = streamText({ model: provider.chat('gpt-4o'), prompt: promptOf(scene), tools, stopWhen: stepCountIs(5) });
    let results = 0;
    for await (const part of result.fullStream) {
      if (part.type === 'error') throw new Error(`AI SDK turn failed: ${String(part.error)}`);
      if (part.type === 'tool-result') results += 1;
    }
    if (results !== scene.tools.length) throw new Error(`AI SDK turn: ${results} tool results, expected ${scene.tools.length}`);
  });
}

/** The "before": the same streamed turn read to its end, then the tools one after another, then the final step. */
export function runSequentialTurn(upstream: BenchUpstream, scene: ChatScene): Promise<TurnTiming> {
  const client = new OpenAI({ apiKey: API_KEY, baseURL: upstream.openaiUrl, maxRetries: 0 });
  const openAITools: OpenAI.ChatCompletionTool[] = scene.tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: `Bench tool ${t.name}`, parameters: TOOL_SCHEMA },
  }));
  return timed(upstream, async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: promptOf(scene) }];
    const calls: Array<{ id: string; name: string; args: string }> = [];
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o', messages, tools: openAITools, stream: true })) {
      for (const fragment of chunk.choices[0]?.delta.tool_calls ?? []) {
        const call = (calls[fragment.index] ??= { id: '', name: '', args: '' });
        call.id ||= fragment.id ?? '';
        call.name ||= fragment.function?.name ?? '';
        call.args += fragment.function?.arguments ?? '';
      }
    }
    messages.push({ role: 'assistant', content: null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } })) });
    for (const call of calls) {
      const ms = scene.tools.find((t) => t.name === call.name)!.ms;
      const result = await callTool(upstream, ms, JSON.parse(call.args));
      messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
    }
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o', messages, tools: openAITools, stream: true })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    if (!text) throw new Error('sequential turn: no final text');
  });
}
