import { SapflowError, oneLine } from './sapflow-error.js';

/**
 * The one normaliser: anything thrown becomes a SapflowError. Unknown errors keep their message
 * (one line) but get the `internal_error` code unless a more specific fallback is given.
 */
export function toSapflowError(error: unknown, fallbackCode = 'internal_error'): SapflowError {
  if (error instanceof SapflowError) return error;
  if (error instanceof Error) {
    if (error.name === 'AbortError') return new SapflowError('cancelled', 'The operation was cancelled', { cause: error });
    return new SapflowError(fallbackCode, oneLine(error.message || error.name), { cause: error });
  }
  return new SapflowError(fallbackCode, oneLine(typeof error === 'string' ? error : 'Unknown error'));
}

/** The `{ code, message }` pair that task events and tool outputs carry. */
export function toErrorInfo(error: unknown): { code: string; message: string; status?: number } {
  const e = toSapflowError(error, 'tool_error');
  const status = typeof e.details?.status === 'number' ? e.details.status : undefined;
  return status === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, status };
}
