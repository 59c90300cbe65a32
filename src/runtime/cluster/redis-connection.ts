import { Redis, type RedisOptions } from 'ioredis';

/**
 * What a connection is for decides how it behaves while Redis is away:
 * - `command`: requests wait on it (enqueue, publish, ping), so it fails at once instead of queueing offline;
 * - `blocking`: BullMQ's worker and its blocking pops, which must retry for ever (`maxRetriesPerRequest: null`);
 * - `subscriber`: pub/sub, resubscribed by ioredis after a reconnect.
 */
export type RedisRole = 'command' | 'blocking' | 'subscriber';

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  command: { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true },
  blocking: { maxRetriesPerRequest: null },
  subscriber: { maxRetriesPerRequest: null },
};

/** One ioredis connection to `url`; it reconnects for ever (backing off to 2 s) and says once per outage that Redis is away. */
export function createRedisConnection(url: string, role: RedisRole, name: string): Redis {
  const redis = new Redis(url, {
    ...ROLE_OPTIONS[role],
    connectionName: name,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    console.error(`[sapflow] redis (${name}): ${error.message}; reconnecting`);
  });
  redis.on('ready', () => {
    if (down) console.error(`[sapflow] redis (${name}): reachable again`);
    down = false;
  });
  return redis;
}

/** Resolves once `redis` is connected, or after `ms` (false): start-up goes on without Redis and reconnects later. */
export function whenReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), ms);
    const onReady = () => done(true);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    redis.on('ready', onReady);
  });
}

/** Closes a connection without waiting on a Redis that is away. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') return redis.disconnect();
  await redis.quit().catch(() => redis.disconnect());
}

/**
 * A subscription, resolved once Redis confirms it or after `ms`: with Redis away, ioredis keeps the SUBSCRIBE queued
 * and sends it on reconnect, and whoever waits on it (start-up, a follower) goes on meanwhile.
 */
export function subscribed(subscriber: Redis, channel: string, ms = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    subscriber.subscribe(channel).then(() => undefined, () => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Waits for `promise` (its failure ignored) at most `ms`. */
export async function settleWithin(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!promise) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
