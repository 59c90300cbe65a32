import OpenAI from 'openai';
import type { ChatModel } from './chat-model.js';
import { createOpenAIModel } from './openai-model.js';
import { createStructuredExtractor, type StructuredExtractor } from './structured-extractor.js';

/** The chat model and the structured extractor over one OpenAI(-compatible) client, so the client stays in this layer. */
export function createOpenAIModels(options: { apiKey: string; baseURL?: string; model: string }): { model: ChatModel; extractor: StructuredExtractor } {
  // retries are the model adapter's own, so they stop once anything has reached the caller
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0 });
  return {
    model: createOpenAIModel({ ...options, client }),
    extractor: createStructuredExtractor(client, options.model),
  };
}
