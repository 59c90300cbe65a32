import type OpenAI from 'openai';
import { asyncScheduler, concatMap, defer, from, map, timer, type SchedulerLike } from 'rxjs';
import { argumentsFromSchema } from './arguments-from-schema.js';
import type { ChatMessage, ToolMessage } from '../protocol/index.js';
import type { ChatModel, ModelRequest } from './chat-model.js';
import { describeToolResult } from './describe-tool-result.js';
import { honourSignal } from './honour-signal.js';
import { matchTools } from './match-tools.js';
import { toModelChunks } from './to-model-chunks.js';

export interface OfflineDemoModelOptions {
  /** Pause before each streamed fragment; 0 streams everything at once (tests). */
  delayMs?: number;
  /** Characters per tool-arguments fragment. */
  fragmentSize?: number;
  /** "today" in the request means this day. */
  now?: () => Date;
  scheduler?: SchedulerLike;
}

const LABEL = 'Offline demo model (no OPENAI_API_KEY is set)';

/**
 * The stand-in when there is no API key: it calls the tools whose names or descriptions match the request, all
 * in one turn, then writes a plain summary of their results. It streams the chunks OpenAI would, through the same
 * assembler, so the whole pipeline runs. Deterministic: the same messages, tools and clock give the same stream.
 */
export function createOfflineDemoModel(options: OfflineDemoModelOptions = {}): ChatModel {
  const { delayMs = 6, fragmentSize = 12, now = () => new Date(), scheduler = asyncScheduler } = options;
  return {
    kind: 'offline-demo',
    stream: (request) =>
      defer(() => from(planTurn(request, now(), fragmentSize))).pipe(
        delayMs > 0 ? concatMap((chunk) => timer(delayMs, scheduler).pipe(map(() => chunk))) : (source) => source,
        toModelChunks(),
        honourSignal(request.signal),
      ),
  };
}

function planTurn(request: ModelRequest, now: Date, fragmentSize: number): OpenAI.ChatCompletionChunk[] {
  const tools = request.tools;
  const last = request.messages.at(-1);
  if (last?.role === 'tool') return textTurn(summarise(request.messages));
  if (last?.role !== 'user') return textTurn(`${LABEL}. Ask me something and I will call the matching tools.`);

  const text = last.content;
  const picks = matchTools(text, tools);
  if (picks.length === 0) {
    const names = tools.map((tool) => tool.name);
    return textTurn(
      names.length === 0
        ? `${LABEL}: no tools are available, so there is nothing I can do for this request.`
        : `${LABEL}: I only call tools whose names or descriptions match your request, and none did. ` +
            `Available tools: ${names.join(', ')}.`,
    );
  }
  const calls = picks.map((pick, i) => ({
    id: `call_demo_${request.messages.length}_${i}`,
    name: pick.tool.name,
    args: JSON.stringify(argumentsFromSchema(pick.tool.parameters, { clause: pick.clause, request: text, now })),
  }));
  return [
    chunk({ role: 'assistant', content: '' }),
    ...calls.flatMap((call, index) => [
      chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }),
      ...pieces(call.args, fragmentSize).map((piece) => chunk({ tool_calls: [{ index, function: { arguments: piece } }] })),
    ]),
    chunk({}, 'tool_calls'),
  ];
}

/** One line per tool result of the latest step, under a label that says what wrote it. */
function summarise(messages: ChatMessage[]): string {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const call of message.toolCalls ?? []) names.set(call.id, call.name);
  }
  const results: ToolMessage[] = [];
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i]!;
    if (message.role !== 'tool') break;
    results.unshift(message);
  }
  const lines = results.map((result) => `- ${names.get(result.toolCallId) ?? 'tool'}: ${describeToolResult(result.content)}`);
  return `${LABEL}. Here is what the tools returned:\n${lines.join('\n')}`;
}

function textTurn(text: string): OpenAI.ChatCompletionChunk[] {
  // a few words per fragment, as a model streams
  const words = text.match(/\S+\s*/g) ?? [];
  const fragments: string[] = [];
  for (let i = 0; i < words.length; i += 3) fragments.push(words.slice(i, i + 3).join(''));
  return [chunk({ role: 'assistant', content: '' }), ...fragments.map((content) => chunk({ content })), chunk({}, 'stop')];
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function chunk(
  delta: OpenAI.ChatCompletionChunk.Choice.Delta,
  finish: OpenAI.ChatCompletionChunk.Choice['finish_reason'] = null,
): OpenAI.ChatCompletionChunk {
  return {
    id: 'chatcmpl-offline-demo',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'offline-demo',
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  };
}
