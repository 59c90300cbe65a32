import { z } from 'zod';
import { daysUntil } from './date-mentions.js';
import { findDeadlines, type DeadlineKind } from './deadline-rules.js';
import { emailSelection, emailsForModel, resolveEmails } from './email-input.js';
import type { Email } from './email-store.js';
import { extractOrRules } from './extract-or-rules.js';
import type { LegalDeps } from './legal-deps.js';
import { legalTool } from './legal-tool.js';
import { truncate } from './text-summary.js';

const KINDS = ['court_date', 'filing', 'response', 'signature', 'payment', 'expiry', 'other'] as const satisfies readonly DeadlineKind[];

const parameters = z.object({
  ...emailSelection,
  text: z.string().nullish().describe('Free text to scan instead of emails (a letter, a court notice)'),
  include_past: z.boolean().nullish().describe('Also return dates that have already passed (default false)'),
});

const modelAnswer = z.object({
  deadlines: z.array(
    z.object({
      email_id: z.string().nullable().describe('The email the deadline is in; null for free text'),
      date: z.string().describe('YYYY-MM-DD; resolve relative dates ("within 90 days") from the email date'),
      time: z.string().nullable().describe('HH:MM 24h, or null'),
      kind: z.enum(KINDS),
      description: z.string().describe('What is due or happens on that date, in one sentence'),
      date_text: z.string().describe('The date as written in the text'),
    }),
  ),
});

const INSTRUCTIONS = `Find every deadline, court date and due date in these law-firm emails: hearings, filing and
response deadlines, signature dates, payment dates, offers that expire. For each give the calendar date (resolve
relative dates from the email's Date), the time if written, the kind, and what is due. Ignore dates that are only
history (when something was received or sent).`;

export function createDetectDeadlinesTool(deps: LegalDeps) {
  return legalTool({
    name: 'detect_deadlines',
    description: 'Find deadlines, court dates and due dates in emails or text: the date, what is due, and how many days are left.',
    parameters,
    timeout: 60,
    retry_count: 1,
    async run(args, ctx) {
      const now = deps.now();
      const emails: Email[] = args.text
        ? [{ id: 'text', from: '', from_name: null, to: '', subject: '', body: args.text, received_at: now.toISOString(), matter_id: null, sample: false }]
        : await resolveEmails(deps, args);
      const byRules = () => ({
        deadlines: emails.flatMap((email, i) => {
          ctx.progress({ processed: i + 1, total: emails.length, email_id: email.id });
          const found = findDeadlines(`${email.subject}\n${email.body}`, new Date(email.received_at), now);
          return found.map(({ date, time, kind, description, date_text }) => ({ email_id: email.id, date, time, kind, description, date_text }));
        }),
      });
      const { method, value, fallback_reason } = await extractOrRules(deps, ctx, {
        schema: modelAnswer,
        instructions: INSTRUCTIONS,
        input: args.text ?? emailsForModel(emails),
        rules: byRules,
      });

      const byId = new Map(emails.map((e) => [e.id, e]));
      const seen = new Set<string>();
      const deadlines = value.deadlines
        .filter((d) => isCalendarDate(d.date))
        .map((d) => {
          const days = daysUntil(d.date, now);
          const email = d.email_id ? byId.get(d.email_id) : undefined;
          return {
            date: d.date,
            time: d.time && /^([01]\d|2[0-3]):[0-5]\d$/.test(d.time) ? d.time : null,
            kind: d.kind,
            description: truncate(d.description, 240),
            date_text: d.date_text,
            days_until: days,
            overdue: days < 0,
            urgency: days <= 3 ? 'high' : days <= 10 ? 'medium' : 'low',
            email_id: args.text ? null : (email?.id ?? null),
            email_subject: email?.subject || null,
            matter_id: email?.matter_id ?? null,
          };
        })
        .filter((d) => (args.include_past ?? false) || !d.overdue)
        .filter((d) => {
          // one email often repeats a date ("due March 3 ... by March 3")
          const key = `${d.email_id}|${d.date}|${d.kind}`;
          return seen.has(key) ? false : (seen.add(key), true);
        })
        .sort((a, b) => a.date.localeCompare(b.date) || (a.time ?? '').localeCompare(b.time ?? ''));

      return {
        method,
        ...(fallback_reason ? { fallback_reason } : {}),
        deadlines,
        count: deadlines.length,
        has_deadlines: deadlines.length > 0,
        next_deadline: deadlines[0] ?? null,
        emails_scanned: args.text ? 0 : emails.length,
        sample_data: emails.some((e) => e.sample),
      };
    },
  });
}

/** A real YYYY-MM-DD day: a model may write 2025-02-30. */
function isCalendarDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const at = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === date;
}
