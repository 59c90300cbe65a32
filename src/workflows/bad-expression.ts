import { SapflowError } from '../errors/index.js';

const MAX_SHOWN = 80;

/**
 * The one shape of an expression error: code `bad_expression`, the expression named in the message
 * (shortened, since a message is one line) and, when known, the definition path it came from.
 */
export function badExpression(expression: string, reason: string, path?: string): SapflowError {
  const flat = expression.replace(/\s+/g, ' ').trim();
  const shown = flat.length > MAX_SHOWN ? `${flat.slice(0, MAX_SHOWN - 1)}…` : flat;
  const where = path === undefined ? '' : ` at ${path}`;
  return new SapflowError('bad_expression', `Bad expression "${shown}"${where}: ${reason}`, {
    details: path === undefined ? { expression, reason } : { path, expression, reason },
  });
}

/** The same error, now knowing where in the definition the expression sits. */
export function withPath(error: unknown, path: string): unknown {
  if (!(error instanceof SapflowError) || error.code !== 'bad_expression' || error.details?.path !== undefined) return error;
  const { expression, reason } = error.details as { expression: string; reason: string };
  return badExpression(expression, reason, path);
}

/** The library's own one-line summary, without its multi-line source highlighting. */
export function celReason(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { summary, message } = error as { summary?: unknown; message?: unknown };
    if (typeof summary === 'string' && summary) return summary;
    if (typeof message === 'string' && message) return message.split('\n')[0]!;
  }
  return String(error);
}
