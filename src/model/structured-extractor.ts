import type OpenAI from 'openai';
import { ContentFilterFinishReasonError, LengthFinishReasonError } from 'openai/core/error';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { SapflowError, oneLine } from '../errors/index.js';
import { hostOf, toModelError } from './to-model-error.js';

export interface ExtractOptions {
  signal?: AbortSignal;
  /** The response format's name, shown to the model (`[A-Za-z0-9_-]`). */
  name?: string;
}

/** Reads `input` into the shape of `schema`, following `instructions`, with the model's structured outputs. */
export type StructuredExtractor = <T>(
  schema: z.ZodType<T>,
  instructions: string,
  input: string,
  options?: ExtractOptions,
) => Promise<T>;

/**
 * Structured outputs with the SDK's own zod helper (`zodResponseFormat`, which handles zod 4): strict JSON Schema
 * in, the parsed and validated value out. Failures are one-line `upstream_error`s (or `cancelled`).
 */
export function createStructuredExtractor(client: OpenAI, model: string): StructuredExtractor {
  const context = { retries: 0, host: hostOf(client.baseURL), apiKey: client.apiKey ?? undefined };
  return async (schema, instructions, input, options = {}) => {
    let completion;
    try {
      completion = await client.chat.completions.parse(
        {
          model,
          messages: [
            { role: 'system', content: instructions },
            { role: 'user', content: input },
          ],
          response_format: zodResponseFormat(schema, options.name ?? 'extraction'),
        },
        { signal: options.signal },
      );
    } catch (error) {
      throw toExtractionError(error, context);
    }
    const message = completion.choices[0]?.message;
    if (message?.refusal) throw new SapflowError('upstream_error', `The model declined to extract: ${oneLine(message.refusal, 200)}`);
    if (message?.parsed === null || message?.parsed === undefined) {
      throw new SapflowError('upstream_error', 'The model returned no structured answer');
    }
    return message.parsed;
  };
}

function toExtractionError(error: unknown, context: Parameters<typeof toModelError>[1]): SapflowError {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return new SapflowError('upstream_error', `The model's answer did not match the schema (${where}${issue?.message ?? 'invalid'})`, {
      cause: error,
    });
  }
  if (error instanceof SyntaxError) {
    return new SapflowError('upstream_error', "The model's answer was not valid JSON", { cause: error });
  }
  if (error instanceof LengthFinishReasonError) {
    return new SapflowError('upstream_error', "The model's answer was cut off at its length limit", { cause: error });
  }
  if (error instanceof ContentFilterFinishReasonError) {
    return new SapflowError('upstream_error', "The model's answer was stopped by its content filter", { cause: error });
  }
  return toModelError(error, context);
}
