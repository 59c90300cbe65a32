import type { Response } from 'express';
import { countStream } from './request-metrics.js';

/** The headers of every SSE answer; `x-accel-buffering: no` stops nginx from holding frames back. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

const KEEP_ALIVE_MS = 15_000;

/** One SSE frame. Pure: framing is separate from transport. `data` is JSON-encoded unless it is a string. */
export function toSseFrame(frame: { id?: string | number; event?: string; data: unknown }): string {
  const data = typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data);
  const lines: string[] = [];
  if (frame.id !== undefined) lines.push(`id: ${frame.id}`);
  if (frame.event !== undefined) lines.push(`event: ${frame.event}`);
  for (const line of data.split('\n')) lines.push(`data: ${line}`);
  return `${lines.join('\n')}\n\n`;
}

const KEEP_ALIVE_FRAME = ': keep-alive\n\n';

/**
 * Opens an SSE answer: writes the headers at once, sends a keep-alive comment whenever nothing else was sent for
 * `keepAliveMs`, and calls `onClose` when the client goes away (not when we end the answer ourselves).
 */
export function openSse(
  res: Response,
  { headers = {}, keepAliveMs = KEEP_ALIVE_MS, onClose }: { headers?: Record<string, string>; keepAliveMs?: number; onClose?: () => void } = {},
) {
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  res.flushHeaders();
  const uncount = countStream(res);
  let ended = false;
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      if (ended) return;
      res.write(KEEP_ALIVE_FRAME);
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
    write(text: string) {
      if (ended) return;
      res.write(text);
      arm();
    },
    end() {
      if (ended) return;
      ended = true;
      clearTimeout(idle);
      res.end();
    },
    get ended() {
      return ended;
    },
  };
}
