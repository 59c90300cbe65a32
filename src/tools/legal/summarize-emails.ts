import { z } from 'zod';
import { classifyEmail } from './classify-email.js';
import { emailSelection, emailsForModel, resolveEmails } from './email-input.js';
import { extractOrRules } from './extract-or-rules.js';
import type { LegalDeps } from './legal-deps.js';
import { legalTool } from './legal-tool.js';
import { plural, summarizeText, truncate } from './text-summary.js';

const parameters = z.object(emailSelection);

const modelAnswer = z.object({
  summary: z.string().describe('A short paragraph a busy lawyer can read in 20 seconds'),
  items: z.array(z.object({ email_id: z.string(), summary: z.string().describe('One sentence') })),
});

const INSTRUCTIONS = `Summarise a law firm's emails for a lawyer. Give one overall paragraph (who wrote, what needs
action, dates that matter) and one sentence per email_id saying what the sender wants. Do not invent facts.`;

export function createSummarizeEmailsTool(deps: LegalDeps) {
  const firmDomain = deps.firm.email.split('@')[1];
  return legalTool({
    name: 'summarize_emails',
    description: 'Summarise emails: one overview paragraph plus one sentence per email saying what the sender wants.',
    parameters,
    timeout: 60,
    retry_count: 1,
    async run(args, ctx) {
      const emails = await resolveEmails(deps, args);
      const now = deps.now();
      const rules = () => {
        const items = emails.map((email, i) => {
          ctx.progress({ processed: i + 1, total: emails.length, email_id: email.id });
          return { email_id: email.id, summary: truncate(summarizeText(email.body, 1) || email.subject, 220) };
        });
        return { summary: overview(emails.map((e) => ({ ...e, ...classifyEmail(e, now, firmDomain) }))), items };
      };
      const { method, value, fallback_reason } = await extractOrRules(deps, ctx, {
        schema: modelAnswer,
        instructions: INSTRUCTIONS,
        input: emailsForModel(emails),
        rules,
      });
      const byId = new Map(value.items.map((item) => [item.email_id, item.summary]));
      return {
        method,
        ...(fallback_reason ? { fallback_reason } : {}),
        summary: value.summary,
        items: emails.map((e) => ({
          email_id: e.id,
          from: e.from_name ?? e.from,
          subject: e.subject,
          received_at: e.received_at,
          summary: byId.get(e.id) ?? truncate(e.subject, 220),
        })),
        count: emails.length,
        sample_data: emails.some((e) => e.sample),
      };
    },
  });
}

function overview(emails: { from: string; from_name: string | null; subject: string; received_at: string; urgency: string; category: string }[]): string {
  if (emails.length === 0) return 'No emails.';
  const senders = new Set(emails.map((e) => e.from.toLowerCase()));
  const dates = emails.map((e) => e.received_at.slice(0, 10)).sort();
  const categories = new Map<string, number>();
  for (const e of emails) categories.set(e.category, (categories.get(e.category) ?? 0) + 1);
  const mix = [...categories].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${n} ${c.replace('_', ' ')}`).join(', ');
  const urgent = emails.filter((e) => e.urgency === 'high');
  const span = dates[0] === dates.at(-1) ? `on ${dates[0]}` : `between ${dates[0]} and ${dates.at(-1)}`;
  const head = `${plural(emails.length, 'email')} from ${plural(senders.size, 'sender')} ${span}: ${mix}.`;
  if (!urgent.length) return `${head} Nothing urgent.`;
  const list = urgent.slice(0, 5).map((e) => `"${e.subject}" (${e.from_name ?? e.from})`).join('; ');
  return `${head} ${urgent.length} need${urgent.length === 1 ? 's' : ''} attention soon: ${list}${urgent.length > 5 ? '; …' : ''}.`;
}
