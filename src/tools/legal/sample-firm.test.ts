import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../store/index.js';
import { seedSampleFirm } from './sample-firm.js';

const now = new Date('2025-03-12T15:00:00Z');
const TABLES = ['clients', 'matters', 'adverse_parties', 'emails', 'time_entries', 'documents'];

describe('seedSampleFirm', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({ dataDir: ':memory:' });
  });
  afterAll(() => db.close());

  it('seeds a small firm, every row marked as sample data', async () => {
    const first = await seedSampleFirm(db, { now });
    expect(first.seeded).toBe(true);
    expect(first.counts).toMatchObject({ clients: 6, matters: 6, emails: 20, documents: 2 });
    for (const table of TABLES) {
      const { rows } = await db.query<{ all: number; sample: number }>(`SELECT count(*)::int AS all, count(*) FILTER (WHERE sample)::int AS sample FROM ${table}`);
      expect(rows[0]!.all, table).toBeGreaterThan(0);
      expect(rows[0]!.sample, table).toBe(rows[0]!.all);
    }
    const { rows } = await db.query<{ notes: string }>('SELECT notes FROM clients');
    expect(rows.every((r) => r.notes.includes('SAMPLE DATA'))).toBe(true);
  });

  it('is idempotent', async () => {
    const again = await seedSampleFirm(db, { now });
    expect(again).toEqual({ seeded: false, counts: {} });
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM emails');
    expect(rows[0]!.n).toBe(20);
  });

  it('lays the inbox over the last two weeks and time over this week and last', async () => {
    const { rows } = await db.query<{ first: Date; last: Date }>('SELECT min(received_at) AS first, max(received_at) AS last FROM emails');
    expect(now.getTime() - new Date(rows[0]!.first).getTime()).toBeLessThanOrEqual(14 * 86_400_000);
    expect(new Date(rows[0]!.last).getTime()).toBeLessThanOrEqual(now.getTime());
    const { rows: days } = await db.query<{ d: string }>("SELECT DISTINCT to_char(entry_date, 'YYYY-MM-DD') AS d FROM time_entries ORDER BY d");
    expect(days[0]!.d >= '2025-03-03' && days.at(-1)!.d <= '2025-03-12').toBe(true);
  });

  it('has a prospective client who is an adverse party in an open matter', async () => {
    const { rows } = await db.query(
      `SELECT m.status FROM adverse_parties a JOIN matters m ON m.id = a.matter_id JOIN emails e ON lower(e.from_address) = lower(a.email)
       WHERE a.name = 'Daniel Whitaker'`,
    );
    expect(rows).toEqual([{ status: 'open' }]);
  });

  it('refreshes: sample rows are replaced relative to the new now, tools’ other rows stay', async () => {
    await db.query(`INSERT INTO clients (id, name, sample) VALUES ('real-1', 'A Real Client', false)`);
    const later = new Date('2025-06-01T12:00:00Z');
    const refreshed = await seedSampleFirm(db, { now: later, refresh: true });
    expect(refreshed.seeded).toBe(true);
    const { rows } = await db.query<{ last: Date }>('SELECT max(received_at) AS last FROM emails');
    expect(new Date(rows[0]!.last).toISOString().slice(0, 7)).toBe('2025-06');
    expect((await db.query("SELECT 1 FROM clients WHERE id = 'real-1'")).rows).toHaveLength(1);
  });
});
