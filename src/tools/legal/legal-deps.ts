import type { ZodType } from 'zod';
import type { Database } from '../../store/index.js';

/** The store the tools read and write; the tools with side effects need its transactions (see `actOnce`). */
export type LegalDatabase = Pick<Database, 'query' | 'exec' | 'transaction'>;

/**
 * Structured extraction by the model: the answer must satisfy `schema`. Provided by the server when
 * `OPENAI_API_KEY` is set; the tools fall back to their rule-based method without it.
 */
export type Extractor = <T>(
  schema: ZodType<T>,
  instructions: string,
  input: string,
  options?: { signal?: AbortSignal },
) => Promise<T>;

export interface MailMessage {
  from: string;
  to: string;
  cc?: string;
  subject: string;
  text: string;
  /** Derived from the call's idempotency key, so a receiver can tell a resent copy from a new message. */
  messageId?: string;
}

/** The part of a nodemailer transport that `send_email` uses. */
export interface Mailer {
  sendMail(message: MailMessage): Promise<{ messageId?: string }>;
}

export interface FirmProfile {
  name: string;
  address: string;
  phone: string;
  /** The From address of outgoing mail. */
  email: string;
  /** Signs retainer letters when a matter names no responsible lawyer. */
  signing_lawyer: string;
}

export const SAMPLE_FIRM: FirmProfile = {
  name: 'Sample & Partners LLP (demo data)',
  address: '100 Example Plaza, Suite 400, Springfield',
  phone: '+1 555 0100',
  email: 'intake@sample-partners.example',
  signing_lawyer: 'Alice Morgan',
};

export interface LegalToolsOptions {
  db: LegalDatabase;
  extractor?: Extractor;
  mailer?: Mailer;
  /** The clock; a fixed Date pins it (tests, demos). */
  now?: Date | (() => Date);
  firm?: Partial<FirmProfile>;
}

/** What every legal tool is built from: the options with their defaults filled in. */
export interface LegalDeps {
  db: LegalDatabase;
  extractor?: Extractor;
  mailer?: Mailer;
  now: () => Date;
  firm: FirmProfile;
}

export function toLegalDeps(options: LegalToolsOptions): LegalDeps {
  return {
    db: options.db,
    extractor: options.extractor,
    mailer: options.mailer,
    now: toClock(options.now),
    firm: { ...SAMPLE_FIRM, ...options.firm },
  };
}

export function toClock(now: Date | (() => Date) | undefined): () => Date {
  if (now === undefined) return () => new Date();
  if (now instanceof Date) return () => new Date(now.getTime());
  return now;
}
