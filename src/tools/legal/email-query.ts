/**
 * The mailbox search language of `list_emails`, a small subset of Gmail's:
 * `from:`, `to:`, `subject:`, `matter:`, `after:` / `before:` (dates), quoted phrases and bare words
 * (matched against subject and body). Terms are ANDed; values are case-insensitive substrings.
 */
export interface EmailQuery {
  from: string[];
  to: string[];
  subject: string[];
  matter: string[];
  after?: string;
  before?: string;
  text: string[];
}

const FIELDS = new Set(['from', 'to', 'subject', 'matter', 'after', 'before']);

export function parseEmailQuery(query: string | undefined): EmailQuery {
  const parsed: EmailQuery = { from: [], to: [], subject: [], matter: [], text: [] };
  if (!query) return parsed;
  // field:"quoted value" | field:value | "quoted phrase" | word
  const token = /(\w+):"([^"]*)"|(\w+):(\S+)|"([^"]*)"|(\S+)/g;
  for (const m of query.matchAll(token)) {
    const field = (m[1] ?? m[3])?.toLowerCase();
    const value = (m[2] ?? m[4] ?? m[5] ?? m[6] ?? '').trim();
    if (!value) continue;
    if (field && FIELDS.has(field)) {
      if (field === 'after' || field === 'before') parsed[field] = value;
      else parsed[field as 'from' | 'to' | 'subject' | 'matter'].push(value);
    } else {
      parsed.text.push(field ? `${field}:${value}` : value);
    }
  }
  return parsed;
}

/**
 * `since` as an instant: an ISO date or date-time, or a span back from now (`7d`, `2w`, `24h`, `30m`).
 * Returns undefined for nothing given; throws on a value it cannot read.
 */
export function resolveSince(since: string | undefined, now: Date): Date | undefined {
  if (!since) return undefined;
  const span = /^(\d+)\s*([mhdw])$/i.exec(since.trim());
  if (span) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[span[2]!.toLowerCase() as 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(span[1]) * unit);
  }
  const at = parseInstant(since);
  if (!at) throw new RangeError(`cannot read the date "${since}"; use an ISO date (2025-03-01) or a span like 7d`);
  return at;
}

/** An ISO date or date-time; a bare date or a time without an offset is read as UTC. */
export function parseInstant(value: string): Date | undefined {
  const text = value.trim();
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!iso) return undefined;
  const withZone = iso[1] ? text : /\d{2}:\d{2}/.test(text) ? `${text.replace(' ', 'T')}Z` : `${text}T00:00:00Z`;
  const at = new Date(withZone);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
