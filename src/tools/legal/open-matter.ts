import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import type { Queryable } from '../../store/index.js';
import { actOnce } from './act-once.js';
import { findClient, toClient, toMatter, type Client } from './firm-records.js';
import type { LegalDeps } from './legal-deps.js';
import { given, givenNames, legalTool, optionalNames, optionalText } from './legal-tool.js';
import { stableId } from './stable-id.js';

const parameters = z.object({
  client_id: optionalText('The client the matter is for'),
  client_email: optionalText('Or: find the client by email'),
  client_name: optionalText('Or: find the client by exact name'),
  title: z.string().min(1).describe('Matter title, e.g. "Miller - employment agreement review"'),
  matter_type: optionalText('e.g. employment, landlord-tenant, commercial litigation'),
  description: optionalText('What the firm will do'),
  responsible_lawyer: optionalText('The lawyer in charge'),
  hourly_rate: z.number().positive().nullish().describe('The responsible lawyer’s hourly rate in USD'),
  adverse_parties: optionalNames('The other side(s), recorded for future conflict checks'),
});

export function createOpenMatterTool(deps: LegalDeps) {
  return legalTool({
    name: 'open_matter',
    description: 'Open a new matter for a client, with its adverse parties (so later conflict checks see them), and make a prospective client active.',
    parameters,
    timeout: 15,
    retry_count: 1,
    run: (args, ctx) => actOnce(deps.db, 'open_matter', ctx, async (db) => {
      const client = await findMatterClient(db, args);
      const id = stableId('matter', ctx);
      let matter = (await db.query('SELECT * FROM matters WHERE id = $1', [id])).rows[0];
      const created = !matter;
      for (let attempt = 0; !matter; attempt++) {
        // numbers are "SP-<n>"; two runs opening matters at once may race for one, so take the next and retry
        const { rows: next } = await db.query<{ n: number }>(
          `SELECT coalesce(max(substring(number FROM '^SP-(\\d+)$')::int), 0) + 1 AS n FROM matters`,
        );
        // a failed statement aborts the whole transaction; the savepoint keeps the claim and the client lookup alive
        await db.query('SAVEPOINT matter_number');
        try {
          const { rows } = await db.query(
            `INSERT INTO matters (id, number, client_id, title, matter_type, description, status, responsible_lawyer, hourly_rate, opened_at, sample)
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10) RETURNING *`,
            [id, `SP-${String(next[0]!.n).padStart(3, '0')}`, client.id, args.title, given(args.matter_type) ?? null, given(args.description) ?? null,
              given(args.responsible_lawyer) ?? deps.firm.signing_lawyer, args.hourly_rate ?? null, deps.now().toISOString(), client.sample],
          );
          matter = rows[0];
          await db.query('RELEASE SAVEPOINT matter_number');
        } catch (error) {
          await db.query('ROLLBACK TO SAVEPOINT matter_number');
          if (attempt >= 3 || !/duplicate key|unique/i.test(String((error as Error).message))) throw error;
        }
      }
      const names = givenNames(args.adverse_parties);
      const parties = [];
      for (const [i, name] of names.entries()) {
        const { rows } = await db.query<{ id: string; name: string; role: string }>(
          `INSERT INTO adverse_parties (id, matter_id, name, role, sample) VALUES ($1, $2, $3, 'opposing party', $4)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name RETURNING id, name, role`,
          [stableId('adverse', ctx, i), matter!.id, name, client.sample],
        );
        parties.push(rows[0]!);
      }
      if (client.status !== 'active') {
        await db.query(`UPDATE clients SET status = 'active', updated_at = now() WHERE id = $1`, [client.id]);
      }
      return {
        matter: toMatter(matter!),
        client: { id: client.id, name: client.name, status: 'active' },
        adverse_parties: parties,
        created,
        sample_data: client.sample,
      };
    }),
  });
}

async function findMatterClient(db: Queryable, args: { client_id?: string | null; client_email?: string | null; client_name?: string | null }): Promise<Client> {
  const id = given(args.client_id);
  const email = given(args.client_email);
  const name = given(args.client_name);
  let client = await findClient(db, { id, email });
  if (!client && name) {
    const { rows } = await db.query('SELECT * FROM clients WHERE lower(name) = lower($1) ORDER BY created_at LIMIT 1', [name]);
    client = rows[0] ? toClient(rows[0]) : undefined;
  }
  if (!client) {
    throw new SapflowError('not_found', `no client ${id ?? email ?? name ?? '(none given)'}; create it with update_client_record first`);
  }
  return client;
}
