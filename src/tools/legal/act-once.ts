import { SapflowError } from '../../errors/index.js';
import type { Queryable } from '../../store/index.js';
import type { ToolContext } from '../tool.js';
import type { LegalDatabase } from './legal-deps.js';

/**
 * Runs a tool's database side effect at most once per `ctx.idempotencyKey` (migration 004): the key is claimed and
 * the effect written in one transaction, and the first call's result is stored with the key. A repeat - a retry, a
 * resumed run, a second process racing the first - gets that result back and changes nothing. An effect that
 * throws rolls back with its claim, so the next attempt acts. `effect` must do all its queries on `tx`.
 */
export async function actOnce<T>(
  db: LegalDatabase,
  tool: string,
  ctx: Pick<ToolContext, 'idempotencyKey' | 'user'>,
  effect: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const key = ctx.idempotencyKey;
  // a call from outside the pipeline with no key has nothing to be a repeat of
  if (!key) return db.transaction(async (tx) => toJson(await effect(tx)));
  return db.transaction(async (tx) => {
    // a racing transaction with the same key blocks here until the first commits (then it finds the row) or rolls back
    const claimed = await tx.query(
      `INSERT INTO tool_effects (idempotency_key, tool, user_id) VALUES ($1, $2, $3)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key`,
      [key, tool, ctx.user],
    );
    if (claimed.rows.length === 0) return earlierResult<T>(tx, key, tool, ctx.user);
    const result = toJson(await effect(tx));
    await tx.query('UPDATE tool_effects SET result = $2::jsonb WHERE idempotency_key = $1', [key, JSON.stringify(result ?? null)]);
    return result;
  });
}

async function earlierResult<T>(tx: Queryable, key: string, tool: string, user: string): Promise<T> {
  const { rows } = await tx.query<{ tool: string; user_id: string; result: T }>(
    'SELECT tool, user_id, result FROM tool_effects WHERE idempotency_key = $1',
    [key],
  );
  const row = rows[0];
  if (!row) throw new SapflowError('conflict', `${tool}: the record of idempotency key ${key} went away; try again`, { retryable: true });
  // never hand one user's result to another, nor one tool's to a different tool
  if (row.tool !== tool || row.user_id !== user) {
    throw new SapflowError('conflict', `${tool}: idempotency key ${key} was already used by another call`);
  }
  return row.result;
}

/** The result as a repeat reads it back from jsonb (dates as ISO strings, no undefined), so both calls agree. */
function toJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
