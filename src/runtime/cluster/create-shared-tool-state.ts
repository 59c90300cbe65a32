import { SharedBreakers, type SharedBreakersOptions } from './shared-breakers.js';
import { SharedLimiters, type SharedLimitersOptions } from './shared-limiters.js';
import { ToolStateLink } from './tool-state-link.js';

export interface SharedToolStateOptions extends SharedBreakersOptions, SharedLimitersOptions {
  /** Prefix of every key and channel (default `sapflow:`). */
  prefix?: string;
  log?: (message: string) => void;
  commandTimeoutMs?: number;
}

export interface SharedToolState {
  /** For `createEngine({ breakers, limiters })`. */
  breakers: SharedBreakers;
  limiters: SharedLimiters;
  /** False while Redis is unreachable (breakers and limits are then per process); for `/api/health`. */
  available(): boolean;
  /** Resolves once Redis is connected and listened to; tool calls before that run on the local fallback. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Circuit breakers and tool concurrency limits shared by every process of a cluster through Redis
 * (see shared-breakers.ts and shared-limiters.ts for how, and what happens while Redis is away).
 */
export function createSharedToolState(redisUrl: string, options: SharedToolStateOptions = {}): SharedToolState {
  const link = new ToolStateLink(redisUrl, { prefix: options.prefix ?? 'sapflow:', log: options.log, commandTimeoutMs: options.commandTimeoutMs });
  const breakers = new SharedBreakers(link, options);
  const limiters = new SharedLimiters(link, options);
  return {
    breakers,
    limiters,
    available: () => link.available,
    ready: () => link.ready(),
    close: () => link.close(),
  };
}
