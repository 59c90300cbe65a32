import { z } from 'zod';
import { CATEGORIES, URGENCIES, classifyEmail } from './classify-email.js';
import { emailSelection, emailsForModel, resolveEmails } from './email-input.js';
import { extractOrRules } from './extract-or-rules.js';
import type { LegalDeps } from './legal-deps.js';
import { legalTool } from './legal-tool.js';
import { mostSevereFirst } from './severity.js';

const parameters = z.object(emailSelection);

const modelAnswer = z.object({
  items: z.array(
    z.object({
      email_id: z.string(),
      urgency: z.enum(URGENCIES),
      category: z.enum(CATEGORIES),
      reason: z.string().describe('One short sentence'),
    }),
  ),
});

const INSTRUCTIONS = `You triage a law firm's inbox. For every email give its urgency (high: a court date, filing or
deadline within 7 days, or a client at risk of immediate harm; medium: needs a lawyer's reply soon; low: informational)
and its category (intake: a prospective client asking for representation; court: from a court or about a hearing;
deadline: sets a date something is due; billing; client_matter: an existing client about their matter;
administrative; other). Answer once per email_id, with a one-sentence reason.`;

export function createTriageEmailsTool(deps: LegalDeps) {
  const firmDomain = deps.firm.email.split('@')[1];
  return legalTool({
    name: 'triage_emails',
    description: 'Sort emails by urgency (high/medium/low) and category (intake, court, deadline, billing, client_matter, administrative, other), with a reason for each.',
    parameters,
    timeout: 60,
    retry_count: 1,
    async run(args, ctx) {
      const emails = await resolveEmails(deps, args);
      const now = deps.now();
      const rules = () => ({
        items: emails.map((email, i) => {
          ctx.progress({ processed: i + 1, total: emails.length, email_id: email.id });
          return { email_id: email.id, ...classifyEmail(email, now, firmDomain) };
        }),
      });
      ctx.progress({ processed: 0, total: emails.length });
      const { method, value, fallback_reason } = await extractOrRules(deps, ctx, {
        schema: modelAnswer,
        instructions: INSTRUCTIONS,
        input: emailsForModel(emails),
        rules,
      });
      const answers = new Map(value.items.map((item) => [item.email_id, item]));
      const triaged = emails
        .map((email) => {
          // an email the model skipped still gets an answer
          const answer = answers.get(email.id) ?? { email_id: email.id, ...classifyEmail(email, now, firmDomain) };
          return { email_id: email.id, subject: email.subject, from: email.from, received_at: email.received_at, urgency: answer.urgency, category: answer.category, reason: answer.reason };
        })
        .sort((a, b) => mostSevereFirst(a.urgency, b.urgency) || b.received_at.localeCompare(a.received_at));

      const counts = { high: 0, medium: 0, low: 0 };
      const by_category: Record<string, number> = {};
      for (const t of triaged) {
        counts[t.urgency]++;
        by_category[t.category] = (by_category[t.category] ?? 0) + 1;
      }
      return {
        method,
        ...(fallback_reason ? { fallback_reason } : {}),
        triaged,
        count: triaged.length,
        counts,
        by_category,
        needs_attention: triaged.filter((t) => t.urgency === 'high').map((t) => t.email_id),
        sample_data: emails.some((e) => e.sample),
      };
    },
  });
}
