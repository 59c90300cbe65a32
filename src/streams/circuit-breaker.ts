import type { Observable } from 'rxjs';
import type { BreakerState } from '../protocol/index.js';
import type { CircuitBreakerOptions } from '../tools/tool.js';

export const DEFAULT_BREAKER = { failure_threshold: 5, reset_timeout: 30 } as const;

/** The answer to "may I make one attempt?". `transition` is set when asking changed the state (open -> half-open). */
export interface BreakerPermit {
  allowed: boolean;
  transition?: BreakerState;
}

/**
 * One tool's breaker as the tool-call stream uses it. `acquire` answers synchronously whenever it can (it runs per
 * attempt); a breaker shared by a cluster answers with an Observable only when it must ask the others first (who gets
 * the one half-open probe). The in-process `CircuitBreaker` always answers synchronously, so marble timing is exact.
 */
export interface Breaker {
  readonly state: BreakerState;
  acquire(now: number): BreakerPermit | Observable<BreakerPermit>;
  /** Records an attempt's outcome; returns the new state if this outcome changed it. */
  record(success: boolean, now: number): BreakerState | undefined;
  /** An attempt that ended without an outcome (cancelled) frees the probe slot without judging the tool. */
  release(): void;
  /** Milliseconds until an attempt may be allowed again. */
  retryAfterMs(now: number): number;
}

/** Breakers by tool name: one per process (`CircuitBreakers`) or one per cluster (runtime/cluster/shared-breakers.ts). */
export interface BreakerRegistry {
  get(name: string, options?: CircuitBreakerOptions): Breaker;
  states(): Record<string, BreakerState>;
}

/**
 * One breaker per tool name. Closed counts consecutive failed attempts; at the threshold it opens;
 * after `reset_timeout` it lets exactly one probe through (half-open); the probe's outcome closes or re-opens it.
 * Time comes from the caller (the scheduler's clock) so the state machine runs on virtual time in tests.
 */
export class CircuitBreaker implements Breaker {
  state: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;

  constructor(
    readonly name: string,
    private readonly options: Required<CircuitBreakerOptions>,
  ) {}

  /** Asks to make one attempt. `transition` is set when asking changed the state (open -> half-open). */
  acquire(now: number): BreakerPermit {
    if (this.state === 'open' && now - this.openedAt >= this.options.reset_timeout * 1000) {
      this.state = 'half-open';
      this.probeInFlight = true;
      return { allowed: true, transition: 'half-open' };
    }
    if (this.state === 'half-open' && !this.probeInFlight) {
      this.probeInFlight = true;
      return { allowed: true };
    }
    return { allowed: this.state === 'closed' };
  }

  /** Records an attempt's outcome; returns the new state if it changed. */
  record(success: boolean, now: number): BreakerState | undefined {
    if (success) {
      this.failures = 0;
      this.probeInFlight = false;
      return this.moveTo('closed', now);
    }
    this.failures += 1;
    if (this.state === 'half-open' || this.failures >= this.options.failure_threshold) {
      this.probeInFlight = false;
      return this.moveTo('open', now);
    }
    return undefined;
  }

  /** An attempt that ended without an outcome (cancelled) frees the probe slot without judging the tool. */
  release(): void {
    this.probeInFlight = false;
  }

  /** Milliseconds until an open breaker lets a probe through. */
  retryAfterMs(now: number): number {
    return Math.max(0, this.openedAt + this.options.reset_timeout * 1000 - now);
  }

  /** True when the next `acquire` would be the probe: open past `reset_timeout`, or half-open with no probe out. */
  probeDue(now: number): boolean {
    if (this.state === 'open') return now - this.openedAt >= this.options.reset_timeout * 1000;
    return this.state === 'half-open' && !this.probeInFlight;
  }

  /**
   * Takes a state decided elsewhere (another process of the cluster, or the cluster's record after a reconnect).
   * Returns nothing to emit: no attempt of this process caused it.
   */
  adopt(state: 'open' | 'closed', openedAt: number): void {
    this.state = state;
    this.probeInFlight = false;
    if (state === 'open') this.openedAt = openedAt;
    else this.failures = 0;
  }

  private moveTo(state: BreakerState, now: number): BreakerState | undefined {
    if (state === 'open') this.openedAt = now;
    if (this.state === state) return undefined;
    this.state = state;
    return state;
  }
}

/** The process-wide set of breakers, keyed by tool name, shared by every run. */
export class CircuitBreakers implements BreakerRegistry {
  private readonly byName = new Map<string, CircuitBreaker>();

  get(name: string, options: CircuitBreakerOptions = {}): CircuitBreaker {
    let breaker = this.byName.get(name);
    if (!breaker) {
      breaker = new CircuitBreaker(name, { ...DEFAULT_BREAKER, ...options });
      this.byName.set(name, breaker);
    }
    return breaker;
  }

  states(): Record<string, BreakerState> {
    return Object.fromEntries([...this.byName].map(([name, b]) => [name, b.state]));
  }
}
