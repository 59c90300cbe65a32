import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { ApprovalAnswer, ChatMessage, ToolCallRequest, ToolMessage } from '../protocol/index.js';

/**
 * The POST /api/chat body: what useChat sends (`{ id, messages: UIMessage[] with parts, trigger, messageId }` plus
 * any fields the app adds) or the plain form (`{ messages: [{ role, content }] }`, OpenAI's own message shapes).
 */

const textPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const toolPartSchema = z.looseObject({
  type: z.string(),
  toolCallId: z.string().min(1),
  state: z.string(),
  input: z.unknown().optional(),
  rawInput: z.unknown().optional(),
  output: z.unknown().optional(),
  errorText: z.string().optional(),
  // ai 6/7 tool approvals; `approved` is there once the person answered (`approval-responded`)
  approval: z.looseObject({ id: z.string().min(1).max(200), approved: z.boolean().optional(), reason: z.string().max(2000).optional() }).optional(),
});
const dynamicToolPartSchema = toolPartSchema.extend({ toolName: z.string().min(1) });

/** Parts are checked by their `type`; parts Sapflow does not read (data, reasoning, files, sources) pass as they are. */
const partSchema = z.looseObject({ type: z.string() }).superRefine((part, ctx) => {
  const schema =
    part.type === 'text'
      ? textPartSchema
      : part.type === 'dynamic-tool'
        ? dynamicToolPartSchema
        : part.type.startsWith('tool-')
          ? toolPartSchema
          : undefined;
  const result = schema?.safeParse(part);
  for (const issue of result?.error?.issues ?? []) ctx.addIssue({ ...issue, code: 'custom', input: undefined });
  if (result?.success && part.state === 'approval-responded' && typeof (part.approval as { approved?: unknown } | undefined)?.approved !== 'boolean') {
    ctx.addIssue({ code: 'custom', path: ['approval'], message: 'an answered approval needs its id and approved: true or false' });
  }
});

const contentSchema = z.union([z.string(), z.array(textPartSchema), z.null()], {
  error: 'expected a string or an array of text parts',
});

const toolCallSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

const messageSchema = z
  .looseObject({
    id: z.string().optional(),
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    // the useChat form
    parts: z.array(partSchema).optional(),
    // the plain form
    content: contentSchema.optional(),
    tool_calls: z.array(toolCallSchema).optional(),
    tool_call_id: z.string().min(1).optional(),
  })
  .superRefine((message, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (message.parts) {
      if (message.role === 'tool' || message.role === 'developer') issue('role', 'expected system, user or assistant in a message with parts');
    } else if (message.role === 'tool') {
      if (!message.tool_call_id) issue('tool_call_id', 'a tool message needs the tool_call_id it answers');
      if (message.content === undefined || message.content === null) issue('content', 'a tool message needs content');
    } else if (message.role === 'assistant') {
      if ((message.content === undefined || message.content === null) && !message.tool_calls?.length) {
        issue('content', 'expected parts, content or tool_calls');
      }
    } else if (message.content === undefined || message.content === null) {
      issue('content', 'expected parts or content');
    }
  });

const chatBodySchema = z.looseObject({
  id: z.string().optional(),
  messages: z.array(messageSchema).min(1, 'expected at least one message'),
  trigger: z.enum(['submit-message', 'regenerate-message']).optional(),
  messageId: z.string().optional(),
});

export type ChatBody = z.infer<typeof chatBodySchema>;
type BodyMessage = ChatBody['messages'][number];
type ToolPart = z.infer<typeof toolPartSchema> & { toolName?: string };

/** Validates a parsed JSON body; a bad one throws `invalid_body` with the path of the first problem. */
export function parseChatBody(json: unknown): ChatBody {
  const result = chatBodySchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  throw new SapflowError('invalid_body', `Invalid chat body at ${path}: ${issue.message}`, { details: { path } });
}

/**
 * The conversation as provider-neutral messages, from a body it validates (`parseChatBody`); earlier tool parts
 * become assistant `toolCalls` plus `tool` messages, and a `developer` message is a `system` one.
 */
export function toChatMessages(body: unknown): ChatMessage[] {
  return readChatRequest(body).messages;
}

export interface ChatRequest {
  /** useChat's chat id; absent in the plain form. */
  chatId?: string;
  messages: ChatMessage[];
  /**
   * The person's answers to approvals, from the last message when it is the assistant's (as the AI SDK reads them):
   * to be checked against their records before anything runs. Their calls' tool messages are placeholders.
   */
  approvals: ApprovalAnswer[];
  /** With answers: the id of the assistant message they are in, which the turn's stream goes on adding to. */
  continues?: string;
}

