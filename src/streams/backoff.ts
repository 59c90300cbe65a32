export interface BackoffOptions {
  /** Delay cap before jitter for the first retry, in ms. */
  baseMs: number;
  factor: number;
  capMs: number;
  /** Injectable so tests are exact; returns [0, 1). */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, factor: 2, capMs: 5_000, random: Math.random };

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(cap, base * factor^(retry-1))).
 * Full jitter spreads retries of many callers hitting the same failing service (AWS architecture blog).
 */
export function backoffDelay(retry: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(options.capMs, options.baseMs * options.factor ** Math.max(0, retry - 1));
  return Math.floor(options.random() * ceiling);
}
