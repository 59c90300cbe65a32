import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { isObservable, firstValueFrom } from 'rxjs';
import type { BreakerPermit } from '../../streams/circuit-breaker.js';
import { createSharedToolState, type SharedToolState, type SharedToolStateOptions } from './create-shared-tool-state.js';

/** The Redis the cluster tests use; unset means "skip, loudly" (CI always sets it). */
export const REDIS_URL = process.env.REDIS_URL;

export function warnIfNoRedis(suite: string): void {
  if (!REDIS_URL) console.warn(`\n!!! SKIPPED ${suite}: REDIS_URL is not set (CI sets redis://127.0.0.1:6379) !!!\n`);
}

/**
 * Instances standing for separate processes (each has its own two connections) under one random key prefix,
 * and the clean-up that closes them and deletes every key under that prefix.
 */
export function toolStateCluster() {
  const prefix = `sapflow-test:${randomUUID()}:`;
  const instances: SharedToolState[] = [];
  const messages: string[] = [];
  return {
    prefix,
    messages,
    async instance(options: SharedToolStateOptions = {}): Promise<SharedToolState> {
      const state = createSharedToolState(REDIS_URL!, { prefix, log: (m) => messages.push(m), ...options });
      instances.push(state);
      await state.ready();
      return state;
    },
    async cleanUp(): Promise<void> {
      await Promise.all(instances.splice(0).map((s) => s.close()));
      const redis = new Redis(REDIS_URL!);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

export async function permit(answer: BreakerPermit | import('rxjs').Observable<BreakerPermit>): Promise<BreakerPermit> {
  return isObservable(answer) ? firstValueFrom(answer) : answer;
}

/** Polls until `check` holds, failing after `ms`: for news that travels by pub/sub. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 2000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
