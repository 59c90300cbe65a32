import { describe, expect, it } from 'vitest';
import { openPgliteThread } from './open-pglite-thread.js';

describe('PGlite on its own thread', () => {
  it('keeps the SQLSTATE of a failed statement, rolls back a failed transaction and keeps serving', async () => {
    const db = await openPgliteThread(':memory:');
    try {
      await db.exec('CREATE TABLE t (id int PRIMARY KEY)');
      await db.query('INSERT INTO t VALUES (1)');
      await expect(db.query('INSERT INTO t VALUES (1)')).rejects.toMatchObject({ code: '23505' });
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (2)');
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      // a script that fails inside its own BEGIN must not leave the one session aborted
      await expect(db.exec('BEGIN; INSERT INTO t VALUES (3); SELECT nope;')).rejects.toMatchObject({ code: '42703' });
      const { rows } = await db.query<{ id: number }>('SELECT id FROM t ORDER BY id');
      expect(rows).toEqual([{ id: 1 }]);
      expect(await db.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 41 + 1 AS n')).rows[0]!.n)).toBe(42);
    } finally {
      await db.close();
    }
  });

  it('answers a query after close with an error instead of hanging', async () => {
    const db = await openPgliteThread(':memory:');
    await db.close();
    await expect(db.query('SELECT 1')).rejects.toThrow(/closed/);
  });
});
