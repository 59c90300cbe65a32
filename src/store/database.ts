import type { Queryable } from './queryable.js';

/**
 * A `Queryable` the store owns: it can run a function on one connection inside a transaction, and close.
 * `transaction` rolls back when `fn` throws, and never hands a half-failed connection back to a pool.
 */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function isDatabase(db: Queryable): db is Database {
  return typeof (db as Partial<Database>).transaction === 'function';
}
