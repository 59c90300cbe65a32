import { z } from 'zod';
import { SapflowError, oneLine } from '../../errors/index.js';
import { getMatter, isSampleContact } from './firm-records.js';
import type { LegalDeps } from './legal-deps.js';
import { given, legalTool, optionalText, untilAborted } from './legal-tool.js';

const parameters = z.object({
  to: z.email().describe('Recipient address'),
  subject: z.string().min(1).max(300).describe('Subject line'),
  body: z.string().min(1).describe('Plain-text body'),
  cc: z.union([z.email(), z.array(z.email())]).nullish().describe('Copy to these addresses'),
  matter_id: optionalText('The matter the email belongs to (id or number)'),
});

interface OutboxRow {
  id: string;
  status: 'queued' | 'sent' | 'failed';
  to_address: string;
  cc: string | null;
  subject: string;
  body: string;
  message_id: string | null;
  error: string | null;
  sent_at: Date | string | null;
  created_at: Date | string;
  sample: boolean;
}

export function createSendEmailTool(deps: LegalDeps) {
  return legalTool({
    name: 'send_email',
    description: 'Send an email from the firm: it is written to the outbox, and sent over SMTP when the gateway has a mail server configured.',
    parameters,
    timeout: 30,
    retry_count: 2,
    async run(args, ctx) {
      const cc = args.cc ? (Array.isArray(args.cc) ? args.cc : [args.cc]).join(', ') : null;
      const matterRef = given(args.matter_id);
      const matter = matterRef ? await getMatter(deps.db, matterRef) : undefined;
      if (matterRef && !matter) throw new SapflowError('not_found', `no matter ${matterRef}`);
      const sample = (matter?.sample ?? false) || (await isSampleContact(deps.db, args.to));

      // a retried attempt of the same task finds its own row, so a message is queued (and sent) once
      const key = ctx.executionId && ctx.taskId ? `${ctx.executionId}:${ctx.taskId}` : null;
      const inserted = await deps.db.query<OutboxRow>(
        `INSERT INTO outbox (idempotency_key, to_address, cc, subject, body, matter_id, created_by, sample)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
        [key, args.to, cc, args.subject, args.body, matter?.id ?? null, ctx.user, sample],
      );
      let row = inserted.rows[0] ?? (await deps.db.query<OutboxRow>('SELECT * FROM outbox WHERE idempotency_key = $1', [key])).rows[0]!;

      if (deps.mailer && row.status !== 'sent') {
        ctx.signal.throwIfAborted();
        try {
          const info = await untilAborted(
            deps.mailer.sendMail({ from: `"${deps.firm.name}" <${deps.firm.email}>`, to: row.to_address, cc: row.cc ?? undefined, subject: row.subject, text: row.body }),
            ctx.signal,
          );
          row = (await deps.db.query<OutboxRow>(
            `UPDATE outbox SET status = 'sent', sent_at = now(), message_id = $2, error = NULL WHERE id = $1 RETURNING *`,
            [row.id, info.messageId ?? null],
          )).rows[0]!;
        } catch (error) {
          if (ctx.signal.aborted) throw error;
          const message = oneLine(error instanceof Error ? error.message : String(error), 300);
          await deps.db.query(`UPDATE outbox SET status = 'failed', error = $2 WHERE id = $1`, [row.id, message]);
          // SMTP 5xx is permanent (bad address, rejected); anything else may pass on the next attempt
          const code = (error as { responseCode?: number }).responseCode;
          throw new SapflowError('upstream_error', `sending to ${row.to_address} failed: ${message}`, {
            retryable: !(typeof code === 'number' && code >= 500),
            details: { outbox_id: row.id },
          });
        }
      }
      return {
        outbox_id: row.id,
        status: row.status,
        delivery: deps.mailer ? 'smtp' : 'outbox',
        to: row.to_address,
        cc: row.cc,
        subject: row.subject,
        message_id: row.message_id,
        sent_at: row.sent_at ? new Date(row.sent_at).toISOString() : null,
        ...(deps.mailer ? {} : { note: 'No mail server is configured (SMTP_URL); the message waits in the outbox.' }),
        sample_data: row.sample,
      };
    },
  });
}
