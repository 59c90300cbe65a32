import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import { addDays, startOfDay } from './date-mentions.js';
import type { LegalDeps } from './legal-deps.js';
import { given, legalTool, optionalText } from './legal-tool.js';
import { mostSevereFirst, type Severity } from './severity.js';

const PERIODS = ['this_week', 'last_week', 'this_and_last_week', 'this_month', 'last_month', 'all'] as const;

const parameters = z.object({
  period: z.enum(PERIODS).nullish().describe('Which period to scan (default this_and_last_week); weeks start on Monday'),
  start_date: optionalText('First day, YYYY-MM-DD (overrides period)'),
  end_date: optionalText('Last day, YYYY-MM-DD, inclusive (overrides period)'),
  matter_id: optionalText('Only this matter (id or number)'),
  lawyer: optionalText('Only this lawyer'),
});

interface EntryRow {
  id: string;
  matter_id: string;
  matter_number: string | null;
  matter_title: string;
  matter_status: string;
  matter_closed_at: Date | string | null;
  client_name: string;
  lawyer: string;
  entry_date: string;
  hours: string | number;
  rate: string | number;
  description: string;
  billed: boolean;
  sample: boolean;
}

interface Anomaly {
  kind: string;
  severity: Severity;
  entry_ids: string[];
  message: string;
}

const VAGUE = /^(misc\.?|miscellaneous|work|various|admin|review|research|call|email|tbd|-)?$/i;

