import { Observable } from 'rxjs';
import type { BreakerState } from '../../protocol/index.js';
import { CircuitBreaker, DEFAULT_BREAKER, type Breaker, type BreakerPermit, type BreakerRegistry } from '../../streams/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../../tools/tool.js';
import type { RedisScript, ToolStateLink } from './tool-state-link.js';

/*
 * One circuit breaker per tool for the whole cluster.
 *
 * Why a local mirror: `acquire` runs on every attempt and the closed path (nearly all of them) must not wait for a
 * round trip, so each process keeps a `CircuitBreaker` that answers from memory, and Redis keeps it in line:
 * - failed attempts are counted in Redis (`breaker:<tool>:failures`, INCR with an expiry, deleted on success), so
 *   failures spread over three workers add up. The first failure of a streak is broadcast (`failing`), so a success
 *   deletes the count only while a streak is known to be on, not on every call;
 * - the attempt that reaches the threshold - or a process whose own
 *   consecutive failures reach it - writes `breaker:<tool>:open` with `reset_timeout` as its expiry and publishes
 *   `open`; every process adopts it at once (this attempt's run gets the `circuit-breaker` event; others get none,
 *   since nothing in them caused it);
 * - when `reset_timeout` has passed, the one probe is claimed cluster-wide with SET NX on `breaker:<tool>:probe`
 *   (expiring after `reset_timeout`, so a probe whose process died frees itself). Only this is asynchronous: the
 *   attempt waits one round trip, other processes are told how long the probe may take and fail fast meanwhile;
 * - the probe's success deletes the open state and publishes `closed`; its failure re-opens everywhere.
 * A process that missed a broadcast heals on its own: a missed `open` is learnt from the next failure's script
 * reply, a missed `closed` from the probe claim (no open key: the probe goes through and closes it).
 *
 * Redis away: the mirror is a complete breaker, so it simply goes on alone (per process, as without a cluster);
 * on reconnect each breaker reads the cluster's state, and one opened alone during the outage is written back.
 */

const FAILURE_SCRIPT: RedisScript = { name: 'sapflowBreakerFailure', keys: 3, lua: `
local failures = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if failures == 1 then redis.call('PUBLISH', ARGV[6], ARGV[8]) end
local open = redis.call('PTTL', KEYS[2])
if open > 0 then return {2, open} end
if ARGV[5] == '1' or failures >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[3])
  redis.call('DEL', KEYS[1], KEYS[3])
  redis.call('PUBLISH', ARGV[6], ARGV[7])
  return {1, tonumber(ARGV[3])}
end
return {0, 0}` };

const CLOSE_SCRIPT: RedisScript = { name: 'sapflowBreakerClose', keys: 3, lua: `
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1` };

const CLAIM_SCRIPT: RedisScript = { name: 'sapflowBreakerClaim', keys: 2, lua: `
local open = redis.call('PTTL', KEYS[1])
if open > 0 then return {0, open} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, 0} end
if redis.call('GET', KEYS[2]) == ARGV[1] then return {1, 0} end
return {2, redis.call('PTTL', KEYS[2])}` };

