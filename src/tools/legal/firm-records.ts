import type { Queryable } from '../../store/queryable.js';

/** Clients, matters and documents as the tools return them: plain JSON, ISO dates, numbers as numbers. */
export interface Client {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  address: string | null;
  kind: string;
  status: string;
  notes: string | null;
  sample: boolean;
  created_at: string;
  updated_at: string;
}

export interface Matter {
  id: string;
  number: string | null;
  client_id: string;
  title: string;
  matter_type: string | null;
  description: string | null;
  status: 'open' | 'closed';
  responsible_lawyer: string | null;
  hourly_rate: number | null;
  opened_at: string;
  closed_at: string | null;
  sample: boolean;
}

export interface StoredDocument {
  id: string;
  matter_id: string | null;
  client_id: string | null;
  kind: string;
  title: string;
  body: string;
  content_type: string;
  created_by: string | null;
  created_at: string;
  sample: boolean;
}

const iso = (value: unknown): string => new Date(value as string).toISOString();
const isoOrNull = (value: unknown): string | null => (value == null ? null : iso(value));

export function toClient(row: Record<string, unknown>): Client {
  return { ...(row as unknown as Client), created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}

export function toMatter(row: Record<string, unknown>): Matter {
  return {
    ...(row as unknown as Matter),
    hourly_rate: row.hourly_rate == null ? null : Number(row.hourly_rate),
    opened_at: iso(row.opened_at),
    closed_at: isoOrNull(row.closed_at),
  };
}

export function toDocument(row: Record<string, unknown>): StoredDocument {
  return { ...(row as unknown as StoredDocument), created_at: iso(row.created_at) };
}

export async function getClient(db: Queryable, id: string): Promise<Client | undefined> {
  const { rows } = await db.query('SELECT * FROM clients WHERE id = $1', [id]);
  return rows[0] ? toClient(rows[0]) : undefined;
}

export async function findClientByEmail(db: Queryable, email: string): Promise<Client | undefined> {
  const { rows } = await db.query('SELECT * FROM clients WHERE lower(email) = lower($1) ORDER BY created_at LIMIT 1', [email]);
  return rows[0] ? toClient(rows[0]) : undefined;
}

/** By id when one is given (an unknown id is not retried by email), else by email. */
export async function findClient(db: Queryable, ref: { id?: string; email?: string }): Promise<Client | undefined> {
  if (ref.id) return getClient(db, ref.id);
  return ref.email ? findClientByEmail(db, ref.email) : undefined;
}

/** By id or by matter number ("SP-001"). */
export async function getMatter(db: Queryable, idOrNumber: string): Promise<Matter | undefined> {
  const { rows } = await db.query('SELECT * FROM matters WHERE id = $1 OR number = $1 LIMIT 1', [idOrNumber]);
  return rows[0] ? toMatter(rows[0]) : undefined;
}

/**
 * A stored document, for `GET /api/documents/:id` as well as the tools.
 * Returns undefined for an unknown id.
 */
export async function getDocument(db: Queryable, id: string): Promise<StoredDocument | undefined> {
  const { rows } = await db.query('SELECT * FROM documents WHERE id = $1', [id]);
  return rows[0] ? toDocument(rows[0]) : undefined;
}

/**
 * Whether an address is only known from the sample firm's data (a sample client or a sample email's sender),
 * so that rows the tools create for it are marked as demo data too.
 */
export async function isSampleContact(db: Queryable, email: string | undefined): Promise<boolean> {
  if (!email) return false;
  const { rows } = await db.query<{ sample: boolean }>(
    `SELECT (EXISTS (SELECT 1 FROM clients WHERE sample AND lower(email) = lower($1))
          OR EXISTS (SELECT 1 FROM emails WHERE sample AND lower(from_address) = lower($1))) AS sample`,
    [email],
  );
  return rows[0]?.sample === true;
}
