import type { ErrorRequestHandler, Response } from 'express';
import { retryAfterForCode, SapflowError, statusForCode, toSapflowError } from '../errors/index.js';

/**
 * What a client may see of an error. Unexpected ones may carry internals (SQL, paths): they are logged here, so
 * every answer that says "the error was logged" is true, and the client gets their code only.
 */
export function toClientError(error: unknown, context = 'unexpected error'): SapflowError {
  const e = toSapflowError(error);
  if (e.code !== 'internal_error') return e;
  console.error(`[sapflow] ${context}:`, error);
  return new SapflowError(e.code, 'Something went wrong inside Sapflow; the error was logged');
}

/** The one shape of every error a client sees: `{ error: { code, message, ...details } }`, never a stack. */
export function sendError(res: Response, error: unknown): void {
  const e = toClientError(error);
  if (res.headersSent) {
    res.end();
    return;
  }
  // nothing was accepted (Redis away, the gateway full), and a client may try again shortly
  const retryAfter = retryAfterForCode(e.code);
  if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
  res.status(statusForCode(e.code)).json({ error: e.toJSON() });
}

/** Express's own errors (body parser: malformed JSON, too large, wrong charset) mapped to stable codes. */
export const errorMiddleware: ErrorRequestHandler = (error, _req, res, _next) => {
  const type = (error as { type?: string }).type;
  if (type === 'entity.parse.failed') return sendError(res, new SapflowError('invalid_json', 'The body is not valid JSON'));
  if (type === 'entity.too.large') return sendError(res, new SapflowError('payload_too_large', 'The body is larger than the limit'));
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return sendError(res, new SapflowError('unsupported_media_type', 'Unsupported body encoding'));
  sendError(res, error);
};