/** The conversation, useChat's chat id and any approval answers, from one validation of the body. */
export function readChatRequest(body: unknown): ChatRequest {
  const parsed = parseChatBody(body);
  const last = parsed.messages.length - 1;
  const approvals: ApprovalAnswer[] = [];
  const messages = parsed.messages.flatMap((message, i) =>
    message.parts ? fromUIMessage(message, i === last && message.role === 'assistant' ? approvals : undefined) : [fromPlainMessage(message)],
  );
  const continues = approvals.length > 0 ? (parsed.messages[last]!.id ?? '') : undefined;
  return { chatId: parsed.id, messages, approvals, ...(continues !== undefined ? { continues } : {}) };
}

/** `answers` collects the approval answers of this message (only the conversation's last one is read for them). */
function fromUIMessage(message: BodyMessage, answers?: ApprovalAnswer[]): ChatMessage[] {
  const parts = message.parts ?? [];
  if (message.role !== 'assistant') {
    const content = textOf(parts);
    if (message.role === 'system') return content ? [{ role: 'system', content }] : [];
    return [{ role: 'user', content }];
  }

  // an assistant message holds every step of a turn: text, then tool calls, then their results, step after step
  const out: ChatMessage[] = [];
  let texts: string[] = [];
  let calls: ToolPart[] = [];
  const flush = () => {
    if (texts.length === 0 && calls.length === 0) return;
    const content = texts.join('\n') || null;
    out.push(
      calls.length > 0
        ? { role: 'assistant', content, toolCalls: calls.map(toToolCall) }
        : { role: 'assistant', content: content ?? '' },
      ...calls.map(toToolMessage),
    );
    texts = [];
    calls = [];
  };
  for (const part of parts) {
    if (part.type === 'step-start') flush();
    else if (part.type === 'text') {
      // text after tool calls belongs to the next step, which saw their results
      if (calls.length > 0) flush();
      if (typeof part.text === 'string' && part.text) texts.push(part.text);
    } else if (isToolPart(part)) {
      // arguments still streaming when the client stopped: the call never ran
      if (part.state !== 'input-streaming') calls.push(part);
      if (answers && part.state === 'approval-responded' && part.approval) {
        const { id, approved, reason } = part.approval;
        answers.push({ approvalId: id, toolCallId: part.toolCallId, approved: approved === true, ...(reason ? { reason } : {}) });
      }
    }
  }
  flush();
  return out;
}

function fromPlainMessage(message: BodyMessage): ChatMessage {
  const content = typeof message.content === 'string' ? message.content : textOf(message.content ?? []);
  switch (message.role) {
    case 'tool':
      return { role: 'tool', toolCallId: message.tool_call_id!, content };
    case 'assistant':
      return message.tool_calls?.length
        ? {
            role: 'assistant',
            content: content || null,
            toolCalls: message.tool_calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
          }
        : { role: 'assistant', content };
    case 'developer':
      // the neutral contract has one kind of instruction message
      return { role: 'system', content };
    default:
      return { role: message.role, content };
  }
}

function isToolPart(part: { type: string }): part is ToolPart {
  return part.type === 'dynamic-tool' || part.type.startsWith('tool-');
}

function toToolCall(part: ToolPart): ToolCallRequest {
  const name = part.type === 'dynamic-tool' ? part.toolName! : part.type.slice('tool-'.length);
  const args = part.input === undefined && typeof part.rawInput === 'string' ? part.rawInput : JSON.stringify(part.input ?? {});
  return { id: part.toolCallId, name, arguments: args };
}

function toToolMessage(part: ToolPart): ToolMessage {
  const content =
    part.state === 'output-available'
      ? (JSON.stringify(part.output) ?? 'null')
      : part.state === 'output-error'
        ? JSON.stringify({ error: part.errorText ?? 'The tool failed' })
        : part.state === 'output-denied'
          ? JSON.stringify({ error: 'The user denied this tool call' })
          : part.state === 'approval-requested' || part.state === 'approval-responded'
            ? // answered in the last message: the turn puts the real result here; anywhere else it never ran
              JSON.stringify({ error: 'The tool call waited for the user\'s approval and did not run' })
            : // models need an answer to every call; this one never finished
              JSON.stringify({ error: 'The tool call did not complete' });
  return { role: 'tool', toolCallId: part.toolCallId, content };
}

function textOf(parts: ReadonlyArray<{ type: string; text?: unknown }>): string {
  return parts
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text as string)
    .join('\n');
}
