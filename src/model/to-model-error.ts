import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { SapflowError, oneLine } from '../errors/index.js';

/** Statuses worth another attempt: the same request may well succeed a moment later. */
const RETRYABLE_STATUS = new Set([408, 409, 429]);

export interface ModelErrorContext {
  /** Retries already spent when the error is final; said in the message. */
  retries: number;
  /** Host of the endpoint, for "could not be reached" messages. */
  host: string;
  /** Redacted from any upstream text that is passed on. */
  apiKey?: string;
  /** Part of the answer had already been emitted, so there was no retry. */
  midAnswer?: boolean;
}

/** The endpoint's host as error messages name it (`ModelErrorContext.host`). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the configured URL';
  }
}

/** Whether another attempt at the same model request may succeed (only asked before anything was emitted). */
export function isRetryableModelError(error: unknown): boolean {
  if (error instanceof SapflowError) return error.retryable;
  if (error instanceof APIUserAbortError) return false;
  if (error instanceof APIError) {
    // no status: a connection error, or an `error` event inside the stream
    return error.status === undefined || RETRYABLE_STATUS.has(error.status) || error.status >= 500;
  }
  return !(error instanceof Error && error.name === 'AbortError');
}

/** The one line a client sees for a failed model request: a code, the status, never a stack or the key. */
export function toModelError(error: unknown, context: ModelErrorContext): SapflowError {
  if (context.midAnswer && !(error instanceof APIError) && !(error instanceof SapflowError)) {
    const reason = error instanceof Error ? redact(error.message || error.name, context.apiKey) : 'unknown error';
    return new SapflowError('upstream_error', `The connection to the model endpoint at ${context.host} broke off mid-answer (${reason})`, {
      cause: error,
    });
  }
  if (context.midAnswer) {
    const final = toModelError(error, { ...context, midAnswer: false, retries: 0 });
    return final.code === 'cancelled' ? final : new SapflowError(final.code, `The model stream failed mid-answer: ${final.message}`, { cause: error });
  }
  const after = context.retries > 0 ? ` after ${context.retries} ${context.retries === 1 ? 'retry' : 'retries'}` : '';
  if (error instanceof SapflowError) {
    return error.retryable && after ? new SapflowError(error.code, `${error.message}${after}`, { cause: error }) : error;
  }
  const fail = (code: string, message: string, status?: number) =>
    new SapflowError(code, message, { cause: error, ...(status === undefined ? {} : { details: { status } }) });

  if (error instanceof APIUserAbortError || (error instanceof Error && error.name === 'AbortError')) {
    return new SapflowError('cancelled', 'The model request was cancelled', { cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return fail('upstream_error', `The model endpoint at ${context.host} did not answer in time${after}`);
  }
  if (error instanceof APIConnectionError) {
    return fail('upstream_error', `The model endpoint at ${context.host} could not be reached${after}`);
  }
  if (error instanceof APIError) {
    const status = error.status;
    const detail = upstreamDetail(error, context.apiKey);
    if (status === undefined) return fail('upstream_error', `The model endpoint reported an error${after}${detail}`);
    if (status === 429) return fail('rate_limited', `The model endpoint answered 429 (rate limited)${after}`, status);
    if (status >= 500 || RETRYABLE_STATUS.has(status)) {
      return fail('upstream_error', `The model endpoint answered ${status}${after}`, status);
    }
    // upstream 401 bodies echo part of the key, so none of their text is passed on
    if (status === 401) return fail('upstream_error', 'The model endpoint rejected the API key (401); check OPENAI_API_KEY', status);
    if (status === 403) return fail('upstream_error', `The model endpoint refused the request (403)${detail}`, status);
    return fail('upstream_error', `The model endpoint rejected the request (${status})${detail}`, status);
  }
  const reason = error instanceof Error ? redact(error.message || error.name, context.apiKey) : 'unknown error';
  return fail('upstream_error', `The connection to the model endpoint at ${context.host} broke off${after} (${reason})`);
}

function upstreamDetail(error: APIError, apiKey: string | undefined): string {
  const body = error.error as { message?: unknown } | undefined;
  const text = typeof body?.message === 'string' ? body.message : '';
  return text ? `: ${oneLine(redact(text, apiKey), 200)}` : '';
}

function redact(text: string, apiKey: string | undefined): string {
  const withoutKey = apiKey ? text.split(apiKey).join('***') : text;
  return withoutKey.replace(/\bsk-[A-Za-z0-9_*.-]{4,}/g, 'sk-***');
}
