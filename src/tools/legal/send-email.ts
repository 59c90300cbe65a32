import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SapflowError, oneLine } from '../../errors/index.js';
import type { Queryable } from '../../store/index.js';
import type { ToolContext } from '../tool.js';
import { actOnce } from './act-once.js';
import { getMatter, isSampleContact } from './firm-records.js';
import type { LegalDeps, Mailer } from './legal-deps.js';
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
  status: 'queued' | 'sending' | 'sent' | 'failed';
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

type Args = z.output<typeof parameters>;

export function createSendEmailTool(deps: LegalDeps) {
  return legalTool({
    name: 'send_email',
    description: 'Send an email from the firm: it is written to the outbox, and sent over SMTP when the gateway has a mail server configured.',
    parameters,
    timeout: 30,
    retry_count: 2,
    async run(args, ctx) {
      // one outbox row per key: a repeat of the call finds the row its first attempt queued
      const { outbox_id } = await actOnce(deps.db, 'send_email', ctx, (db) => queueMessage(db, args, ctx));
      let row = await readOutbox(deps.db, outbox_id);
      if (deps.mailer && (row.status === 'queued' || row.status === 'failed')) {
        ctx.signal.throwIfAborted();
        row = await sendOnce(deps, deps.mailer, row, ctx);
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
        ...(row.status === 'sending' ? { note: 'Another attempt of this call is sending the message, or was cut off while sending; it is not sent again.' } : {}),
        sample_data: row.sample,
      };
    },
  });
}

async function queueMessage(db: Queryable, args: Args, ctx: ToolContext): Promise<{ outbox_id: string }> {
  const cc = args.cc ? (Array.isArray(args.cc) ? args.cc : [args.cc]).join(', ') : null;
  const matterRef = given(args.matter_id);
  const matter = matterRef ? await getMatter(db, matterRef) : undefined;
  if (matterRef && !matter) throw new SapflowError('not_found', `no matter ${matterRef}`);
  const sample = (matter?.sample ?? false) || (await isSampleContact(db, args.to));
  const key = ctx.idempotencyKey || null;
  // the outbox's own unique key still holds rows queued before tool_effects existed
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO outbox (idempotency_key, to_address, cc, subject, body, matter_id, created_by, sample)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [key, args.to, cc, args.subject, args.body, matter?.id ?? null, ctx.user, sample],
  );
  const row = inserted.rows[0] ?? (await db.query<{ id: string }>('SELECT id FROM outbox WHERE idempotency_key = $1', [key])).rows[0]!;
  return { outbox_id: row.id };
}

/**
 * SMTP has no idempotency key, so the message is claimed ('sending', committed) before the server is spoken to: a
 * repeat of the call - a retry racing a slow attempt, a run resumed after a crash mid-send - finds the claim taken
 * and never sends it a second time. Only a failure the mailer reports ('failed': the server did not take it) lets a
 * later attempt send again; the Message-ID derived from the key lets a receiver drop a copy should that be wrong.
 */
async function sendOnce(deps: LegalDeps, mailer: Mailer, queued: OutboxRow, ctx: ToolContext): Promise<OutboxRow> {
  const { rows: claimed } = await deps.db.query<OutboxRow>(
    `UPDATE outbox SET status = 'sending', error = NULL WHERE id = $1 AND status IN ('queued', 'failed') RETURNING *`,
    [queued.id],
  );
  const row = claimed[0];
  if (!row) return readOutbox(deps.db, queued.id);
  const message = {
    from: `"${deps.firm.name}" <${deps.firm.email}>`,
    to: row.to_address,
    cc: row.cc ?? undefined,
    subject: row.subject,
    text: row.body,
    messageId: messageIdFor(ctx.idempotencyKey, deps.firm.email),
  };
  // the outcome is recorded when the server answers, even if this call was cancelled while waiting for it
  const sent = mailer.sendMail(message).then(
    async (info) =>
      (await deps.db.query<OutboxRow>(
        `UPDATE outbox SET status = 'sent', sent_at = now(), message_id = $2, error = NULL WHERE id = $1 RETURNING *`,
        [row.id, info.messageId ?? message.messageId ?? null],
      )).rows[0]!,
    async (error: unknown) => {
      const reason = oneLine(error instanceof Error ? error.message : String(error), 300);
      await deps.db.query(`UPDATE outbox SET status = 'failed', error = $2 WHERE id = $1`, [row.id, reason]);
      // SMTP 5xx is permanent (bad address, rejected); anything else may pass on the next attempt
      const code = (error as { responseCode?: number }).responseCode;
      throw new SapflowError('upstream_error', `sending to ${row.to_address} failed: ${reason}`, {
        retryable: !(typeof code === 'number' && code >= 500),
        details: { outbox_id: row.id },
      });
    },
  );
  return untilAborted(sent, ctx.signal);
}

async function readOutbox(db: Queryable, id: string): Promise<OutboxRow> {
  return (await db.query<OutboxRow>('SELECT * FROM outbox WHERE id = $1', [id])).rows[0]!;
}

function messageIdFor(key: string, from: string): string | undefined {
  if (!key) return undefined;
  const domain = from.split('@')[1] ?? 'sapflow.invalid';
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
}
