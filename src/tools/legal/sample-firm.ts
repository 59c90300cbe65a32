import type { Queryable } from '../../store/queryable.js';
import { toClock } from './legal-deps.js';
import { addDays, longDate, startOfDay } from './date-mentions.js';
import { SAMPLE_DOCUMENTS } from './sample-documents.js';
import {
  SAMPLE_ADVERSE_PARTIES,
  SAMPLE_CLIENTS,
  SAMPLE_LAWYERS,
  SAMPLE_MATTERS,
  sampleEmails,
  sampleTimeEntries,
} from './sample-firm-data.js';

export interface SeedOptions {
  /** Dates in the sample inbox and timesheets are relative to this. */
  now?: Date | (() => Date);
  /** Remove every sample row (tools' outputs included) and seed afresh, relative to `now`. */
  refresh?: boolean;
}

export interface SeedResult {
  /** False when the sample firm was already there and nothing was written. */
  seeded: boolean;
  counts: Record<string, number>;
}

// children first, so foreign keys never block a refresh
const SAMPLE_TABLES = ['calendar_events', 'outbox', 'documents', 'time_entries', 'emails', 'adverse_parties', 'matters', 'clients'];

/**
 * Seeds "Sample & Partners LLP (demo data)" into a migrated database. Idempotent: a second call
 * writes nothing. Every row has `sample = true`.
 */
export async function seedSampleFirm(db: Queryable, options: SeedOptions = {}): Promise<SeedResult> {
  const now = toClock(options.now)();
  if (options.refresh) {
    for (const table of SAMPLE_TABLES) await db.query(`DELETE FROM ${table} WHERE sample`);
  } else {
    const { rows } = await db.query('SELECT 1 FROM clients WHERE id = $1', [SAMPLE_CLIENTS[0]!.id]);
    if (rows.length > 0) return { seeded: false, counts: {} };
  }

  const counts: Record<string, number> = {};
  // ON CONFLICT DO NOTHING lets a seed interrupted halfway be completed by the next call
  const insert = async (table: string, row: object) => {
    const columns = [...Object.keys(row), 'sample'];
    const values = [...Object.values(row), true];
    const { rows } = await db.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      values,
    );
    counts[table] = (counts[table] ?? 0) + rows.length;
  };

  for (const c of SAMPLE_CLIENTS) {
    await insert('clients', { ...c, created_at: addDays(now, -200) });
  }
  for (const m of SAMPLE_MATTERS) {
    const lawyer = SAMPLE_LAWYERS[m.lawyer];
    const openedAt = addDays(startOfDay(now), -m.opened_days_ago);
    await insert('matters', {
      id: m.id,
      number: m.number,
      client_id: m.client_id,
      title: m.title,
      matter_type: m.matter_type,
      description: `${m.title}. SAMPLE DATA - fictional matter for the Sapflow demo.`,
      status: m.status,
      responsible_lawyer: lawyer.name,
      hourly_rate: lawyer.rate,
      opened_at: openedAt,
      closed_at: m.status === 'closed' ? addDays(now, -10) : null,
    });
  }
  for (const p of SAMPLE_ADVERSE_PARTIES) await insert('adverse_parties', p);
  for (const e of sampleEmails(now)) await insert('emails', e);
  for (const t of sampleTimeEntries(now)) await insert('time_entries', t);
  for (const d of SAMPLE_DOCUMENTS) {
    const matter = SAMPLE_MATTERS.find((m) => m.id === d.matter)!;
    await insert('documents', {
      id: d.id,
      matter_id: d.matter,
      client_id: matter.client_id,
      kind: d.kind,
      title: d.title,
      body: d.body({ signedOn: longDate(addDays(now, -15)), effective: longDate(addDays(now, 14)) }),
      created_by: 'sample-data',
      created_at: addDays(now, -3),
    });
  }
  return { seeded: true, counts };
}
