import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import { resolveSince } from './email-query.js';
import { findEmails } from './email-store.js';
import type { LegalDeps } from './legal-deps.js';
import { legalTool, optionalText } from './legal-tool.js';
import { truncate } from './text-summary.js';

const parameters = z.object({
  query: optionalText(
    'Mailbox search, terms ANDed: from:<name or address>, to:, subject:, matter:<id, number or title>, after:YYYY-MM-DD, before:YYYY-MM-DD, "exact phrase", words. Empty lists the newest emails.',
  ),
  max_results: z.number().int().min(1).max(100).nullish().describe('How many emails at most, newest first (default 20)'),
  since: optionalText('Only emails received since this ISO date or date-time, or a span back from now: 7d, 2w, 24h'),
  include_body: z.boolean().nullish().describe('Include each full body (default true); false gives a 200-character snippet'),
});

export function createListEmailsTool(deps: LegalDeps) {
  return legalTool({
    name: 'list_emails',
    description: "Search the firm's mailbox and list matching emails, newest first, with sender, subject, date, matter and body.",
    parameters,
    timeout: 15,
    retry_count: 1,
    async run(args) {
      const query = args.query?.trim() || undefined;
      let since: Date | undefined;
      try {
        since = resolveSince(args.since?.trim() || undefined, deps.now());
      } catch (error) {
        throw new SapflowError('invalid_arguments', `list_emails: ${(error as Error).message}`);
      }
      const emails = await findEmails(deps.db, { query, since, limit: args.max_results ?? 20 });
      const withBody = args.include_body ?? true;
      return {
        emails: emails.map(({ body, ...rest }) => (withBody ? { ...rest, body } : { ...rest, snippet: truncate(body, 200) })),
        count: emails.length,
        query: query ?? null,
        since: since?.toISOString() ?? null,
        sample_data: emails.some((e) => e.sample),
      };
    },
  });
}
