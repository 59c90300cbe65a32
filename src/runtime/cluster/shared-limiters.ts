import { randomUUID } from 'node:crypto';
import { Observable, defer, finalize, type Subscription } from 'rxjs';
import { ToolLimiters, isLimited, type LimiterRegistry } from '../../streams/concurrency-limiter.js';
import type { RedisScript, ToolStateLink } from './tool-state-link.js';

/*
 * A tool's `concurrency` as one limit for the whole cluster: a semaphore per tool in Redis.
 *
 * `limit:<tool>` is a sorted set of the calls holding a slot, scored by when their lease runs out (Redis's own clock,
 * so processes' clocks may disagree). A Lua script takes a slot atomically: drop expired leases, add the caller if
 * fewer than `concurrency` remain. A running call renews its lease every third of it; completion, error or
 * unsubscribe removes it and publishes on `limit-released`. A process killed with kill -9 renews nothing, so its
 * slots come back when their leases run out (`leaseMs`, 10 s by default: the longest a dead process keeps a slot).
 *
 * Waiting: each process queues its own callers per tool (first come, first served within the process) and asks
 * Redis for the head of the queue; when refused it asks again on the next release broadcast or, should that be
 * missed, when the earliest lease runs out or after `pollMs`, whichever is first. A caller that unsubscribes while
 * queued leaves the queue; if its request was already on the way and won, the slot is handed straight back.
 *
 * Redis away: calls must not hang, so they run under this process's own limit (`ToolLimiters`, as without a
 * cluster): a cluster of N processes may then send N x `concurrency`. When Redis is back, calls still running under
 * the local limit are written into the sorted set (even over the limit: they are running), so new calls anywhere
 * wait for them and the cluster limit holds again at once.
 */

const ACQUIRE_SCRIPT: RedisScript = { name: 'sapflowLimitAcquire', keys: 1, lua: `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], lease)
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(first[2]) - now}` };

// Renewing also re-adds a lease that ran out (an event loop stalled past it): the call is running, so it counts.
const RENEW_SCRIPT: RedisScript = { name: 'sapflowLimitRenew', keys: 1, lua: `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
return 1` };

const RELEASE_SCRIPT: RedisScript = { name: 'sapflowLimitRelease', keys: 1, lua: `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1` };

export interface SharedLimitersOptions {
  /** Milliseconds a slot outlives a process that stopped renewing it (default 10 000). */
  leaseMs?: number;
  /** The longest a waiting call goes without asking again, should a release broadcast be missed (default 1000). */
  pollMs?: number;
}

export class SharedLimiters implements LimiterRegistry {
  private readonly tools = new Map<string, ToolSlots>();
  private readonly local = new ToolLimiters();
  /** Calls admitted by the local limiter while Redis was away, to be written into the cluster's count when it is back. */
  private readonly unregistered = new Set<Lease>();
  readonly channel: string;
  readonly leaseMs: number;
  readonly pollMs: number;

  constructor(
    readonly link: ToolStateLink,
    options: SharedLimitersOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 10_000;
    this.pollMs = options.pollMs ?? 1000;
    this.channel = link.listen('limit-released', (tool) => this.tools.get(tool)?.pump());
    link.onResync(() => {
      for (const lease of this.unregistered) lease.start();
      this.unregistered.clear();
      for (const slots of this.tools.values()) slots.pump();
    });
  }

  limit<T>(name: string, concurrency: number | undefined, work: Observable<T>): Observable<T> {
    if (!isLimited(concurrency)) return work;
    return new Observable<T>((subscriber) => {
      let inner: Subscription | undefined;
      const waiter: Waiter = {
        cancelled: false,
        member: `${this.link.id}:${randomUUID()}`,
        grant: (lease) => {
          inner = work.pipe(finalize(() => lease.release())).subscribe(subscriber);
        },
        fallBack: () => {
          inner = this.locally(name, concurrency, work).subscribe(subscriber);
        },
      };
      if (!this.link.available) waiter.fallBack();
      else this.slotsFor(name, concurrency).enqueue(waiter);
      return () => {
        waiter.cancelled = true;
        this.tools.get(name)?.remove(waiter);
        inner?.unsubscribe();
      };
    });
  }

