import type { ScriptStep } from '../test/support/scripted-openai.js';

/**
 * The load bench's one turn: the model asks for three HTTP tools in parallel (arguments streamed in fragments keyed
 * by index), each takes TOOL_MS at the tool service, then the model writes a short answer. Every gateway is served
 * by the same scripted upstream and tool service, in a process of their own.
 */
export const TOOL_MS = 200;
export const LOAD_TOOLS = ['search_cases', 'search_statutes', 'search_filings'] as const;
export const FINAL_TEXT = 'All three lookups are back: two matters are open and one invoice is overdue.';
export const TOOL_SCHEMA = { type: 'object' as const, properties: { note: { type: 'string' as const } }, required: ['note'] };
export const PROMPT = 'load turn: look everything up';

export function loadScript(body: { messages: Array<{ role: string }> }): ScriptStep {
  if (body.messages.at(-1)?.role === 'tool') return { text: FINAL_TEXT, fragmentSize: 8, usage: false };
  return { fragmentSize: 8, usage: false, toolCalls: LOAD_TOOLS.map((name) => ({ name, arguments: { note: `everything on file for ${name}` } })) };
}

/** A useChat request body (`DefaultChatTransport`): the chat id, the UI messages, the trigger. */
export function useChatBody(chatId: string): string {
  return JSON.stringify({ id: chatId, messages: [{ id: `${chatId}-u1`, role: 'user', parts: [{ type: 'text', text: PROMPT }] }], trigger: 'submit-message' });
}
