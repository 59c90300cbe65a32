import type { Observable } from 'rxjs';
import type { ChatMessage, FinishReason, ModelTool } from '../protocol/index.js';

export type { ChatMessage, FinishReason, ModelTool };

/** Provider-neutral messages and tools in; each adapter converts them into its provider's shapes. */
export interface ModelRequest {
  messages: ChatMessage[];
  tools: ModelTool[];
  /** Optional: aborting it ends the stream with a `cancelled` error. Unsubscribing aborts as well. */
  signal?: AbortSignal;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/**
 * One model turn, as it streams. For every tool call: `tool-call-start` once its id and name are known, a
 * `tool-call-delta` per arguments fragment, then `tool-call-ready` as soon as its arguments are complete
 * (when the next call begins or the turn ends). `finish` is always the last chunk of a turn that did not fail.
 */
export type ModelChunk =
  | { type: 'text-delta'; delta: string }
  /** `index` is the call's position in this turn (0, 1, ...), unique within the turn. */
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; id: string; argsDelta: string }
  /** `args` is the raw JSON text the model wrote; it may be invalid, which the caller reports to the model. */
  | { type: 'tool-call-ready'; id: string; name: string; args: string }
  | { type: 'finish'; finishReason: FinishReason; usage?: ModelUsage };

export interface ChatModel {
  readonly kind: 'openai' | 'offline-demo';
  /** Cold: each subscription is one upstream request; unsubscribing aborts it. */
  stream(request: ModelRequest): Observable<ModelChunk>;
}
