import OpenAI from 'openai';
import { catchError, defer, finalize, from, retry, switchMap, tap, throwError, timeout, timer, type Observable } from 'rxjs';
import { SapflowError } from '../errors/index.js';
import type { ChatModel, ModelChunk, ModelRequest } from './chat-model.js';
import { honourSignal } from './honour-signal.js';
import { toModelChunks } from './to-model-chunks.js';
import { toOpenAIMessages, toOpenAITools } from './to-openai-request.js';
import { hostOf, isRetryableModelError, toModelError } from './to-model-error.js';

export interface OpenAIModelOptions {
  apiKey: string;
  /** Any OpenAI-compatible endpoint, e.g. `http://127.0.0.1:11434/v1`; OpenAI's own when absent. */
  baseURL?: string;
  model?: string;
  /** Retries for 429 / 5xx / connection errors that happen before anything was emitted. */
  maxRetries?: number;
  /** First backoff; doubles on every retry. */
  retryBaseMs?: number;
  /** A stream that sends nothing for this long (including before its first chunk) fails as an upstream error. */
  idleTimeoutMs?: number;
  /** Injected client (tests, custom fetch); its own retries should be off. */
  client?: OpenAI;
}

/** Longest wait a `retry-after` header can impose on one retry. */
const MAX_RETRY_AFTER_MS = 10_000;

export function createOpenAIModel(options: OpenAIModelOptions): ChatModel {
  const { apiKey, baseURL, model = 'gpt-4o', maxRetries = 3, retryBaseMs = 250, idleTimeoutMs = 60_000 } = options;
  // retries are ours (below), so they stop once anything has reached the caller
  const client = options.client ?? new OpenAI({ apiKey, baseURL, maxRetries: 0 });
  const host = hostOf(baseURL ?? client.baseURL);

  const attempt = (request: ModelRequest): Observable<ModelChunk> =>
    defer(() => {
      const controller = new AbortController();
      let emitted = false;
      let answered = false;
      const body: OpenAI.ChatCompletionCreateParamsStreaming = {
        model,
        messages: toOpenAIMessages(request.messages),
        stream: true,
        stream_options: { include_usage: true },
        ...(request.tools.length > 0 ? { tools: toOpenAITools(request.tools), parallel_tool_calls: true } : {}),
      };
      return from(client.chat.completions.create(body, { signal: controller.signal })).pipe(
        switchMap((stream) => stream),
        tap({ complete: () => (answered = true) }),
        timeout({
          each: idleTimeoutMs,
          with: () =>
            throwError(
              () =>
                new SapflowError('upstream_error', `The model endpoint at ${host} sent nothing for ${idleTimeoutMs} ms`, {
                  retryable: true,
                }),
            ),
        }),
        // a whole answer has nothing left to abort; aborting anyway built an AbortError per request (1 % of a busy gateway)
        finalize(() => {
          if (!answered) controller.abort();
        }),
        toModelChunks(),
        tap(() => (emitted = true)),
        // part of the answer is already out: a retry would repeat it, so this attempt's failure is final
        catchError((error: unknown) =>
          throwError(() => (emitted ? toModelError(error, { retries: 0, host, apiKey, midAnswer: true }) : error)),
        ),
      );
    });

  return {
    kind: 'openai',
    stream: (request) =>
      attempt(request).pipe(
        retry({
          count: maxRetries,
          delay: (error: unknown, retryCount) =>
            isRetryableModelError(error)
              ? timer(Math.max(retryBaseMs * 2 ** (retryCount - 1), retryAfterMs(error)))
              : throwError(() => error),
        }),
        catchError((error: unknown) =>
          throwError(() => toModelError(error, { retries: isRetryableModelError(error) ? maxRetries : 0, host, apiKey })),
        ),
        honourSignal(request.signal),
      ),
  };
}

/** Honour the server's `retry-after` when it asks for longer than our backoff, within reason. */
function retryAfterMs(error: unknown): number {
  if (!(error instanceof OpenAI.APIError) || !error.headers) return 0;
  const ms = Number(error.headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return Math.min(ms, MAX_RETRY_AFTER_MS);
  const seconds = Number(error.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : 0;
}
