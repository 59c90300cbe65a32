import { mostSevereFirst, type Severity } from './severity.js';
import { truncate } from './text-summary.js';

export interface Issue {
  type: string;
  severity: Severity;
  title: string;
  /** The clause the issue was found in, or null for something missing. */
  excerpt: string | null;
  recommendation: string;
}

interface Rule {
  type: string;
  severity: Severity;
  title: string;
  pattern: RegExp;
  recommendation: string;
}

// patterns read a clause (one paragraph); they are deliberately about wording a reviewer would flag
const RULES: Rule[] = [
  { type: 'unlimited_liability', severity: 'high', title: 'Unlimited liability', pattern: /liability[^.]*\b(unlimited|shall not be limited|without limit)/i, recommendation: 'Cap liability, ideally mutually, at a multiple of the annual fees; carve out only fraud and wilful misconduct.' },
  { type: 'low_liability_cap', severity: 'high', title: 'Liability cap too low to be meaningful', pattern: /(aggregate )?liability[^.]*exceed[^.]*\b(one \(1\) month|1 month|one month|\$\s?\d{1,3}(,\d{3})?\b(?!,))/i, recommendation: 'Raise the counterparty cap to at least the fees paid in the preceding twelve months.' },
  { type: 'one_sided_indemnity', severity: 'high', title: 'One-sided indemnity', pattern: /\bshall indemnify, defend and hold harmless\b[^.]*\bany and all\b/i, recommendation: 'Make the indemnity mutual and limit it to third-party claims caused by the indemnifying party.' },
  { type: 'ip_ownership', severity: 'high', title: "Counterparty takes ownership of the client's data or work product", pattern: /\b(customer|client) data[^.]*\bowned exclusively by\b|\bowned exclusively by (provider|supplier|vendor)\b/i, recommendation: "Keep the client's data and outputs with the client; grant the provider only a licence to deliver the services." },
  { type: 'unilateral_termination', severity: 'high', title: 'Only the counterparty may terminate for convenience', pattern: /\bmay terminate[^.]*for convenience[^.]*\.\s*[^.]*\bmay terminate only\b/i, recommendation: 'Give both parties the same right to terminate for convenience, with the same notice.' },
  { type: 'auto_renewal', severity: 'medium', title: 'Automatic renewal with a long notice period', pattern: /\bautomatically renew/i, recommendation: 'Shorten renewal terms to one year and the non-renewal notice to 30-60 days; diarise the notice date.' },
  { type: 'unilateral_changes', severity: 'medium', title: 'Counterparty may change or suspend the services at its sole discretion', pattern: /\b(modify|suspend|discontinue|change)\b[^.]*\bsole discretion\b/i, recommendation: 'Require notice and consent for material changes, with a right to terminate and a refund.' },
  { type: 'long_payment_terms', severity: 'low', title: 'Long payment terms', pattern: /\bpayable within (ninety|sixty|120|90|60)\b/i, recommendation: 'Check this suits the client; if the client is paying, it favours them.' },
  { type: 'late_interest', severity: 'medium', title: 'High late-payment interest', pattern: /\b1\.5% per month|\b(1[5-9]|[2-9]\d)% per (year|annum)/i, recommendation: 'Reduce late interest to the statutory rate or about 1% per month, after a written reminder.' },
  { type: 'price_escalation', severity: 'medium', title: 'Uncapped or high annual price increases', pattern: /\bincrease the fees by up to (1[0-9]|[2-9]\d)%|\bincrease (the )?(fees|prices) at (its|their) discretion/i, recommendation: 'Cap annual increases at CPI or 3-5%.' },
  { type: 'perpetual_confidentiality', severity: 'low', title: 'Confidentiality in perpetuity', pattern: /\bconfidential[^.]*\bin perpetuity\b/i, recommendation: 'Limit confidentiality to 3-5 years, except for trade secrets.' },
  { type: 'long_restrictive_covenant', severity: 'medium', title: 'Long non-solicitation or non-compete period', pattern: /\b(for a period of|period of)\s+(three|four|five|six|seven|ten|[3-9]|\d{2})\s*(\(\d+\)\s*)?years?[^.]*\b(solicit|compete|hire)/i, recommendation: 'Limit restrictive covenants to 12 months and to employees the client actually worked with.' },
  { type: 'one_sided_assignment', severity: 'medium', title: 'Counterparty may assign without consent', pattern: /\bmay assign this agreement without [^.]*consent/i, recommendation: 'Make assignment mutual: with consent, except to a successor in a merger or sale.' },
  { type: 'exclusive_remedy', severity: 'medium', title: 'Service credits as the sole remedy', pattern: /\bsole and exclusive remedy\b/i, recommendation: 'Keep termination and damages available for repeated or serious failures.' },
  { type: 'blank_fields', severity: 'low', title: 'Blank or placeholder fields', pattern: /_{4,}|\[\s*_+\s*\]|\[●\]|\bTBD\b|\[insert/i, recommendation: 'Complete every blank before signature.' },
];

const EXPECTED_CLAUSES: { type: string; title: string; present: RegExp; recommendation: string }[] = [
  { type: 'missing_governing_law', title: 'No governing law clause', present: /\bgoverned by\b|\bgoverning law\b/i, recommendation: 'Add a governing law and jurisdiction clause.' },
  { type: 'missing_dispute_resolution', title: 'No dispute resolution clause', present: /\b(arbitration|dispute resolution|exclusive jurisdiction|courts of)\b/i, recommendation: 'Add a dispute resolution clause (escalation, then courts or arbitration).' },
];

/** Issues a reviewer would flag in a contract, by clause wording, plus standard clauses that are missing. */
export function findContractIssues(text: string): Issue[] {
  const clauses = text.split(/\n\s*\n|\n(?=\s*\d+(?:\.\d+)*\.?\s)/).filter((c) => c.trim());
  const issues: Issue[] = [];
  for (const rule of RULES) {
    const clause = clauses.find((c) => rule.pattern.test(c));
    if (!clause) continue;
    issues.push({ type: rule.type, severity: rule.severity, title: rule.title, excerpt: truncate(clause, 280), recommendation: rule.recommendation });
  }
  // only agreements are expected to have these clauses; a letter or an email is not
  if (/\b(agreement|lease|contract)\b/i.test(text) && /\b(parties|between)\b/i.test(text)) {
    for (const expected of EXPECTED_CLAUSES) {
      if (!expected.present.test(text)) {
        issues.push({ type: expected.type, severity: 'medium', title: expected.title, excerpt: null, recommendation: expected.recommendation });
      }
    }
  }
  return issues.sort((a, b) => mostSevereFirst(a.severity, b.severity));
}
