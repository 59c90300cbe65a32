import type { ErrorRequestHandler, Response } from 'express';
import { statusForCode, toSapflowError, type ErrorBody } from '../errors/index.js';

/** The one shape of every error a client sees: `{ error: { code, message, ...details } }`, never a stack. */
export function sendError(res: Response, error: unknown): void {
  const e = toSapflowError(error);
  // unexpected errors may carry internals (SQL, paths): the client gets the code only, the log gets the rest
  const body: ErrorBody = e.code === 'internal_error'
    ? { error: { code: e.code, message: 'Something went wrong inside Sapflow; the error was logged' } }
    : { error: e.toJSON() };
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(statusForCode(e.code)).json(body);
}

/** Express's own errors (body parser: malformed JSON, too large, wrong charset) mapped to stable codes. */
export const errorMiddleware: ErrorRequestHandler = (error, _req, res, _next) => {
  const type = (error as { type?: string }).type;
  if (type === 'entity.parse.failed') return sendError(res, Object.assign(toSapflowError(new Error('The body is not valid JSON'), 'invalid_json')));
  if (type === 'entity.too.large') return sendError(res, toSapflowError(new Error(`The body is larger than the limit`), 'payload_too_large'));
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return sendError(res, toSapflowError(new Error('Unsupported body encoding'), 'unsupported_media_type'));
  if (toSapflowError(error).code === 'internal_error') console.error('[sapflow] unexpected error:', error);
  sendError(res, error);
};