  /** Runs `work` under this process's own limit, remembered so that Redis can count it once it is back. */
  private locally<T>(name: string, concurrency: number, work: Observable<T>): Observable<T> {
    return this.local.limit(name, concurrency, defer(() => {
      const lease = new Lease(this, name, `${this.link.id}:${randomUUID()}`);
      this.unregistered.add(lease);
      return work.pipe(finalize(() => {
        this.unregistered.delete(lease);
        lease.release();
      }));
    }));
  }

  private slotsFor(name: string, concurrency: number): ToolSlots {
    let slots = this.tools.get(name);
    if (!slots) {
      slots = new ToolSlots(this, name);
      this.tools.set(name, slots);
    }
    slots.concurrency = concurrency;
    return slots;
  }
}

interface Waiter {
  cancelled: boolean;
  member: string;
  grant(lease: Lease): void;
  fallBack(): void;
}

/** One tool's queue of this process's waiting calls, asking Redis for a slot for the head of the queue. */
class ToolSlots {
  concurrency = 1;
  readonly key: string;
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  /** A release was heard while a request was on its way: ask again even if that request is refused. */
  private again = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly limiters: SharedLimiters,
    readonly name: string,
  ) {
    this.key = limiters.link.key('limit', name);
  }

  enqueue(waiter: Waiter): void {
    this.waiters.push(waiter);
    this.pump();
  }

  remove(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    clearTimeout(this.retry);
    this.retry = undefined;
    if (this.waiters.length > 0) void this.drain();
  }

  private async drain(): Promise<void> {
    const { link, leaseMs, pollMs } = this.limiters;
    this.pumping = true;
    try {
      for (;;) {
        this.again = false;
        const waiter = this.waiters[0];
        if (!waiter) break;
        if (!link.available) {
          this.fallBackAll();
          break;
        }
        const [granted, waitMs] = (await link.run(ACQUIRE_SCRIPT, this.key, waiter.member, this.concurrency, leaseMs)) as [number, number];
        const lease = granted === 1 ? new Lease(this.limiters, this.name, waiter.member) : undefined;
        lease?.start(false);
        if (waiter.cancelled) {
          // Unsubscribed while its request was on the way: a slot it won goes straight back.
          lease?.release();
          continue;
        }
        if (lease) {
          this.remove(waiter);
          waiter.grant(lease);
          continue;
        }
        if (this.again) continue;
        // The earliest lease to run out is when a killed holder's slot comes back; a live release is broadcast.
        const delay = Math.max(5, Math.min(pollMs, waitMs + 5));
        this.retry = setTimeout(() => this.pump(), delay);
        this.retry.unref();
        break;
      }
    } catch (error) {
      link.failed(error);
      this.fallBackAll();
    } finally {
      this.pumping = false;
    }
  }

  /** No waiting on a Redis that does not answer: everyone queued here runs under the local limit instead. */
  private fallBackAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter.fallBack();
  }
}

/** A slot held in Redis: renewed while its call runs, removed (and the release broadcast) when it ends. */
class Lease {
  private timer: NodeJS.Timeout | undefined;
  private registered = false;
  private released = false;

  constructor(
    private readonly limiters: SharedLimiters,
    private readonly name: string,
    private readonly member: string,
  ) {}

  /** Starts renewing; `write` also puts the lease into Redis now (a call admitted locally while Redis was away). */
  start(write = true): void {
    if (this.released || this.registered) return;
    this.registered = true;
    if (write) this.renew();
    const every = Math.max(50, Math.floor(this.limiters.leaseMs / 3));
    this.timer = setInterval(() => this.renew(), every);
    this.timer.unref();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    if (!this.registered) return;
    const { link, channel } = this.limiters;
    // A release that fails is not retried: the lease runs out on its own.
    if (link.available) link.run(RELEASE_SCRIPT, link.key('limit', this.name), this.member, channel, this.name).catch((e: unknown) => link.failed(e));
  }

  private renew(): void {
    const { link, leaseMs } = this.limiters;
    if (!link.available) return;
    link.run(RENEW_SCRIPT, link.key('limit', this.name), this.member, leaseMs).catch((e: unknown) => link.failed(e));
  }
}
