/**
 * The one error class every layer throws. `code` is stable and machine-readable; `message` is one line
 * and safe to show a client. `details` carries typed extras (a path, an HTTP status) without leaking internals.
 */
export class SapflowError extends Error {
  override readonly name: string = 'SapflowError';
  readonly code: string;
  readonly details?: Record<string, unknown>;
  /** Whether trying the same operation again may succeed (network blips, 429, 5xx, timeouts). */
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(oneLine(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }

  toJSON(): ErrorBody['error'] {
    return { code: this.code, message: this.message, ...(this.details ?? {}) };
  }
}

export interface ErrorBody {
  error: { code: string; message: string; [extra: string]: unknown };
}

export function isSapflowError(value: unknown): value is SapflowError {
  return value instanceof SapflowError;
}

/** Messages cross process boundaries as one line, never a stack. */
export function oneLine(message: string, max = 500): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
