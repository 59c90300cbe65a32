import { SapflowError } from '../errors/index.js';

// connection loss, shutdown, overload, serialization and deadlock: worth trying again
const TRANSIENT_SQLSTATE = /^(08|53|57P|40001|40P01)/;
const TRANSIENT_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** Whether a database failure may pass if the same statement is tried again. */
export function isTransientStoreError(error: unknown): boolean {
  if (error instanceof SapflowError) return error.retryable;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_NODE.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return /connection terminated|connection.*(closed|ended)|timeout/i.test(message);
}

/** Runs a store operation; anything but a `SapflowError` becomes `store_error`, with the driver error as its cause. */
export async function guardStore<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SapflowError) throw error;
    throw new SapflowError('store_error', `the store could not ${action}`, {
      cause: error,
      retryable: isTransientStoreError(error),
    });
  }
}
