/**
 * Provider-neutral chat messages, tool calls and tool definitions: what the gateway keeps and passes around.
 * Each model adapter converts these into its provider's own shapes.
 */

/** One tool call as the model asked for it; `arguments` is the raw JSON text the model wrote. */
export interface ToolCallRequest {
  id: string;
  name: string;
  arguments: string;
}

export interface SystemMessage {
  role: 'system';
  content: string;
}
export interface UserMessage {
  role: 'user';
  content: string;
}
export interface AssistantMessage {
  role: 'assistant';
  /** null when the model only called tools. */
  content: string | null;
  toolCalls?: ToolCallRequest[];
}
/** The answer to one tool call, as text the model reads back. */
export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  content: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** A tool as it is offered to the model. */
export interface ModelTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments object (no `$schema` key). */
  parameters: Record<string, unknown>;
}
