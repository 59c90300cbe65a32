import type { ChatMessage, TaskOutcome, ToolCallRequest } from '../protocol/index.js';

/** One step with tool calls as the model reads it back: its assistant message, then one tool message per call. */
export function stepMessages(text: string, calls: readonly ToolCallRequest[], outcomes: Readonly<Record<string, TaskOutcome>>): ChatMessage[] {
  return [
    { role: 'assistant', content: text || null, toolCalls: [...calls] },
    ...calls.map((c): ChatMessage => ({ role: 'tool', toolCallId: c.id, content: toolResultText(outcomes[c.id]) })),
  ];
}

/** What the model reads back: the result as JSON, or the error's code and message. */
export function toolResultText(outcome: TaskOutcome | undefined): string {
  if (!outcome) return JSON.stringify({ error: { code: 'cancelled', message: 'The tool call did not finish' } });
  if (outcome.status === 'failed') return JSON.stringify({ error: outcome.error });
  return JSON.stringify(outcome.result ?? null);
}
