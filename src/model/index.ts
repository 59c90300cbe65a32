export type { ChatMessage, ChatModel, FinishReason, ModelChunk, ModelRequest, ModelUsage } from './chat-model.js';
export { createOpenAIModel, type OpenAIModelOptions } from './openai-model.js';
export { toModelChunks } from './to-model-chunks.js';
