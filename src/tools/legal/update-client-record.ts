import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import { actOnce } from './act-once.js';
import { findClient, isSampleContact, toClient, type Client } from './firm-records.js';
import type { LegalDeps } from './legal-deps.js';
import { given, legalTool, optionalText } from './legal-tool.js';
import { stableId } from './stable-id.js';

const parameters = z.object({
  client_id: optionalText('The client record to update'),
  email: optionalText("The client's email: finds the record when there is no client_id, or sets it"),
  name: optionalText('The client’s name; required to create a record'),
  phone: optionalText('Phone number'),
  address: optionalText('Postal address'),
  kind: z.enum(['individual', 'organization']).nullish().describe('A person or a company'),
  status: z.enum(['prospective', 'active', 'former']).nullish().describe('Where the client stands with the firm'),
  notes: optionalText('A note to add to the record (kept with the date; earlier notes stay)'),
  create_if_missing: z.boolean().nullish().describe('Create the record when no client matches (default true)'),
});

const FIELDS = ['name', 'email', 'phone', 'address', 'kind', 'status'] as const;

export function createUpdateClientRecordTool(deps: LegalDeps) {
  return legalTool({
    name: 'update_client_record',
    description: "Create or update a client record (name, email, phone, address, kind, status) and add a dated note.",
    parameters,
    timeout: 15,
    retry_count: 1,
    run: (args, ctx) => actOnce(deps.db, 'update_client_record', ctx, async (db) => {
      const id = given(args.client_id);
      const email = given(args.email);
      let client: Client | undefined = await findClient(db, { id, email });
      if (id && !client) throw new SapflowError('not_found', `no client ${id}`);

      const values: Record<string, string> = {};
      for (const field of FIELDS) {
        const value = given(args[field]);
        const same = field === 'email' ? client?.email?.toLowerCase() === value?.toLowerCase() : client?.[field] === value;
        if (value !== undefined && (!client || !same)) values[field] = value;
      }
      const note = given(args.notes);
      const stamped = note ? `[${deps.now().toISOString().slice(0, 10)}] ${note}` : undefined;

      let created = false;
      if (!client) {
        if (args.create_if_missing === false) throw new SapflowError('not_found', `no client with email ${email ?? '(none given)'}`);
        if (!values.name) throw new SapflowError('invalid_arguments', 'update_client_record: a new client needs a name');
        const { rows } = await db.query(
          `INSERT INTO clients (id, name, email, phone, address, kind, status, notes, sample)
           VALUES ($1, $2, $3, $4, $5, coalesce($6, 'individual'), coalesce($7, 'prospective'), $8, $9)
           ON CONFLICT (id) DO UPDATE SET updated_at = now() RETURNING *`,
          [stableId('client', ctx), values.name, values.email ?? null, values.phone ?? null, values.address ?? null, values.kind ?? null, values.status ?? null, stamped ?? null, await isSampleContact(db, email)],
        );
        client = toClient(rows[0]!);
        created = true;
      } else if (Object.keys(values).length || stamped) {
        const sets = Object.keys(values).map((field, i) => `${field} = $${i + 2}`);
        const params: unknown[] = [client.id, ...Object.values(values)];
        if (stamped) {
          params.push(stamped);
          sets.push(`notes = concat_ws(E'\\n', notes, $${params.length}::text)`);
        }
        const { rows } = await db.query(`UPDATE clients SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING *`, params);
        client = toClient(rows[0]!);
      }
      return {
        client,
        created,
        updated_fields: created ? [] : [...Object.keys(values), ...(stamped ? ['notes'] : [])],
        sample_data: client.sample,
      };
    }),
  });
}
