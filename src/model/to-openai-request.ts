import type OpenAI from 'openai';
import type { ChatMessage, ModelTool } from '../protocol/index.js';

/** Neutral messages as OpenAI chat completion messages (`tool_calls`, `tool_call_id`). */
export function toOpenAIMessages(messages: readonly ChatMessage[]): OpenAI.ChatCompletionMessageParam[] {
  return messages.map((message): OpenAI.ChatCompletionMessageParam => {
    switch (message.role) {
      case 'tool':
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
      case 'assistant':
        return message.toolCalls?.length
          ? {
              role: 'assistant',
              content: message.content,
              tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
            }
          : { role: 'assistant', content: message.content ?? '' };
      default:
        return { role: message.role, content: message.content };
    }
  });
}

/** Neutral tool definitions as the `tools` of an OpenAI chat completion request. */
export function toOpenAITools(tools: readonly ModelTool[]): OpenAI.ChatCompletionFunctionTool[] {
  return tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));
}
