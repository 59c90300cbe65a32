import { findDeadlines } from './deadline-rules.js';
import type { Email } from './email-store.js';
import { plural } from './text-summary.js';

export const URGENCIES = ['high', 'medium', 'low'] as const;
export const CATEGORIES = ['intake', 'court', 'deadline', 'billing', 'client_matter', 'administrative', 'other'] as const;
export type Urgency = (typeof URGENCIES)[number];
export type Category = (typeof CATEGORIES)[number];

export interface Classification {
  urgency: Urgency;
  category: Category;
  reason: string;
}

const INTAKE = /\b(retain|representation|represent (me|us)|new client|consultation|need (a|help|legal)|would like a lawyer|looking for (a )?(lawyer|attorney|counsel)|seeking (counsel|representation))\b/i;
const COURT = /\b(court|clerk|case no\.?|docket|notice of hearing|e-?filing|judge)\b/i;
const BILLING = /\b(invoice|billing|billed|payment|statement|charges?|fees?|retainer balance)\b/i;
const URGENT = /\b(urgent|asap|as soon as possible|immediately|emergency|right away|change the locks|eviction)\b/i;
const NO_ACTION = /\b(no action is required|for your information|fyi|unsubscribe)\b/i;
const NEWSLETTER = /\b(unsubscribe|newsletter|webinar)\b/i;

/** Rule-based triage: the category from who writes and about what, the urgency from words and the nearest due date. */
export function classifyEmail(email: Email, now: Date, firmDomain?: string): Classification {
  const text = `${email.subject}\n${email.body}`;
  const sender = `${email.from_name ?? ''} ${email.from}`;
  const received = new Date(email.received_at);
  const deadlines = findDeadlines(text, received, now).filter((d) => d.days_until >= 0);
  const nearest = deadlines.reduce<number | undefined>((min, d) => (min === undefined ? d.days_until : Math.min(min, d.days_until)), undefined);
  const internal = firmDomain !== undefined && email.from.toLowerCase().endsWith(`@${firmDomain.toLowerCase()}`);

  let category: Category;
  if (NEWSLETTER.test(text)) category = 'other';
  else if (!email.matter_id && !internal && INTAKE.test(text)) category = 'intake';
  else if (COURT.test(sender) || /\b(notice of hearing|case no\.?)\b/i.test(email.subject)) category = 'court';
  else if (internal || NO_ACTION.test(text)) category = 'administrative';
  else if (BILLING.test(email.subject) || (BILLING.test(text) && !deadlines.length)) category = 'billing';
  else if (deadlines.length) category = 'deadline';
  else if (email.matter_id) category = 'client_matter';
  else category = 'other';

  const reasons: string[] = [];
  let urgency: Urgency = 'low';
  const raise = (to: Urgency, why: string) => {
    if (URGENCIES.indexOf(to) < URGENCIES.indexOf(urgency)) urgency = to;
    reasons.push(why);
  };
  const urgentWord = URGENT.exec(text);
  if (urgentWord) raise('high', `says "${urgentWord[0]}"`);
  if (nearest !== undefined) {
    if (nearest <= 7) raise('high', `a date ${nearest === 0 ? 'today' : `in ${plural(nearest, 'day')}`}`);
    else if (nearest <= 30) raise('medium', `a date in ${nearest} days`);
    else raise('low', `a date in ${nearest} days`);
  }
  if (category === 'intake') raise('medium', 'a prospective client asks for representation');
  if (category === 'billing') raise('medium', 'a billing question from outside the firm');
  if (category === 'client_matter' && /\?/.test(email.body)) raise('medium', 'a client asks a question');
  if (NO_ACTION.test(text) && urgency === 'low') reasons.push('no action needed');
  if (reasons.length === 0) reasons.push(category === 'other' ? 'no legal matter or date found' : 'nothing time-sensitive found');

  return { urgency, category, reason: reasons.join('; ') };
}
