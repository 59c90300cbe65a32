import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import { getEmailsByIds } from './email-store.js';
import { findClientByEmail, getClient, getMatter } from './firm-records.js';
import type { LegalDeps } from './legal-deps.js';
import { legalTool } from './legal-tool.js';

const parameters = z.object({
  email_id: z.string().min(1).describe('The id of the email, as list_emails returned it'),
});

export function createGetEmailDetailsTool(deps: LegalDeps) {
  return legalTool({
    name: 'get_email_details',
    description: 'Read one email in full, with the matter and client it belongs to, the sender if they are a known client, and the rest of its thread.',
    parameters,
    timeout: 15,
    retry_count: 1,
    async run({ email_id }) {
      const [email] = await getEmailsByIds(deps.db, [email_id]);
      if (!email) throw new SapflowError('not_found', `no email with id ${email_id}`);
      const matter = email.matter_id ? await getMatter(deps.db, email.matter_id) : undefined;
      const client = matter ? await getClient(deps.db, matter.client_id) : undefined;
      const sender = await findClientByEmail(deps.db, email.from);

      const topic = email.subject.replace(/^((re|fwd?|aw):\s*)+/i, '').trim();
      const { rows } = await deps.db.query<{ id: string; subject: string; from_address: string; received_at: Date | string }>(
        `SELECT id, subject, from_address, received_at FROM emails
         WHERE id <> $1 AND regexp_replace(subject, '^((re|fwd?|aw):\\s*)+', '', 'i') = $2 ORDER BY received_at`,
        [email.id, topic],
      );
      return {
        email,
        matter: matter ?? null,
        client: client ?? null,
        sender_is_client: sender ? { id: sender.id, name: sender.name, status: sender.status } : null,
        thread: rows.map((r) => ({ id: r.id, subject: r.subject, from: r.from_address, received_at: new Date(r.received_at).toISOString() })),
        sample_data: email.sample,
      };
    },
  });
}
