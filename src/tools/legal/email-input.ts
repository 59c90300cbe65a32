import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import { resolveSince } from './email-query.js';
import { findEmails, getEmailsByIds, type Email } from './email-store.js';
import type { LegalDeps } from './legal-deps.js';

/** An email as another tool returned it; only the fields the rules read matter. */
export const emailLike = z.looseObject({
  id: z.string().nullish(),
  from: z.string().nullish(),
  from_name: z.string().nullish(),
  to: z.string().nullish(),
  subject: z.string().nullish(),
  body: z.string().nullish(),
  snippet: z.string().nullish(),
  received_at: z.string().nullish(),
  matter_id: z.string().nullish(),
  sample: z.boolean().nullish(),
});
export type EmailLike = z.infer<typeof emailLike>;

/** Which emails a mailbox tool works on: given ones, ids, or a search (the newest 50 by default). */
export const emailSelection = {
  emails: z
    .union([z.array(emailLike), z.looseObject({ emails: z.array(emailLike) })])
    .nullish()
    .describe('Emails to work on, as list_emails returned them (its result or its `emails` array)'),
  email_ids: z.array(z.string()).nullish().describe('Ids of emails to work on, instead of `emails`'),
  query: z
    .string()
    .nullish()
    .describe('When neither emails nor email_ids is given: a list_emails search, e.g. "from:court" or "matter:SP-001"'),
  since: z.string().nullish().describe('With `query`: only emails received since this ISO date or span (7d, 2w)'),
  max_results: z.number().int().min(1).max(200).nullish().describe('With `query`: how many emails at most (default 50)'),
};

export interface EmailSelection {
  emails?: EmailLike[] | { emails: EmailLike[] } | null;
  email_ids?: string[] | null;
  query?: string | null;
  since?: string | null;
  max_results?: number | null;
}

export async function resolveEmails(deps: LegalDeps, selection: EmailSelection): Promise<Email[]> {
  if (selection.emails) {
    const given = Array.isArray(selection.emails) ? selection.emails : selection.emails.emails;
    // ids without bodies (a trimmed list) are filled in from the store
    const missing = given.filter((e) => e.id && !e.body).map((e) => e.id!);
    const stored = new Map((await getEmailsByIds(deps.db, missing)).map((e) => [e.id, e]));
    return given.map((e, i) => stored.get(e.id ?? '') ?? fromLike(e, i, deps.now()));
  }
  if (selection.email_ids?.length) {
    const found = await getEmailsByIds(deps.db, selection.email_ids);
    if (found.length === 0) throw new SapflowError('not_found', `no email with id ${selection.email_ids.join(', ')}`);
    return found;
  }
  let since: Date | undefined;
  try {
    since = resolveSince(selection.since ?? undefined, deps.now());
  } catch (error) {
    throw new SapflowError('invalid_arguments', (error as Error).message);
  }
  return findEmails(deps.db, { query: selection.query ?? undefined, since, limit: selection.max_results ?? 50 });
}

function fromLike(e: EmailLike, index: number, now: Date): Email {
  return {
    id: e.id ?? `given-${index + 1}`,
    from: e.from ?? '',
    from_name: e.from_name ?? null,
    to: e.to ?? '',
    subject: e.subject ?? '',
    body: e.body ?? e.snippet ?? '',
    received_at: e.received_at ?? now.toISOString(),
    matter_id: e.matter_id ?? null,
    sample: e.sample ?? false,
  };
}

/** How emails are shown to the model: one block each, headed by the id it must answer with. */
export function emailsForModel(emails: Email[]): string {
  return emails
    .map((e) =>
      [
        `--- email_id: ${e.id}`,
        `From: ${e.from_name ? `${e.from_name} <${e.from}>` : e.from}`,
        `To: ${e.to}`,
        `Date: ${e.received_at}`,
        `Subject: ${e.subject}`,
        '',
        e.body,
      ].join('\n'),
    )
    .join('\n\n');
}
