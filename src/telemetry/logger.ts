import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Human-readable lines instead of JSON; by default when stdout is a terminal. */
  pretty?: boolean;
  level?: string;
  /** Where lines go (tests); stdout by default. */
  destination?: NodeJS.WritableStream;
}

/**
 * Sapflow's log: one JSON object per line (pino) for log collectors, readable lines on a terminal. Lines about a
 * run carry `executionId` (and `taskId`, `traceId` where there is one) as fields, so they can be filtered by run.
 */
export function createLogger({ pretty: readable = process.stdout.isTTY === true, level = 'info', destination }: LoggerOptions = {}): Logger {
  const options = { level, base: { service: 'sapflow' } };
  if (readable) return pino(options, pretty({ destination: destination ?? 1, sync: true, singleLine: true, ignore: 'pid,hostname,service', translateTime: 'HH:MM:ss.l' }));
  return destination ? pino(options, destination) : pino(options, pino.destination({ dest: 1, sync: false }));
}

/** The trace id inside a W3C traceparent (`00-<trace id>-<span id>-<flags>`). */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent?.split('-')[1];
}
