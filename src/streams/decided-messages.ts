import type { ApprovalDecision, ChatMessage, TaskOutcome } from '../protocol/index.js';
import { toolResultText } from './step-messages.js';

/**
 * The conversation with the person's answers in it: each answered call as it was recorded (name and arguments),
 * and as its result the approved call's outcome or a denial the model cannot mistake for a tool failure.
 */
export function withDecisions(messages: readonly ChatMessage[], decided: readonly ApprovalDecision[], outcomes: Readonly<Record<string, TaskOutcome>>): ChatMessage[] {
  if (decided.length === 0) return [...messages];
  const byCall = new Map(decided.map((d) => [d.toolCallId, d]));
  return messages.map((message): ChatMessage => {
    if (message.role === 'assistant' && message.toolCalls?.some((c) => byCall.has(c.id))) {
      return {
        ...message,
        toolCalls: message.toolCalls.map((c) => {
          const d = byCall.get(c.id);
          return d ? { id: c.id, name: d.toolName, arguments: d.arguments } : c;
        }),
      };
    }
    const d = message.role === 'tool' ? byCall.get(message.toolCallId) : undefined;
    if (message.role === 'tool' && d) return { ...message, content: d.approved ? toolResultText(outcomes[d.toolCallId]) : deniedText(d.reason) };
    return message;
  });
}

/** What the model reads for a call the person denied. */
export function deniedText(reason?: string): string {
  const message = reason ? `The user denied this tool call, so it did not run. Their reason: ${reason}` : 'The user denied this tool call, so it did not run.';
  return JSON.stringify({ error: { code: 'denied', message } });
}
