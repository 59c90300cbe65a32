import { SapflowError } from '../../errors/index.js';
import type { Queryable } from '../../store/queryable.js';
import { parseEmailQuery, parseInstant } from './email-query.js';

/** An email as the tools hand it around (and as the model sees it). */
export interface Email {
  id: string;
  from: string;
  from_name: string | null;
  to: string;
  subject: string;
  body: string;
  received_at: string;
  matter_id: string | null;
  sample: boolean;
}

interface EmailRow {
  id: string;
  from_address: string;
  from_name: string | null;
  to_address: string;
  subject: string;
  body: string;
  received_at: Date | string;
  matter_id: string | null;
  sample: boolean;
}

const COLUMNS = 'e.id, e.from_address, e.from_name, e.to_address, e.subject, e.body, e.received_at, e.matter_id, e.sample';

function toEmail(row: EmailRow): Email {
  return {
    id: row.id,
    from: row.from_address,
    from_name: row.from_name,
    to: row.to_address,
    subject: row.subject,
    body: row.body,
    received_at: new Date(row.received_at).toISOString(),
    matter_id: row.matter_id,
    sample: row.sample,
  };
}

export interface FindEmailsOptions {
  query?: string;
  since?: Date;
  limit: number;
}

/**
 * Newest first. Every query value is a bound parameter; only the shape of the SQL depends on the query.
 * An `after:` or `before:` that is not a date is `invalid_arguments`, whichever tool's search it is.
 */
export async function findEmails(db: Queryable, options: FindEmailsOptions): Promise<Email[]> {
  const q = parseEmailQuery(options.query);
  for (const field of ['after', 'before'] as const) {
    const value = q[field];
    if (value && !parseInstant(value)) throw new SapflowError('invalid_arguments', `${field}:${value} is not a date; use YYYY-MM-DD`);
  }
  const where: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const like = (value: string) => bind(`%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);

  for (const v of q.from) where.push(`(e.from_address ILIKE ${like(v)} OR coalesce(e.from_name, '') ILIKE ${like(v)})`);
  for (const v of q.to) where.push(`e.to_address ILIKE ${like(v)}`);
  for (const v of q.subject) where.push(`e.subject ILIKE ${like(v)}`);
  for (const v of q.matter) {
    where.push(
      `EXISTS (SELECT 1 FROM matters m WHERE m.id = e.matter_id AND (m.id = ${bind(v)} OR m.number ILIKE ${like(v)} OR m.title ILIKE ${like(v)}))`,
    );
  }
  for (const v of q.text) where.push(`(e.subject ILIKE ${like(v)} OR e.body ILIKE ${like(v)})`);
  if (q.after) where.push(`e.received_at >= ${bind(q.after)}::timestamptz`);
  if (q.before) where.push(`e.received_at < ${bind(q.before)}::timestamptz`);
  if (options.since) where.push(`e.received_at >= ${bind(options.since.toISOString())}::timestamptz`);

  const sql = `SELECT ${COLUMNS} FROM emails e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY e.received_at DESC, e.id LIMIT ${bind(options.limit)}`;
  const { rows } = await db.query<EmailRow>(sql, params);
  return rows.map(toEmail);
}

/** In the order of `ids`; unknown ids are left out. */
export async function getEmailsByIds(db: Queryable, ids: string[]): Promise<Email[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<EmailRow>(`SELECT ${COLUMNS} FROM emails e WHERE e.id = ANY($1::text[])`, [ids]);
  const byId = new Map(rows.map((row) => [row.id, toEmail(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
