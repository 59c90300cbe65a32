import { plural, summarizeText, truncate } from './text-summary.js';

/** A few lines and highlights from other tools' results, recognised by their shape. */
export interface Description {
  lines: string[];
  highlights: string[];
}

type Rec = Record<string, any>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

export function describeResults(data: unknown): Description {
  const out: Description = { lines: [], highlights: [] };
  if (typeof data === 'string') {
    out.lines.push(summarizeText(data, 3));
  } else if (isRecord(data) && describeOne(data, out)) {
    // a single result
  } else if (isRecord(data)) {
    for (const [key, value] of Object.entries(data)) {
      if (isRecord(value) && describeOne(value, out)) continue;
      if (typeof value === 'string' && value.trim()) out.lines.push(`${label(key)}: ${truncate(value, 300)}`);
      else if (typeof value === 'number' || typeof value === 'boolean') out.lines.push(`${label(key)}: ${value}`);
      else if (Array.isArray(value)) out.lines.push(`${label(key)}: ${plural(value.length, 'item')}`);
    }
  } else if (Array.isArray(data)) {
    out.lines.push(plural(data.length, 'item'));
  }
  return out;
}

/** True when `r` was recognised as some tool's result. */
function describeOne(r: Rec, out: Description): boolean {
  if (Array.isArray(r.triaged) && isRecord(r.counts)) {
    out.lines.push(`Triage: ${plural(r.triaged.length, 'email')} - ${r.counts.high ?? 0} high, ${r.counts.medium ?? 0} medium, ${r.counts.low ?? 0} low urgency.`);
    for (const t of r.triaged.filter((t: Rec) => t.urgency === 'high').slice(0, 5)) out.highlights.push(`Urgent: "${t.subject}" from ${t.from} - ${t.reason}`);
    return true;
  }
  if (Array.isArray(r.deadlines)) {
    const next = r.deadlines[0];
    out.lines.push(`Deadlines: ${plural(r.deadlines.length, 'upcoming date')}${next ? `; the next is ${next.date}${next.time ? ` ${next.time}` : ''}: ${truncate(String(next.description), 160)}` : ''}.`);
    for (const d of r.deadlines.filter((d: Rec) => typeof d.days_until === 'number' && d.days_until <= 7).slice(0, 5)) {
      out.highlights.push(`Due ${d.date}${d.time ? ` ${d.time}` : ''} (${d.days_until === 0 ? 'today' : `in ${plural(d.days_until, 'day')}`}): ${truncate(String(d.description), 160)}`);
    }
    return true;
  }
  if (Array.isArray(r.issues) && typeof r.risk_level === 'string') {
    const c = r.counts ?? {};
    out.lines.push(`Risk level ${r.risk_level}: ${plural(r.issues.length, 'issue')} (${c.high ?? 0} high, ${c.medium ?? 0} medium, ${c.low ?? 0} low).`);
    for (const i of r.issues.filter((i: Rec) => i.severity === 'high').slice(0, 5)) out.highlights.push(`High risk: ${i.title} - ${i.recommendation}`);
    return true;
  }
  if (Array.isArray(r.entities) && isRecord(r.by_type)) {
    const parts = (['organization', 'person', 'money', 'date', 'jurisdiction'] as const)
      .filter((t) => r.by_type[t]?.length)
      .map((t) => `${label(t)}s: ${r.by_type[t].slice(0, 6).join(', ')}`);
    out.lines.push(`Entities: ${parts.join('; ') || plural(r.entities.length, 'entity')}.`);
    return true;
  }
  if (typeof r.document_type === 'string' && Array.isArray(r.sections)) {
    const missing = Array.isArray(r.clauses?.missing) && r.clauses.missing.length ? `; missing clauses: ${r.clauses.missing.join(', ')}` : '';
    out.lines.push(`Document: ${r.title ?? r.document?.title ?? 'untitled'} - ${r.document_type}, ${r.word_count} words, ${plural(r.sections.length, 'section')}${missing}.`);
    if (r.parties?.length) out.lines.push(`Parties: ${r.parties.join(' and ')}.`);
    return true;
  }
  if (isRecord(r.totals) && Array.isArray(r.by_matter)) {
    const t = r.totals;
    out.lines.push(`Time ${r.period?.start ?? ''}${r.period?.end ? ` to ${r.period.end}` : ''}: ${t.hours} h, $${t.amount} across ${plural(r.by_matter.length, 'matter')}; unbilled ${t.unbilled_hours} h ($${t.unbilled_amount}).`);
    if (Array.isArray(r.anomalies) && r.anomalies.length) {
      out.lines.push(`${r.anomalies.length} ${r.anomalies.length === 1 ? 'anomaly' : 'anomalies'} to review before invoicing.`);
      for (const a of r.anomalies.slice(0, 6)) out.highlights.push(`${a.severity === 'high' ? 'Check' : 'Review'}: ${a.message}`);
    }
    return true;
  }
  if (typeof r.has_conflicts === 'boolean') {
    out.lines.push(r.has_conflicts ? String(r.reason ?? r.summary) : String(r.summary ?? 'No conflicts found.'));
    return true;
  }
  if (typeof r.document_id === 'string' && typeof r.url === 'string') {
    out.lines.push(`Document "${r.title}" stored at ${r.url}.`);
    return true;
  }
  if (typeof r.outbox_id === 'string') {
    out.lines.push(`Email to ${r.to} ${r.status === 'sent' ? 'sent' : 'queued in the outbox'}: "${r.subject}".`);
    return true;
  }
  if (Array.isArray(r.events) && typeof r.ics === 'string') {
    out.lines.push(`${plural(r.events.length, 'calendar event')} created.`);
    return true;
  }
  if (typeof r.summary === 'string') {
    out.lines.push(r.summary);
    return true;
  }
  return false;
}

function label(key: string): string {
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