export function createScanBillableTimeTool(deps: LegalDeps) {
  return legalTool({
    name: 'scan_billable_time',
    description: 'Scan time entries for a period: hours and amounts per matter and lawyer, unbilled entries, and anomalies (very long entries or days, duplicates, off rates, vague descriptions, time on closed matters).',
    parameters,
    timeout: 30,
    retry_count: 1,
    async run(args, ctx) {
      const { start, end, label } = periodOf(args.period ?? 'this_and_last_week', deps.now(), given(args.start_date), given(args.end_date));
      const { rows } = await deps.db.query<EntryRow>(
        `SELECT t.id, t.matter_id, m.number AS matter_number, m.title AS matter_title, m.status AS matter_status,
                m.closed_at AS matter_closed_at, c.name AS client_name, t.lawyer, to_char(t.entry_date, 'YYYY-MM-DD') AS entry_date,
                t.hours, t.rate, t.description, t.billed, t.sample
         FROM time_entries t JOIN matters m ON m.id = t.matter_id JOIN clients c ON c.id = m.client_id
         WHERE ($1::date IS NULL OR t.entry_date >= $1::date) AND ($2::date IS NULL OR t.entry_date <= $2::date)
           AND ($3::text IS NULL OR m.id = $3 OR m.number = $3) AND ($4::text IS NULL OR t.lawyer ILIKE $4)
         ORDER BY t.entry_date, t.lawyer, t.id`,
        [start, end, given(args.matter_id) ?? null, given(args.lawyer) ?? null],
      );
      // a lawyer's usual rate comes from all their entries, not only this period's
      const { rows: usual } = await deps.db.query<{ lawyer: string; rate: string | number }>(
        `SELECT lawyer, mode() WITHIN GROUP (ORDER BY rate) AS rate FROM time_entries GROUP BY lawyer`,
      );
      const usualRate = new Map(usual.map((u) => [u.lawyer, Number(u.rate)]));
      const entries = rows.map((r) => ({ ...r, hours: Number(r.hours), rate: Number(r.rate), amount: round(Number(r.hours) * Number(r.rate)) }));
      ctx.progress({ entries: entries.length });

      const byMatter = new Map<string, { matter_id: string; number: string | null; title: string; client: string; status: string; hours: number; amount: number; unbilled_hours: number; unbilled_amount: number }>();
      const byLawyer = new Map<string, { lawyer: string; hours: number; amount: number; unbilled_hours: number; days: Set<string> }>();
      const dayTotals = new Map<string, { hours: number; ids: string[] }>();
      const seen = new Map<string, string>();
      const anomalies: Anomaly[] = [];

      for (const e of entries) {
        const m = byMatter.get(e.matter_id) ?? { matter_id: e.matter_id, number: e.matter_number, title: e.matter_title, client: e.client_name, status: e.matter_status, hours: 0, amount: 0, unbilled_hours: 0, unbilled_amount: 0 };
        m.hours += e.hours;
        m.amount += e.amount;
        if (!e.billed) {
          m.unbilled_hours += e.hours;
          m.unbilled_amount += e.amount;
        }
        byMatter.set(e.matter_id, m);
        const l = byLawyer.get(e.lawyer) ?? { lawyer: e.lawyer, hours: 0, amount: 0, unbilled_hours: 0, days: new Set<string>() };
        l.hours += e.hours;
        l.amount += e.amount;
        if (!e.billed) l.unbilled_hours += e.hours;
        l.days.add(e.entry_date);
        byLawyer.set(e.lawyer, l);
        const dayKey = `${e.lawyer}|${e.entry_date}`;
        const day = dayTotals.get(dayKey) ?? { hours: 0, ids: [] };
        day.hours += e.hours;
        day.ids.push(e.id);
        dayTotals.set(dayKey, day);

        const ref = `${e.lawyer}, ${e.entry_date}, ${e.matter_number ?? e.matter_title}`;
        if (e.hours > 10) anomalies.push({ kind: 'long_entry', severity: 'high', entry_ids: [e.id], message: `${e.hours} h in one entry (${ref}: "${e.description}")` });
        const rate = usualRate.get(e.lawyer);
        if (rate !== undefined && e.rate !== rate) {
          anomalies.push({ kind: 'rate_mismatch', severity: 'medium', entry_ids: [e.id], message: `billed at $${e.rate}/h, ${e.lawyer}'s usual rate is $${rate}/h (${ref})` });
        }
        if (VAGUE.test(e.description.trim()) || e.description.trim().length < 8) {
          anomalies.push({ kind: 'vague_description', severity: 'low', entry_ids: [e.id], message: `description "${e.description}" will not survive a client's review (${ref})` });
        }
        const closedAt = e.matter_closed_at ? new Date(e.matter_closed_at).toISOString().slice(0, 10) : null;
        if (e.matter_status === 'closed' && (!closedAt || e.entry_date >= closedAt || !e.billed)) {
          anomalies.push({ kind: 'closed_matter', severity: 'medium', entry_ids: [e.id], message: `time recorded on closed matter ${e.matter_number ?? e.matter_title} (${ref})` });
        }
        const weekday = new Date(`${e.entry_date}T00:00:00Z`).getUTCDay();
        if (weekday === 0 || weekday === 6) anomalies.push({ kind: 'weekend', severity: 'low', entry_ids: [e.id], message: `weekend entry (${ref})` });
        const twin = `${e.matter_id}|${e.lawyer}|${e.entry_date}|${e.hours}|${e.description.trim().toLowerCase()}`;
        if (seen.has(twin)) {
          anomalies.push({ kind: 'duplicate', severity: 'high', entry_ids: [seen.get(twin)!, e.id], message: `two identical entries (${ref}, ${e.hours} h "${e.description}")` });
        } else seen.set(twin, e.id);
      }
      for (const [key, day] of dayTotals) {
        if (day.hours > 12) {
          const [lawyer, date] = key.split('|');
          anomalies.push({ kind: 'long_day', severity: 'medium', entry_ids: day.ids, message: `${lawyer} recorded ${round(day.hours)} h on ${date}` });
        }
      }
      anomalies.sort((a, b) => mostSevereFirst(a.severity, b.severity));

      const unbilled = entries.filter((e) => !e.billed);
      const sum = (xs: { hours: number; amount: number }[], key: 'hours' | 'amount') => round(xs.reduce((acc, x) => acc + x[key], 0));
      return {
        period: { label, start, end },
        totals: {
          entries: entries.length,
          hours: sum(entries, 'hours'),
          amount: sum(entries, 'amount'),
          billed_hours: round(sum(entries, 'hours') - sum(unbilled, 'hours')),
          unbilled_hours: sum(unbilled, 'hours'),
          unbilled_amount: sum(unbilled, 'amount'),
        },
        by_matter: [...byMatter.values()].map((m) => ({ ...m, hours: round(m.hours), amount: round(m.amount), unbilled_hours: round(m.unbilled_hours), unbilled_amount: round(m.unbilled_amount) })).sort((a, b) => b.amount - a.amount),
        by_lawyer: [...byLawyer.values()].map(({ days, ...l }) => ({ ...l, hours: round(l.hours), amount: round(l.amount), unbilled_hours: round(l.unbilled_hours), days_worked: days.size })).sort((a, b) => b.hours - a.hours),
        unbilled_entries: unbilled.map((e) => ({ id: e.id, date: e.entry_date, lawyer: e.lawyer, matter: e.matter_number ?? e.matter_title, hours: e.hours, rate: e.rate, amount: e.amount, description: e.description })),
        anomalies,
        anomaly_count: anomalies.length,
        has_anomalies: anomalies.length > 0,
        currency: 'USD',
        sample_data: entries.some((e) => e.sample),
      };
    },
  });
}

function periodOf(period: (typeof PERIODS)[number], now: Date, start?: string, end?: string): { start: string | null; end: string | null; label: string } {
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  for (const [name, value] of [['start_date', start], ['end_date', end]] as const) {
    if (value && !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new SapflowError('invalid_arguments', `scan_billable_time: ${name} must be YYYY-MM-DD`);
  }
  if (start || end) return { start: start ?? null, end: end ?? null, label: 'custom' };
  const today = startOfDay(now);
  const monday = addDays(today, -((today.getUTCDay() + 6) % 7));
  const firstOfMonth = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  switch (period) {
    case 'this_week':
      return { start: iso(monday), end: iso(today), label: period };
    case 'last_week':
      return { start: iso(addDays(monday, -7)), end: iso(addDays(monday, -1)), label: period };
    case 'this_and_last_week':
      return { start: iso(addDays(monday, -7)), end: iso(today), label: period };
    case 'this_month':
      return { start: iso(firstOfMonth), end: iso(today), label: period };
    case 'last_month':
      return { start: iso(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1))), end: iso(addDays(firstOfMonth, -1)), label: period };
    case 'all':
      return { start: null, end: null, label: period };
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
