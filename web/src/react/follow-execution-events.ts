import type { ErrorInfo, WorkflowEvent } from '../../../src/protocol/index.js';
import type { ConnectionState } from './workflow-status-reducer.js';
import { createSseFrameParser } from './sse-frame-parser.js';

export interface FollowOptions {
  /** Origin of the Sapflow gateway; '' (same origin) by default. */
  baseUrl?: string;
  /** Extra request headers, e.g. `{ Authorization: 'Bearer ...' }`; a function is called on every (re)connect. */
  headers?: Record<string, string> | (() => Record<string, string>);
  fetch?: typeof fetch;
  /** Delay before reconnect attempt n (1-based); default 250 ms doubling to 5 s. */
  retryDelayMs?: (attempt: number) => number;
  /** Consecutive failed connects before giving up with `connection: 'error'`. */
  maxRetries?: number;
}

export interface FollowCallbacks {
  onEvent(seq: number | undefined, event: WorkflowEvent): void;
  onConnection(state: ConnectionState, error?: ErrorInfo): void;
  /** Highest seq already applied, sent back as Last-Event-ID so the server replays only what is missing. */
  lastEventId(): number | null;
}

const defaultDelay = (attempt: number) => Math.min(250 * 2 ** (attempt - 1), 5000);

class FatalStreamError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
  }
}

async function errorInfoOf(response: Response): Promise<ErrorInfo> {
  try {
    const body = (await response.json()) as { error?: ErrorInfo };
    if (body.error?.code) return body.error;
  } catch {
    // not JSON: fall through to the status line
  }
  return { code: 'http_error', message: `The gateway answered ${response.status}`, status: response.status };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

/**
 * Follows `/api/executions/:id/events` until `workflow-finish`, reconnecting with `Last-Event-ID` after a drop.
 * Resolves when the run is finished, the signal aborts, or the gateway refuses for good.
 */
export async function followExecutionEvents(
  executionId: string,
  callbacks: FollowCallbacks,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const delay = options.retryDelayMs ?? defaultDelay;
  const maxRetries = options.maxRetries ?? 20;
  const url = `${options.baseUrl ?? ''}/api/executions/${encodeURIComponent(executionId)}/events`;
  let failures = 0;
  let connectedBefore = false;

  while (!signal.aborted) {
    callbacks.onConnection(connectedBefore || failures > 0 ? 'reconnecting' : 'connecting');
    let finished = false;
    try {
      const headers: Record<string, string> = {
        Accept: 'text/event-stream',
        ...(typeof options.headers === 'function' ? options.headers() : options.headers),
      };
      const lastId = callbacks.lastEventId();
      if (lastId !== null) headers['Last-Event-ID'] = String(lastId);
      const response = await doFetch(url, { headers, signal });
      if (!response.ok) {
        const info = await errorInfoOf(response);
        // 4xx other than timeouts and rate limits will not get better by asking again
        if (response.status < 500 && response.status !== 408 && response.status !== 429) throw new FatalStreamError(info);
        throw new Error(info.message);
      }
      if (!response.body) throw new FatalStreamError({ code: 'no_stream', message: 'This browser cannot read streamed responses' });
      callbacks.onConnection('open');
      connectedBefore = true;
      const parser = createSseFrameParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const frame of parser.push(value)) {
          if (frame.event === 'error') {
            const body = JSON.parse(frame.data) as { error?: ErrorInfo };
            throw new FatalStreamError(body.error ?? { code: 'stream_error', message: frame.data });
          }
          const event = JSON.parse(frame.data) as WorkflowEvent;
          const seq = frame.id !== undefined && frame.id !== '' ? Number(frame.id) : undefined;
          callbacks.onEvent(Number.isFinite(seq) ? seq : undefined, event);
          failures = 0;
          if (event.type === 'workflow-finish') finished = true;
        }
        if (finished) {
          await reader.cancel().catch(() => undefined);
          break;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof FatalStreamError) {
        callbacks.onConnection('error', error.info);
        return;
      }
    }
    if (finished) {
      callbacks.onConnection('closed');
      return;
    }
    if (signal.aborted) return;
    failures += 1;
    if (failures > maxRetries) {
      callbacks.onConnection('error', { code: 'stream_unreachable', message: 'Lost the event stream and could not reconnect' });
      return;
    }
    await sleep(delay(failures), signal);
  }
}
