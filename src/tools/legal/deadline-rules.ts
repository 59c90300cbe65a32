import { daysUntil, findDateMentions } from './date-mentions.js';
import { splitSentences, truncate } from './text-summary.js';

export type DeadlineKind = 'court_date' | 'filing' | 'response' | 'signature' | 'payment' | 'expiry' | 'other';

export interface Deadline {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM, when the text gives a time. */
  time: string | null;
  kind: DeadlineKind;
  /** What is due, in the words of the text. */
  description: string;
  /** The date as written. */
  date_text: string;
  days_until: number;
  urgency: 'high' | 'medium' | 'low';
}

const KINDS: [DeadlineKind, RegExp][] = [
  ['court_date', /\b(hearing|trial|mediation|deposition|conference|arraignment|oral argument)\b/i],
  ['filing', /\b(file|filing|complaint|brief|lawsuit|petition|motion)\b/i],
  ['response', /\b(respond|responses?|reply|answer|interrogatories|confirm)\b/i],
  ['signature', /\b(sign|signature|execute|signing)\b/i],
  ['expiry', /\b(expires?|expiry|expiration|lapse|unless)\b/i],
  ['payment', /\b(pay|payment|invoice|remit)\b/i],
];

// a date in a sentence is a deadline only when the sentence says something is due then
const DUE = /\b(due|deadline|no later than|by|before|until|within|must|set for|scheduled|hearing|trial|mediation|deposition|file|filing|respond|reply|sign|expires?|unless|confirm|proposes?)\b/i;

/** Deadlines written in `text`; `reference` anchors relative dates ("within 90 days"), `now` gives days_until. */
export function findDeadlines(text: string, reference: Date, now: Date): Deadline[] {
  const deadlines: Deadline[] = [];
  for (const sentence of splitSentences(text)) {
    if (!DUE.test(sentence)) continue;
    for (const mention of findDateMentions(sentence, reference)) {
      const days = daysUntil(mention.date, now);
      deadlines.push({
        date: mention.date,
        time: mention.time,
        kind: KINDS.find(([, pattern]) => pattern.test(sentence))?.[0] ?? 'other',
        description: truncate(sentence, 240),
        date_text: mention.text,
        days_until: days,
        urgency: days <= 3 ? 'high' : days <= 10 ? 'medium' : 'low',
      });
    }
  }
  return deadlines;
}
