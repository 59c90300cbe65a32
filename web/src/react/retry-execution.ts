import type { ErrorInfo } from '../../../src/protocol/index.js';
import type { FollowOptions } from './follow-execution-events.js';

export interface RetryResult {
  /** The new execution's id. */
  id: string;
  /** Tasks whose completed results the new run reuses instead of running again. */
  reused: string[];
}

/** Starts a new run of an execution's workflow with the same inputs (`POST /api/executions/:id/retry`). */
export async function retryExecution(
  executionId: string,
  options: Pick<FollowOptions, 'baseUrl' | 'headers' | 'fetch'> = {},
): Promise<RetryResult> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const response = await doFetch(`${options.baseUrl ?? ''}/api/executions/${encodeURIComponent(executionId)}/retry`, {
    method: 'POST',
    headers: { Accept: 'application/json', ...(typeof options.headers === 'function' ? options.headers() : options.headers) },
  });
  const body = (await response.json().catch(() => ({}))) as Partial<RetryResult> & { error?: ErrorInfo };
  if (!response.ok || !body.id) {
    const error = body.error ?? { code: 'http_error', message: `Retry failed with status ${response.status}` };
    throw Object.assign(new Error(error.message), { code: error.code });
  }
  return { id: body.id, reused: body.reused ?? [] };
}
