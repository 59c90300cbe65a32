import { findDeadlines } from './deadline-rules.js';
import type { Email } from './email-store.js';
import { summarizeText } from './text-summary.js';

/** What an intake needs to know about a prospective client, as extract_legal_info returns it. */
export interface IntakeFields {
  client_name: string | null;
  client_email: string | null;
  phone: string | null;
  company: string | null;
  matter_type: string | null;
  opposing_party: string | null;
  summary: string;
  key_dates: { date: string; description: string }[];
}

// a run of capitalised words with "&", "of" and "and" inside; `properName` trims it to the name itself
// within one line: a name never runs on into the next line's greeting
const PROPER = "[A-Z][\\w'.&-]*(?:[ \\t]+(?:[A-Z][\\w'.&-]*|&|of|and))*";
// case-sensitive on purpose: the name must be capitalised ("I am in a dispute" introduces no one)
const NAME_INTRO = new RegExp(`\\b(?:[Mm]y name is|I am|I'm|[Tt]his is)\\s+(${PROPER})`);
const COMPANY_ROLE = new RegExp(`\\b(?:CEO|founder|owner|president|director|general counsel|managing partner)\\s+(?:of|at)\\s+(${PROPER})`);
const OPPOSING = new RegExp(
  `\\b(?:dispute with|against|sued by|suing|claim against|complaint against|v\\.|versus)\\s+(?:(?:my|our|a|the) (?:former )?[a-z]+(?: [a-z]+)?, )?(${PROPER})`,
);
const PHONE = /(\+?\(?\d[\d ().-]{6,}\d)/;

const MATTER_TYPES: [string, RegExp][] = [
  ['employment', /\b(employment|employer|employee|non-compete|wrongful termination|fired|severance|offer letter|position as|equity vesting|harassment)\b/gi],
  ['landlord-tenant', /\b(landlord|tenant|security deposit|eviction|apartment|rent|locks)\b/gi],
  ['contract dispute', /\b(dispute|unpaid invoices?|breach of contract|breach|damages|spoiled)\b/gi],
  ['family law', /\b(divorce|custody|child support|alimony|separation)\b/gi],
  ['estate planning', /\b(will|trust|estate|probate|beneficiar(y|ies))\b/gi],
  ['intellectual property', /\b(trademark|patent|copyright|infring\w*)\b/gi],
  ['corporate', /\b(incorporat\w*|shareholders?|merger|acquisition|investment round)\b/gi],
  ['personal injury', /\b(accident|injur\w*|negligence|medical bills)\b/gi],
  ['immigration', /\b(visa|green card|immigration|citizenship)\b/gi],
  ['commercial contracts', /\b(contract review|services agreement|msa|supplier agreement|nda)\b/gi],
];

/** Reads intake facts from a prospective client's emails; the first intake-looking email leads. */
export function extractIntakeFields(emails: Email[], text: string, now: Date): IntakeFields {
  const lead = emails.find((e) => /\b(retain|representation|consultation|lawyer|attorney|new client|need help)\b/i.test(`${e.subject} ${e.body}`)) ?? emails[0];
  const body = lead ? lead.body : text;
  const all = emails.length ? emails.map((e) => `${e.subject}\n${e.body}`).join('\n\n') : text;

  const client_name = clean(NAME_INTRO.exec(body)?.[1]) ?? lead?.from_name ?? signatureName(body);
  const company = clean(COMPANY_ROLE.exec(all)?.[1]) ?? signatureCompany(body);
  let opposing_party = clean(OPPOSING.exec(all)?.[1]);
  // "a dispute with Harbor" written by Harbor's own people is not an opposing party
  if (opposing_party && company && opposing_party.toLowerCase() === company.toLowerCase()) opposing_party = null;

  const scores = MATTER_TYPES.map(([type, pattern]) => [type, all.match(pattern)?.length ?? 0] as const);
  const best = scores.reduce((a, b) => (b[1] > a[1] ? b : a));

  const reference = lead ? new Date(lead.received_at) : now;
  return {
    client_name: client_name ?? null,
    client_email: lead?.from ?? /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/.exec(text)?.[0] ?? null,
    phone: PHONE.exec(body)?.[1]?.trim() ?? null,
    company: company ?? null,
    matter_type: best[1] > 0 ? best[0] : null,
    opposing_party,
    summary: summarizeText(body, 2),
    key_dates: findDeadlines(all, reference, now).map((d) => ({ date: d.date, description: d.description })),
  };
}

function clean(run: string | undefined): string | null {
  const name = run ? properName(run) : '';
  return name ? name : null;
}

const NOT_A_NAME = new Set(['I', 'We', 'You', 'They', 'He', 'She', 'It', 'My', 'Our', 'Your', 'Please', 'Thanks', 'Hello', 'Hi', 'Dear']);

/** "Daniel Whitaker and I" -> "Daniel Whitaker"; "Brightwater Foods Inc. We" -> "Brightwater Foods Inc". */
export function properName(run: string): string {
  const kept: string[] = [];
  for (const token of run.split(/\s+/)) {
    if (NOT_A_NAME.has(token.replace(/[.,]$/, '')) || kept.length === 6) break;
    kept.push(token);
    // "Inc." ends the name; an initial ("J.") does not
    if (token.endsWith('.') && token.length > 2) break;
  }
  while (kept.length && ['of', 'and', '&'].includes(kept.at(-1)!)) kept.pop();
  return kept.join(' ').replace(/[.,;:]+$/, '');
}

/** The line after the sign-off, when it looks like a name. */
function signatureName(body: string): string | null {
  const lines = body.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const signOff = lines.findIndex((l) => /^(thanks|thank you|best|regards|best regards|kind regards|sincerely)\b/i.test(l));
  const candidate = signOff >= 0 ? lines[signOff + 1] : undefined;
  return candidate && /^[A-Z][a-z]+(?: [A-Z][a-z.'-]+){1,3}$/.test(candidate) ? candidate : null;
}

/** "CEO, Brightwater Foods Inc." under a signature. */
function signatureCompany(body: string): string | null {
  const line = body.split(/\r?\n/).reverse().find((l) => /^[\w ]+,\s+[A-Z]/.test(l.trim()));
  const company = line?.split(',').slice(1).join(',').trim();
  return company && /\b(inc|llc|ltd|corp|llp|group|company|co)\b\.?/i.test(company) ? company : null;
}
