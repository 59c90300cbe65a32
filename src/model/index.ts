export type { ChatMessage, ChatModel, FinishReason, ModelChunk, ModelRequest, ModelTool, ModelUsage } from './chat-model.js';
export { createOpenAIModel, type OpenAIModelOptions } from './openai-model.js';
export { createOpenAIModels } from './openai-models.js';
export { createOfflineDemoModel, type OfflineDemoModelOptions } from './offline-demo-model.js';
export { toModelChunks } from './to-model-chunks.js';
export { createStructuredExtractor, type ExtractOptions, type StructuredExtractor } from './structured-extractor.js';
