import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import { emailLike, emailsForModel, resolveEmails } from './email-input.js';
import type { Email } from './email-store.js';
import { extractOrRules } from './extract-or-rules.js';
import { extractIntakeFields, type IntakeFields } from './intake-fields.js';
import type { LegalDeps } from './legal-deps.js';
import { legalTool, optionalText } from './legal-tool.js';

const parameters = z.object({
  email_content: z
    .union([z.string(), z.array(emailLike), z.looseObject({})])
    .nullish()
    .describe('What to read: the text of an email, an email object, or a list_emails result'),
  email_id: optionalText('Or the id of a stored email to read'),
  client_email: optionalText("Only read emails from this address (when given a whole mailbox)"),
});

const modelAnswer = z.object({
  client_name: z.string().nullable().describe('The prospective client: a person, or the person writing for a company'),
  client_email: z.string().nullable(),
  phone: z.string().nullable(),
  company: z.string().nullable().describe('The company the client runs or writes for, if any'),
  matter_type: z.string().nullable().describe('e.g. employment, landlord-tenant, contract dispute, estate planning'),
  opposing_party: z.string().nullable().describe('Who the client is in a dispute with or negotiating against'),
  summary: z.string().describe('Two sentences: what the client needs'),
  key_dates: z.array(z.object({ date: z.string().describe('YYYY-MM-DD'), description: z.string() })),
});

const INSTRUCTIONS = `Read a prospective client's emails to a law firm and extract the intake facts: who they are,
how to reach them, their company, what kind of legal matter it is, and who the opposing party is (every party the
firm must run a conflict check on). Use null for anything not stated; never guess names.`;

export function createExtractLegalInfoTool(deps: LegalDeps) {
  return legalTool({
    name: 'extract_legal_info',
    description: "Extract intake facts from a prospective client's email: client name, email, phone, company, matter type, opposing party, summary and key dates.",
    parameters,
    timeout: 60,
    retry_count: 1,
    async run(args, ctx) {
      let emails: Email[] = [];
      let text = '';
      const content = args.email_content;
      if (args.email_id?.trim()) {
        emails = await resolveEmails(deps, { email_ids: [args.email_id.trim()] });
      } else if (typeof content === 'string') {
        text = content;
      } else if (Array.isArray(content)) {
        emails = await resolveEmails(deps, { emails: content });
      } else if (content && Array.isArray(content.emails)) {
        emails = await resolveEmails(deps, { emails: content.emails as z.infer<typeof emailLike>[] });
      } else if (content && ('body' in content || 'subject' in content)) {
        emails = await resolveEmails(deps, { emails: [content as z.infer<typeof emailLike>] });
      } else if (content) {
        text = JSON.stringify(content);
      } else {
        throw new SapflowError('invalid_arguments', 'extract_legal_info: give email_content or email_id');
      }
      const from = args.client_email?.trim().toLowerCase();
      if (from) emails = emails.filter((e) => e.from.toLowerCase() === from);

      const empty: IntakeFields = { client_name: null, client_email: from ?? null, phone: null, company: null, matter_type: null, opposing_party: null, summary: 'No email from the client was found.', key_dates: [] };
      const nothingToRead = emails.length === 0 && !text.trim();
      ctx.progress({ emails: emails.length });
      const { method, value, fallback_reason } = nothingToRead
        ? { method: 'rules' as const, value: empty, fallback_reason: undefined }
        : await extractOrRules(deps, ctx, {
            schema: modelAnswer,
            instructions: INSTRUCTIONS,
            input: emails.length ? emailsForModel(emails) : text,
            rules: () => extractIntakeFields(emails, text, deps.now()),
          });
      return {
        method,
        ...(fallback_reason ? { fallback_reason } : {}),
        found: !nothingToRead && value.client_name !== null,
        ...value,
        // the issue's own example reads `extract_client_info.result.name`
        name: value.client_name,
        source_email_ids: emails.map((e) => e.id),
        sample_data: emails.some((e) => e.sample),
      };
    },
  });
}
