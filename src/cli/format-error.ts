import type { SapflowError } from '../errors/index.js';

/** `[code] path: message` - one line, never a stack; the path is left out when the error has none. */
export function formatError(error: SapflowError): string {
  const path = typeof error.details?.path === 'string' && error.details.path !== '' ? `${error.details.path}: ` : '';
  return `[${error.code}] ${path}${error.message}`;
}
