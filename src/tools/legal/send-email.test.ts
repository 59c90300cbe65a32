import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Mailer, MailMessage } from './legal-deps.js';
import { openTestFirm, type TestFirm } from './test-firm.js';

const message = { to: 'john@example.com', subject: 'Your consultation', body: 'Dear John,\n\nThank you.' };

describe('send_email', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('queues the message in the outbox when no mail server is configured', async () => {
    const r = await firm.call('send_email', { ...message, cc: 'alice.morgan@sample-partners.example' });
    expect(r).toMatchObject({ status: 'queued', delivery: 'outbox', to: 'john@example.com', cc: 'alice.morgan@sample-partners.example', sent_at: null, sample_data: true });
    expect(r.note).toMatch(/SMTP_URL/);
    const { rows } = await firm.db.query('SELECT to_address, subject, body, status, created_by FROM outbox WHERE id = $1', [r.outbox_id]);
    expect(rows[0]).toEqual({ to_address: 'john@example.com', subject: 'Your consultation', body: 'Dear John,\n\nThank you.', status: 'queued', created_by: 'tester' });
  });

  it('sends through a nodemailer transport and records it', async () => {
    const transport = nodemailer.createTransport({ jsonTransport: true });
    const sent: string[] = [];
    const mailer: Mailer = {
      async sendMail(m: MailMessage) {
        const info = await transport.sendMail(m);
        sent.push(String(info.message));
        return info;
      },
    };
    const smtp = await openTestFirm({ mailer });
    try {
      const r = await smtp.call('send_email', { ...message, matter_id: 'SP-001' });
      expect(r).toMatchObject({ status: 'sent', delivery: 'smtp', message_id: expect.stringMatching(/@/) });
      expect(JSON.parse(sent[0]!)).toMatchObject({ subject: 'Your consultation', text: 'Dear John,\n\nThank you.', to: [{ address: 'john@example.com' }], from: { address: 'intake@sample-partners.example' } });
      const { rows } = await smtp.db.query('SELECT status, matter_id, sent_at IS NOT NULL AS sent FROM outbox WHERE id = $1', [r.outbox_id]);
      expect(rows[0]).toEqual({ status: 'sent', matter_id: 'sample-matter-001', sent: true });
    } finally {
      await smtp.close();
    }
  });

  it('records a failed send, fails retryably, and sends once when retried', async () => {
    let attempts = 0;
    const flaky: Mailer = {
      async sendMail() {
        if (++attempts === 1) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        return { messageId: '<ok@test>' };
      },
    };
    const smtp = await openTestFirm({ mailer: flaky });
    try {
      const ctx = { executionId: 'exec-1', taskId: 'send_confirmation' };
      const error = await smtp.call('send_email', message, ctx).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'upstream_error', retryable: true });
      const failed = await smtp.db.query("SELECT status, error FROM outbox WHERE idempotency_key = 'exec-1:send_confirmation'");
      expect(failed.rows[0]).toEqual({ status: 'failed', error: 'connection reset' });
      const r = await smtp.call('send_email', message, ctx);
      expect(r).toMatchObject({ status: 'sent', message_id: '<ok@test>' });
      const again = await smtp.call('send_email', message, ctx);
      expect(again.outbox_id).toBe(r.outbox_id);
      expect(attempts).toBe(2);
      const { rows } = await smtp.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      expect(rows[0]!.n).toBe(1);
    } finally {
      await smtp.close();
    }
  });

  describe('over SMTP, once per key', () => {
    // one store for these tests (each firm takes seconds to open); each test puts its own mail server behind it
    let smtp: TestFirm;
    let server: Mailer;
    beforeAll(async () => {
      smtp = await openTestFirm({ mailer: { sendMail: (m) => server.sendMail(m) } });
    });
    afterAll(() => smtp.close());

    it('racing calls send once, and a repeat answers the sent message', async () => {
      const sent: MailMessage[] = [];
      server = {
        async sendMail(m) {
          sent.push(m);
          await new Promise((resolve) => setTimeout(resolve, 50));
          return { messageId: m.messageId };
        },
      };
      const ctx = { executionId: 'exec-2', taskId: 'send_welcome' };
      const racing = await Promise.all([1, 2, 3].map(() => smtp.call('send_email', message, ctx)));
      expect(sent).toHaveLength(1);
      expect(racing.map((r) => r.status).sort()).toEqual(['sending', 'sending', 'sent']);
      expect(racing.find((r) => r.status === 'sending').note).toMatch(/not sent again/);
      const first = racing.find((r) => r.status === 'sent');
      await expect(smtp.call('send_email', message, ctx)).resolves.toEqual(first);
      expect(sent).toHaveLength(1);
      // the Message-ID comes from the key, so a receiver can drop a copy sent again after a reported failure
      expect(first.message_id).toMatch(/^<[0-9a-f]{32}@sample-partners\.example>$/);
    });

    it('does not send again a message an earlier attempt was sending when it died', async () => {
      let sends = 0;
      server = { sendMail: async () => (sends++, { messageId: '<x@test>' }) };
      const ctx = { executionId: 'exec-3', taskId: 'send_notice' };
      await smtp.call('send_email', message, ctx);
      // as a process killed between claiming the message and hearing back from the server leaves it
      await smtp.db.query("UPDATE outbox SET status = 'sending', sent_at = NULL WHERE idempotency_key = 'exec-3:send_notice'");
      const resumed = await smtp.call('send_email', message, ctx);
      expect(resumed).toMatchObject({ status: 'sending', note: expect.stringMatching(/not sent again/) });
      expect(sends).toBe(1);
    });

    it('records the outcome of a send whose call was cancelled while the server was answering', async () => {
      let answer: (() => void) | undefined;
      server = { sendMail: () => new Promise((resolve) => (answer = () => resolve({ messageId: '<late@test>' }))) };
      const controller = new AbortController();
      const ctx = { executionId: 'exec-4', taskId: 'send_late', signal: controller.signal };
      const pending = smtp.call('send_email', message, ctx);
      await vi.waitFor(() => expect(answer).toBeDefined());
      controller.abort();
      await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
      answer!();
      await vi.waitFor(async () => {
        const { rows } = await smtp.db.query("SELECT status, message_id FROM outbox WHERE idempotency_key = 'exec-4:send_late'");
        expect(rows[0]).toEqual({ status: 'sent', message_id: '<late@test>' });
      });
    });
  });

  it('does not retry a permanent SMTP rejection', async () => {
    const rejecting: Mailer = { sendMail: async () => Promise.reject(Object.assign(new Error('550 mailbox unavailable'), { responseCode: 550 })) };
    const smtp = await openTestFirm({ mailer: rejecting });
    try {
      await expect(smtp.call('send_email', message)).rejects.toMatchObject({ code: 'upstream_error', retryable: false });
    } finally {
      await smtp.close();
    }
  });

  it('validates addresses', async () => {
    await expect(firm.call('send_email', { ...message, to: 'not an address' })).rejects.toMatchObject({ code: 'invalid_arguments' });
    await expect(firm.call('send_email', { ...message, matter_id: 'SP-999' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
