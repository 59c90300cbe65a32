import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { RUN_QUEUE_NAME } from '../../src/runtime/cluster/run-queue.js';
import { DATABASE_URL } from './test-database.js';

/** The Redis the cluster suites run against (CI: redis://127.0.0.1:6379). */
export const REDIS_URL = process.env.REDIS_URL || undefined;

/** Why the cluster suites cannot run here, said loudly; undefined when they can. CI fails on the skip. */
export function clusterSkipReason(suite: string): string | undefined {
  const missing = [REDIS_URL ? undefined : 'REDIS_URL', DATABASE_URL ? undefined : 'DATABASE_URL'].filter(Boolean);
  if (missing.length === 0) return undefined;
  const reason = `${missing.join(' and ')} not set`;
  console.warn(`\n*** SKIPPED: ${suite} needs real Redis and Postgres (${reason}); CI sets both and fails on this skip ***\n`);
  return reason;
}

/** A prefix of this test file's own, so its queue, channels and keys never meet another file's. */
export function testRedisPrefix(): string {
  return `sapflow-test-${randomBytes(5).toString('hex')}`;
}

/** Removes everything a test file left under `prefix`: the queue (obliterated) and any other key. */
export async function cleanRedis(prefix: string): Promise<void> {
  const connection = new Redis(REDIS_URL!, { maxRetriesPerRequest: null });
  try {
    const queue = new Queue(RUN_QUEUE_NAME, { connection, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
    let cursor = '0';
    do {
      const [next, keys] = await connection.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await connection.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    connection.disconnect();
  }
}
