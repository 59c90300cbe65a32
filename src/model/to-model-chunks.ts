import type OpenAI from 'openai';
import { concat, defer, from, mergeMap, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { FinishReason, ModelChunk, ModelUsage } from './chat-model.js';

const MULTI_TOOL_USE = 'multi_tool_use.parallel';

/** What the assembler reads of a chunk; lenient, as compatible servers differ in what they leave out. */
const chunkSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        index: z.number().nullish(),
        delta: z
          .looseObject({
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z
              .array(
                z.looseObject({
                  index: z.number().int().nonnegative().nullish(),
                  id: z.string().nullish(),
                  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: z
    .looseObject({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish(), total_tokens: z.number().nullish() })
    .nullish(),
});
type Chunk = z.infer<typeof chunkSchema>;

interface PendingCall {
  id?: string;
  name?: string;
  args: string;
  started: boolean;
  /** Fed each arguments piece; true once the top-level JSON object has closed. */
  closes: (piece: string) => boolean;
}

/**
 * OpenAI stream chunks -> model chunks. Tool-call fragments are assembled by `index`; a call is ready as soon as
 * its arguments form a complete JSON object, or else when the next call begins or the turn ends - so its tool can
 * start while the model is still writing the others.
 * `multi_tool_use.parallel` pseudo calls are unwrapped into the real calls they wrap.
 */
export function toModelChunks(): OperatorFunction<OpenAI.ChatCompletionChunk, ModelChunk> {
  return (source) =>
    defer(() => {
      const assembler = createAssembler();
      return concat(
        source.pipe(mergeMap((chunk) => from(assembler.push(chunk)))),
        defer(() => from(assembler.end())),
      );
    });
}

function createAssembler() {
  const open = new Map<number, PendingCall>();
  /** Calls made ready by their closing brace, by index: fragments after it (whitespace) belong to no new call. */
  const closed = new Map<number, string | undefined>();
  let nextIndex = 0;
  let callCount = 0;
  let finishReason: FinishReason | undefined;
  let usage: ModelUsage | undefined;

  const start = (call: PendingCall, fallbackId: string): ModelChunk[] => {
    call.started = true;
    call.id ??= fallbackId;
    if (call.name === MULTI_TOOL_USE) return [];
    callCount += 1;
    const out: ModelChunk[] = [{ type: 'tool-call-start', index: nextIndex++, id: call.id, name: call.name ?? '' }];
    if (call.args) out.push({ type: 'tool-call-delta', id: call.id, argsDelta: call.args });
    return out;
  };

  const ready = (key: number): ModelChunk[] => {
    const call = open.get(key);
    if (!call) return [];
    open.delete(key);
    const out = call.started ? [] : start(call, `call_${key}`);
    const id = call.id as string;
    if (call.name === MULTI_TOOL_USE) {
      const uses = unwrapMultiToolUse(call.args);
      if (uses) {
        uses.forEach((use, i) => {
          callCount += 1;
          out.push({ type: 'tool-call-start', index: nextIndex++, id: `${id}_${i}`, name: use.name });
          out.push({ type: 'tool-call-ready', id: `${id}_${i}`, name: use.name, args: use.args });
        });
        return out;
      }
      // not the shape we know: surface it as a call of its own, so the model is told the tool does not exist
      callCount += 1;
      out.push({ type: 'tool-call-start', index: nextIndex++, id, name: call.name });
    }
    out.push({ type: 'tool-call-ready', id, name: call.name ?? '', args: call.args.trim() === '' ? '{}' : call.args });
    return out;
  };

  const readyAll = (except?: number): ModelChunk[] =>
    [...open.keys()].filter((key) => key !== except).flatMap((key) => ready(key));

  return {
    push(raw: OpenAI.ChatCompletionChunk): ModelChunk[] {
      const chunk = parseChunk(raw);
      const out: ModelChunk[] = [];
      if (chunk.usage) usage = toUsage(chunk.usage);
      const choice = chunk.choices?.find((c) => c.index === 0) ?? chunk.choices?.[0];
      if (!choice) return out;
      const delta = choice.delta ?? {};
      if (delta.content) out.push({ type: 'text-delta', delta: delta.content });
      if (delta.refusal) out.push({ type: 'text-delta', delta: delta.refusal });

      for (const fragment of delta.tool_calls ?? []) {
        const key = fragment.index ?? 0;
        let call = open.get(key);
        // some compatible servers reuse index 0 for every call; a new id is a new call all the same
        if (call && fragment.id && call.id && fragment.id !== call.id) {
          out.push(...ready(key));
          call = undefined;
        }
        if (!call && closed.has(key) && (!fragment.id || fragment.id === closed.get(key))) continue;
        if (!call) {
          // OpenAI streams calls one after another: a new call means the earlier ones are complete
          out.push(...readyAll(key));
          call = { args: '', started: false, closes: scanJsonObject() };
          open.set(key, call);
          closed.delete(key);
        }
        if (fragment.id) call.id = fragment.id;
        if (fragment.function?.name) call.name = fragment.function.name;
        const piece = fragment.function?.arguments ?? '';
        call.args += piece;
        if (!call.started) {
          if (call.id && call.name) out.push(...start(call, call.id));
        } else if (piece && call.name !== MULTI_TOOL_USE) {
          out.push({ type: 'tool-call-delta', id: call.id as string, argsDelta: piece });
        }
        if (call.started && call.closes(piece) && isJson(call.args)) {
          closed.set(key, call.id);
          out.push(...ready(key));
        }
      }

      if (choice.finish_reason) {
        finishReason = toFinishReason(choice.finish_reason);
        out.push(...readyAll());
      }
      return out;
    },

    end(): ModelChunk[] {
      const out = readyAll();
      // some compatible servers say `stop` after tool calls; what the caller needs to know is that tools were called
      const reason: FinishReason = callCount > 0 && (finishReason === 'stop' || !finishReason) ? 'tool-calls' : (finishReason ?? 'other');
      out.push(usage ? { type: 'finish', finishReason: reason, usage } : { type: 'finish', finishReason: reason });
      return out;
    },
  };
}

/**
 * Fed the arguments text piece by piece, says when a top-level JSON object has just closed. Linear in the text, so
 * long arguments are not re-parsed on every fragment; anything but an object never completes early.
 */
function scanJsonObject(): (piece: string) => boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let state: 'before' | 'inside' | 'done' | 'other' = 'before';
  return (piece) => {
    if (state === 'done' || state === 'other') return false;
    for (const char of piece) {
      if (state === 'before') {
        if (/\s/.test(char)) continue;
        if (char !== '{') return ((state = 'other'), false);
        state = 'inside';
        depth = 1;
      } else if (inString) {
        if (escaped) escaped = false;
        else if (char === '\\') escaped = true;
        else if (char === '"') inString = false;
      } else if (char === '"') inString = true;
      else if (char === '{' || char === '[') depth += 1;
      else if ((char === '}' || char === ']') && --depth === 0) return ((state = 'done'), true);
    }
    return false;
  };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function parseChunk(raw: unknown): Chunk {
  const result = chunkSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new SapflowError('upstream_error', `The model endpoint sent a malformed chunk (${issue.path.join('.')}: ${issue.message})`);
}

function unwrapMultiToolUse(args: string): Array<{ name: string; args: string }> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return undefined;
  }
  const uses = (parsed as { tool_uses?: unknown } | null)?.tool_uses;
  if (!Array.isArray(uses)) return undefined;
  const calls: Array<{ name: string; args: string }> = [];
  for (const use of uses) {
    const recipient = (use as { recipient_name?: unknown } | null)?.recipient_name;
    if (typeof recipient !== 'string') return undefined;
    calls.push({
      name: recipient.replace(/^functions\./, ''),
      args: JSON.stringify((use as { parameters?: unknown }).parameters ?? {}),
    });
  }
  return calls;
}

function toFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    default:
      return 'other';
  }
}

function toUsage(usage: NonNullable<Chunk['usage']>): ModelUsage {
  return {
    inputTokens: usage.prompt_tokens ?? 0,
    outputTokens: usage.completion_tokens ?? 0,
    totalTokens: usage.total_tokens ?? (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0),
  };
}
