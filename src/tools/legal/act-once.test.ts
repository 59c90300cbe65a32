import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DATABASE_URL, type TestDatabase } from '../../../test/support/test-database.js';
import { actOnce } from './act-once.js';
import { openTestFirm, type TestFirm } from './test-firm.js';

/** PGlite always; the same on real Postgres, where racing calls really run at once, when DATABASE_URL is set. */
const BACKENDS = [
  { name: 'PGlite', skip: false, database: async (): Promise<TestDatabase | undefined> => undefined },
  { name: `Postgres${DATABASE_URL ? '' : ' (skipped: set DATABASE_URL)'}`, skip: !DATABASE_URL, database: () => createTestDatabase() },
];

/** Each tool with side effects, a call of it, and how many times its effect is in the database. */
interface SideEffect {
  tool: string;
  args: (marker: string) => unknown;
  count: (firm: TestFirm, marker: string) => Promise<number>;
}

const count = async (firm: TestFirm, sql: string, params: unknown[]) =>
  (await firm.db.query<{ n: number }>(sql, params)).rows[0]!.n;

const SIDE_EFFECTS: SideEffect[] = [
  {
    tool: 'send_email',
    args: (m) => ({ to: 'john@example.com', subject: m, body: 'Dear John' }),
    count: (firm, m) => count(firm, 'SELECT count(*)::int AS n FROM outbox WHERE subject = $1', [m]),
  },
  {
    // an update, not a create: without the key, a repeat would add the note a second time
    tool: 'update_client_record',
    args: (m) => ({ client_id: 'sample-client-003', notes: m }),
    count: async (firm, m) => {
      const { rows } = await firm.db.query<{ notes: string }>("SELECT notes FROM clients WHERE id = 'sample-client-003'");
      return rows[0]!.notes.split(m).length - 1;
    },
  },
  {
    tool: 'open_matter',
    args: (m) => ({ client_id: 'sample-client-003', title: m, adverse_parties: [`${m} Corp`] }),
    count: (firm, m) => count(firm, 'SELECT count(*)::int AS n FROM matters WHERE title = $1', [m]),
  },
  {
    tool: 'generate_retainer_letter',
    args: (m) => ({ client_name: 'Robert Chen', client_id: 'sample-client-003', matter_title: m }),
    count: (firm, m) => count(firm, "SELECT count(*)::int AS n FROM documents WHERE kind = 'retainer_letter' AND title LIKE $1", [`%${m}`]),
  },
  {
    tool: 'create_calendar_event',
    args: (m) => ({ title: m, starts_at: '2025-03-20T10:00:00Z' }),
    count: (firm, m) => count(firm, 'SELECT count(*)::int AS n FROM calendar_events WHERE title = $1', [m]),
  },
];

describe.each(BACKENDS)('side effects once per idempotency key on $name', (backend) => {
  const { skip } = backend;
  let firm: TestFirm;
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    if (skip) return;
    database = await backend.database();
    firm = await openTestFirm({ databaseUrl: database?.url });
  }, 60_000);
  afterAll(async () => {
    await firm?.close();
    await database?.drop();
  });

  // different task ids under one key, so the rows' ids (derived from the task) cannot be what dedupes them
  describe.each(SIDE_EFFECTS)('$tool', ({ tool, args, count }) => {
    it.skipIf(skip)('acts once for the same key twice and answers the first result again', async () => {
      const marker = `${tool} same key`;
      const first = await firm.call(tool, args(marker), { taskId: `${marker} a`, idempotencyKey: `run-1:${tool}` });
      const again = await firm.call(tool, args(marker), { taskId: `${marker} b`, idempotencyKey: `run-1:${tool}` });
      expect(again).toEqual(first);
      expect(await count(firm, marker)).toBe(1);
    });

    it.skipIf(skip)('acts again for a different key', async () => {
      const marker = `${tool} two keys`;
      const first = await firm.call(tool, args(marker), { idempotencyKey: `run-2:${tool}:1` });
      const second = await firm.call(tool, args(marker), { idempotencyKey: `run-2:${tool}:2` });
      expect(second).not.toEqual(first);
      expect(await count(firm, marker)).toBe(2);
    });

    it.skipIf(skip)('acts once when calls with the same key race', async () => {
      const marker = `${tool} racing`;
      const results = await Promise.all(
        ['a', 'b', 'c', 'd'].map((taskId) => firm.call(tool, args(marker), { taskId: `${marker} ${taskId}`, idempotencyKey: `run-3:${tool}` })),
      );
      for (const result of results) expect(result).toEqual(results[0]);
      expect(await count(firm, marker)).toBe(1);
    });
  });

  it.skipIf(skip)('gives matters opened at once under different keys different numbers', async () => {
    const opened = await Promise.all(
      [1, 2, 3].map((n) => firm.call('open_matter', { client_id: 'sample-client-003', title: `numbered ${n}` }, { idempotencyKey: `run-7:${n}` })),
    );
    expect(new Set(opened.map((r) => r.matter.number)).size).toBe(3);
  });

  describe('actOnce', () => {
    it.skipIf(skip)('rolls the claim back with a failed effect, so the next attempt acts', async () => {
      let attempts = 0;
      const effect = async () => {
        if (++attempts === 1) throw new Error('the effect failed');
        return { attempts };
      };
      const ctx = { idempotencyKey: 'run-4:flaky', user: 'tester' };
      await expect(actOnce(firm.db, 'flaky', ctx, effect)).rejects.toThrow('the effect failed');
      await expect(actOnce(firm.db, 'flaky', ctx, effect)).resolves.toEqual({ attempts: 2 });
      await expect(actOnce(firm.db, 'flaky', ctx, effect)).resolves.toEqual({ attempts: 2 });
      expect(attempts).toBe(2);
    });

    it.skipIf(skip)("never answers another tool's or another user's result for a key", async () => {
      const effect = async () => ({ secret: 'first' });
      await actOnce(firm.db, 'one', { idempotencyKey: 'run-5:x', user: 'alice' }, effect);
      await expect(actOnce(firm.db, 'other', { idempotencyKey: 'run-5:x', user: 'alice' }, effect)).rejects.toMatchObject({ code: 'conflict' });
      await expect(actOnce(firm.db, 'one', { idempotencyKey: 'run-5:x', user: 'mallory' }, effect)).rejects.toMatchObject({ code: 'conflict' });
    });

    it.skipIf(skip)('stores the result as JSON, so the first call and a repeat agree', async () => {
      const ctx = { idempotencyKey: 'run-6:dates', user: 'tester' };
      const first = await actOnce(firm.db, 'dates', ctx, async () => ({ at: new Date('2025-03-12T15:00:00Z'), gone: undefined }));
      expect(first).toEqual({ at: '2025-03-12T15:00:00.000Z' });
      await expect(actOnce(firm.db, 'dates', ctx, async () => ({ at: 'later' }))).resolves.toEqual(first);
    });
  });
});
