import type { Response } from 'express';
import { countStream } from './request-metrics.js';
import { createSseOutbox } from './sse-outbox.js';

/** The headers of every SSE answer; `x-accel-buffering: no` stops nginx from holding frames back. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** A comment after this long without a frame, so proxies and clients do not time the stream out. */
export const KEEP_ALIVE_MS = 15_000;
/** SSE_STALL_TIMEOUT_MS's default. */
export const STALL_MS = 60_000;

/** One SSE frame. Pure: framing is separate from transport. `data` is JSON-encoded unless it is a string. */
export function toSseFrame(frame: { id?: string | number; event?: string; data: unknown }): string {
  const data = typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data);
  // the common case (JSON has no raw newline): one line, no splitting
  if (frame.id === undefined && frame.event === undefined && !data.includes('\n')) return `data: ${data}\n\n`;
  const lines: string[] = [];
  if (frame.id !== undefined) lines.push(`id: ${frame.id}`);
  if (frame.event !== undefined) lines.push(`event: ${frame.event}`);
  for (const line of data.split('\n')) lines.push(`data: ${line}`);
  return `${lines.join('\n')}\n\n`;
}

/** The SSE settings every answer takes from the configuration: the stall limit and the gathering window. */
export function sseSettings(config: { SSE_STALL_TIMEOUT_MS: number; SSE_COALESCE_MS: number }): { stallMs: number; coalesceMs: number } {
  return { stallMs: config.SSE_STALL_TIMEOUT_MS, coalesceMs: config.SSE_COALESCE_MS };
}

const KEEP_ALIVE_FRAME = ': keep-alive\n\n';

export interface OpenSseOptions {
  headers?: Record<string, string>;
  keepAliveMs?: number;
  /** How long the client may leave its socket backed up before it is dropped (SSE_STALL_TIMEOUT_MS). */
  stallMs?: number;
  /** How long frames after a write wait to be written together (SSE_COALESCE_MS). */
  coalesceMs?: number;
  /** The client went away (or stalled and was dropped); not called when we end the answer ourselves. */
  onClose?: () => void;
}

/**
 * Opens an SSE answer: writes the headers at once, sends a keep-alive comment whenever nothing else was sent for
 * `keepAliveMs`, writes through a backpressure-aware outbox (sse-outbox.ts), and calls `onClose` when the client
 * goes away.
 */
export function openSse(res: Response, { headers = {}, keepAliveMs = KEEP_ALIVE_MS, stallMs = STALL_MS, coalesceMs, onClose }: OpenSseOptions = {}) {
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  res.flushHeaders();
  const uncount = countStream(res);
  const outbox = createSseOutbox(res, { stallMs, coalesceMs });
  let ended = false;
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      if (ended) return;
      // a backed-up socket is not idle: a comment would only queue behind what the client has not read
      if (!outbox.backedUp) res.write(KEEP_ALIVE_FRAME);
      arm();
    }, keepAliveMs);
  };
  arm();
  res.on('close', () => {
    uncount();
    clearTimeout(idle);
    if (!ended) {
      ended = true;
      onClose?.();
    }
  });
  return {
    /** A frame; frames with the same `key` are snapshots, of which only the latest waits while the client lags. */
    write(text: string, key?: string) {
      if (ended) return;
      outbox.write(text, key);
      arm();
    },
    end() {
      if (ended) return;
      ended = true;
      clearTimeout(idle);
      outbox.end();
    },
    get ended() {
      return ended;
    },
    get backedUp() {
      return outbox.backedUp;
    },
    get queuedChars() {
      return outbox.queuedChars;
    },
  };
}