const RELEASE_PROBE_SCRIPT: RedisScript = { name: 'sapflowBreakerReleaseProbe', keys: 1, lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0` };

const REOPEN_SCRIPT: RedisScript = { name: 'sapflowBreakerReopen', keys: 1, lua: `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then redis.call('PUBLISH', ARGV[3], ARGV[4]) return 1 end
return 0` };

interface BreakerMessage {
  tool: string;
  state: 'open' | 'closed' | 'failing';
  origin: string;
}

export interface SharedBreakersOptions {
  /** The clock for state learnt from Redis; the engine's scheduler clock in production (Date.now). */
  now?: () => number;
  /** Milliseconds a failure still counts toward the threshold when no other failure follows (default 60 s). */
  failureWindowMs?: number;
}

export class SharedBreakers implements BreakerRegistry {
  private readonly byName = new Map<string, SharedBreaker>();
  private readonly channel: string;
  private readonly now: () => number;
  readonly failureWindowMs: number;

  constructor(
    readonly link: ToolStateLink,
    options: SharedBreakersOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.failureWindowMs = options.failureWindowMs ?? 60_000;
    this.channel = link.listen('breaker', (raw) => this.heard(raw));
    link.onResync(() => {
      for (const breaker of this.byName.values()) void breaker.resync();
    });
  }

  get(name: string, options: CircuitBreakerOptions = {}): Breaker {
    let breaker = this.byName.get(name);
    if (!breaker) {
      breaker = new SharedBreaker(this, name, { ...DEFAULT_BREAKER, ...options }, this.now);
      this.byName.set(name, breaker);
      // A process that joins while a tool's breaker is open must not hammer the tool.
      void breaker.resync();
    }
    return breaker;
  }

  states(): Record<string, BreakerState> {
    return Object.fromEntries([...this.byName].map(([name, b]) => [name, b.state]));
  }

  /** A broadcast to the other processes, sent from inside the scripts so the state change and the news are atomic. */
  message(tool: string, state: BreakerMessage['state']): [channel: string, message: string] {
    const message: BreakerMessage = { tool, state, origin: this.link.id };
    return [this.channel, JSON.stringify(message)];
  }

  private heard(raw: string): void {
    let message: BreakerMessage;
    try {
      message = JSON.parse(raw) as BreakerMessage;
    } catch {
      return;
    }
    if (message.origin === this.link.id) return;
    const breaker = this.byName.get(message.tool);
    if (message.state === 'failing') breaker?.streakBegan();
    else breaker?.adopt(message.state, this.now());
  }
}

class SharedBreaker implements Breaker {
  private readonly local: CircuitBreaker;
  private readonly keys: { failures: string; open: string; probe: string };
  private readonly resetMs: number;
  /** A claim for the probe is on its way to Redis: other attempts of this process fail fast meanwhile. */
  private claiming = false;
  /** This process holds `breaker:<tool>:probe`. */
  private holdsProbe = false;
  /** Another process holds the probe until then (at the latest: its claim expires). */
  private probeElsewhereUntil = 0;
  /**
   * The cluster's failure count may be above zero: a failure here, a `failing` broadcast, or not known (new, or back
   * after Redis was away). Only then does a success delete it, so a healthy tool costs no round trip per call.
   */
  private streak = true;

  constructor(
    private readonly registry: SharedBreakers,
    readonly name: string,
    private readonly options: Required<CircuitBreakerOptions>,
    private readonly now: () => number,
  ) {
    this.local = new CircuitBreaker(name, options);
    this.resetMs = options.reset_timeout * 1000;
    const link = registry.link;
    this.keys = { failures: link.key('breaker', name, 'failures'), open: link.key('breaker', name, 'open'), probe: link.key('breaker', name, 'probe') };
  }

  get state(): BreakerState {
    return this.local.state;
  }

  acquire(now: number): BreakerPermit | Observable<BreakerPermit> {
    const link = this.registry.link;
    if (!link.available || !this.local.probeDue(now)) return this.local.acquire(now);
    if (this.claiming || now < this.probeElsewhereUntil) return { allowed: false };
    return this.claimProbe(now);
  }

  record(success: boolean, now: number): BreakerState | undefined {
    const wasProbe = this.holdsProbe;
    this.holdsProbe = false;
    const transition = this.local.record(success, now);
    const link = this.registry.link;
    if (!link.available) return transition;
    if (success) {
      // Only a probe (or a process that had opened) closes the cluster; any success resets the failure count.
      const closes = wasProbe || transition === 'closed';
      if (!closes && !this.streak) return transition;
      this.streak = false;
      const sent = closes
        ? link.run(CLOSE_SCRIPT, this.keys.failures, this.keys.open, this.keys.probe, ...this.registry.message(this.name, 'closed'))
        : link.redis.del(this.keys.failures);
      sent.catch((error: unknown) => link.failed(error));
      return transition;
    }
    this.streak = true;
    const force = transition === 'open' ? '1' : '0';
    link
      .run(FAILURE_SCRIPT, this.keys.failures, this.keys.open, this.keys.probe,
        this.options.failure_threshold, this.registry.failureWindowMs, this.resetMs, now, force, ...this.registry.message(this.name, 'open'),
        this.registry.message(this.name, 'failing')[1])
      .then((reply) => {
        const [outcome, ttl] = reply as [number, number];
        // Opened by this failure (counted with the others' failures), or open already: a broadcast we missed.
        if (outcome !== 0 && this.local.state !== 'open') this.local.adopt('open', this.now() - (this.resetMs - ttl));
      })
      .catch((error: unknown) => link.failed(error));
    return transition;
  }

  release(): void {
    this.local.release();
    if (!this.holdsProbe) return;
    this.holdsProbe = false;
    const link = this.registry.link;
    link.run(RELEASE_PROBE_SCRIPT, this.keys.probe, link.id).catch((error: unknown) => link.failed(error));
  }

  retryAfterMs(now: number): number {
    if (this.local.state !== 'closed' && now < this.probeElsewhereUntil) return this.probeElsewhereUntil - now;
    return this.local.retryAfterMs(now);
  }

  streakBegan(): void {
    this.streak = true;
  }

  adopt(state: 'open' | 'closed', now: number): void {
    this.probeElsewhereUntil = 0;
    this.local.adopt(state, now);
  }

  /** Reads the cluster's state for this tool; pushes an opening that happened here while Redis was away. */
  async resync(): Promise<void> {
    const link = this.registry.link;
    this.streak = true; // failures may have been counted while this process was not listening
    try {
      const [open, probe] = await Promise.all([link.redis.pttl(this.keys.open), link.redis.pttl(this.keys.probe)]);
      const now = this.now();
      if (open > 0) {
        this.adopt('open', now - (this.resetMs - open));
      } else if (this.local.state === 'open' && this.local.retryAfterMs(now) > 0) {
        await link.run(REOPEN_SCRIPT, this.keys.open, now, this.local.retryAfterMs(now), ...this.registry.message(this.name, 'open'));
      } else if (probe > 0 && !this.holdsProbe) {
        if (this.local.state === 'closed') this.adopt('open', now - this.resetMs);
        this.probeElsewhereUntil = now + probe;
      }
      // Open here but not in Redis: the cluster closed, or its open state ran out, while this process was not
      // listening. The two look alike, so it stays open: the next attempt claims the probe, which settles it.
    } catch (error) {
      link.failed(error);
    }
  }

  /**
   * Asks Redis for the one half-open probe. Unsubscribing before the answer gives a won probe back, so a cancelled
   * attempt never keeps the cluster's breaker half-open until the claim expires.
   */
  private claimProbe(now: number): Observable<BreakerPermit> {
    return new Observable<BreakerPermit>((subscriber) => {
      const link = this.registry.link;
      let wanted = true;
      this.claiming = true;
      link
        .run(CLAIM_SCRIPT, this.keys.open, this.keys.probe, link.id, this.resetMs)
        .then(
          (reply) => {
            const [outcome, ttl] = reply as [number, number];
            this.claiming = false;
            if (outcome === 1) {
              this.holdsProbe = true;
              this.probeElsewhereUntil = 0;
              if (!wanted) return this.release();
              const permit = this.local.acquire(now);
              if (!permit.allowed) this.release();
              subscriber.next(permit);
            } else {
              if (outcome === 0) this.local.adopt('open', this.now() - (this.resetMs - ttl));
              else this.probeElsewhereUntil = this.now() + ttl;
              subscriber.next({ allowed: false });
            }
            subscriber.complete();
          },
          (error: unknown) => {
            this.claiming = false;
            link.failed(error);
            // Redis did not answer: this process decides alone, as it does while Redis is away.
            if (!wanted) return;
            subscriber.next(this.local.acquire(now));
            subscriber.complete();
          },
        );
      return () => {
        wanted = false;
      };
    });
  }
}
