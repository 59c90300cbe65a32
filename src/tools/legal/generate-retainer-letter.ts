import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import { actOnce } from './act-once.js';
import { findClient, getMatter, isSampleContact, toClient, toDocument, type Client, type Matter } from './firm-records.js';
import type { LegalDeps } from './legal-deps.js';
import { given, legalTool, optionalText } from './legal-tool.js';
import { writeRetainerLetter } from './retainer-letter-text.js';
import { stableId } from './stable-id.js';

const parameters = z.object({
  client_name: z.string().min(1).describe('The client the letter is addressed to'),
  client_email: optionalText("The client's email; used to find or create the client record"),
  client_id: optionalText('The client record, when known'),
  matter_id: optionalText('An existing matter (id or number such as SP-001); its title, type, lawyer and rate are used'),
  matter_title: optionalText('A title for the engagement when there is no matter yet'),
  matter_type: optionalText('e.g. employment, landlord-tenant, contract dispute'),
  matter_description: optionalText('What the firm will do, in a phrase: "the review of your employment agreement"'),
  opposing_party: optionalText('The other side, named in the scope and conflicts paragraphs'),
  responsible_lawyer: optionalText('Who signs and runs the matter (default: the firm’s intake partner)'),
  hourly_rate: z.number().positive().nullish().describe('The responsible lawyer’s hourly rate in USD (default 400)'),
  retainer_amount: z.number().nonnegative().nullish().describe('Advance retainer in USD (default 5000)'),
});

export function createGenerateRetainerLetterTool(deps: LegalDeps) {
  return legalTool({
    name: 'generate_retainer_letter',
    description: 'Write a retainer (engagement) letter for a client and matter, store it with the client and matter, and return its id and URL.',
    parameters,
    timeout: 30,
    retry_count: 1,
    run: (args, ctx) => actOnce(deps.db, 'generate_retainer_letter', ctx, async (db) => {
      const matterRef = given(args.matter_id);
      let matter: Matter | undefined;
      if (matterRef) {
        matter = await getMatter(db, matterRef);
        if (!matter) throw new SapflowError('not_found', `no matter ${matterRef}`);
      }
      const email = given(args.client_email);
      const clientRef = given(args.client_id) ?? matter?.client_id;
      let client: Client | undefined = await findClient(db, { id: clientRef, email });
      if (clientRef && !client) throw new SapflowError('not_found', `no client ${clientRef}`);
      if (!client) {
        // the letter is stored with a client record; a prospective client gets one now, completed by update_client_record
        const sample = await isSampleContact(db, email);
        const { rows } = await db.query(
          `INSERT INTO clients (id, name, email, status, notes, sample) VALUES ($1, $2, $3, 'prospective', $4, $5)
           ON CONFLICT (id) DO UPDATE SET updated_at = now() RETURNING *`,
          [stableId('client', ctx), args.client_name, email ?? null, 'Created for a retainer letter.', sample],
        );
        client = toClient(rows[0]!);
      }

      // the letter says it is sample data exactly when its stored row is marked so
      const sample = client.sample || (matter?.sample ?? false);
      const title = given(args.matter_title) ?? matter?.title ?? (given(args.matter_type) ? `${capitalise(args.matter_type!.trim())} matter` : 'Legal services');
      const body = writeRetainerLetter(deps.firm, {
        client_name: args.client_name,
        client_email: email ?? client.email,
        client_address: client.address,
        matter_title: title,
        matter_type: given(args.matter_type) ?? matter?.matter_type ?? null,
        matter_description: given(args.matter_description) ?? matter?.description?.replace(/\s*SAMPLE DATA.*$/, '') ?? null,
        opposing_party: given(args.opposing_party) ?? null,
        responsible_lawyer: given(args.responsible_lawyer) ?? matter?.responsible_lawyer ?? deps.firm.signing_lawyer,
        hourly_rate: args.hourly_rate ?? matter?.hourly_rate ?? 400,
        retainer_amount: args.retainer_amount ?? 5000,
        date: deps.now(),
        sample,
      });

      const documentTitle = `Retainer letter - ${args.client_name} - ${title}`;
      const { rows } = await db.query(
        `INSERT INTO documents (id, matter_id, client_id, kind, title, body, created_by, sample)
         VALUES ($1, $2, $3, 'retainer_letter', $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET id = documents.id RETURNING *`,
        [stableId('doc', ctx), matter?.id ?? null, client.id, documentTitle, body, ctx.user, sample],
      );
      const document = toDocument(rows[0]!);
      return {
        document_id: document.id,
        title: document.title,
        url: `/api/documents/${encodeURIComponent(document.id)}`,
        kind: document.kind,
        client_id: client.id,
        client_name: args.client_name,
        matter_id: matter?.id ?? null,
        created_at: document.created_at,
        word_count: document.body.split(/\s+/).filter(Boolean).length,
        sample_data: document.sample,
      };
    }),
  });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
