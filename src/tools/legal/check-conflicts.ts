import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import type { LegalDeps } from './legal-deps.js';
import { given, givenNames, legalTool, optionalNames, optionalText } from './legal-tool.js';
import { nameSimilarity } from './name-similarity.js';
import { plural } from './text-summary.js';

const parameters = z.object({
  client_name: optionalText('The prospective client (person or company) to check'),
  client_email: optionalText("The prospective client's email; an exact match with a known party counts as a match"),
  company: optionalText('The company the prospective client writes for, checked like the client'),
  opposing_parties: optionalNames('The other side(s) of the new matter; a match with a current client is a conflict'),
  threshold: z.number().min(0.5).max(1).nullish().describe('Lowest name similarity (0..1) reported as a match (default 0.85)'),
});

interface PartyRow {
  id: string;
  name: string;
  email: string | null;
  role: string;
  matter_id: string;
  matter_number: string | null;
  matter_title: string;
  matter_status: 'open' | 'closed';
  client_name: string;
  sample: boolean;
}

interface ClientRow {
  id: string;
  name: string;
  email: string | null;
  status: string;
  open_matters: string[] | null;
  sample: boolean;
}

export interface ConflictMatch {
  /** The name checked. */
  name: string;
  /** The name on record it matched. */
  matched: string;
  role: 'client' | 'adverse_party';
  /** The adverse party's role in its matter ("opposing party", "opposing counsel"), or the client's status. */
  party_role: string;
  matter: { id: string; number: string | null; title: string; status: string } | null;
  score: number;
  matched_on: 'name' | 'email';
  conflict: boolean;
  needs_review: boolean;
  reason: string;
}

export function createCheckConflictsTool(deps: LegalDeps) {
  return legalTool({
    name: 'check_conflicts',
    description: "Conflict-of-interest check: fuzzy-match a prospective client (and their company and opponents) against the firm's clients and the adverse parties of its matters.",
    parameters,
    timeout: 30,
    retry_count: 1,
    async run(args, ctx) {
      const threshold = args.threshold ?? 0.85;
      const email = given(args.client_email)?.toLowerCase();
      const prospective = unique([given(args.client_name), given(args.company)]);
      const opposing = unique(givenNames(args.opposing_parties));
      if (!prospective.length && !email && !opposing.length) {
        throw new SapflowError('invalid_arguments', 'check_conflicts: give client_name, client_email or opposing_parties');
      }

      const { rows: parties } = await deps.db.query<PartyRow>(
        `SELECT a.id, a.name, a.email, a.role, a.sample, m.id AS matter_id, m.number AS matter_number, m.title AS matter_title,
                m.status AS matter_status, c.name AS client_name
         FROM adverse_parties a JOIN matters m ON m.id = a.matter_id JOIN clients c ON c.id = m.client_id`,
      );
      const { rows: clients } = await deps.db.query<ClientRow>(
        `SELECT c.id, c.name, c.email, c.status, c.sample,
                array_remove(array_agg(m.title) FILTER (WHERE m.status = 'open'), NULL) AS open_matters
         FROM clients c LEFT JOIN matters m ON m.client_id = c.id GROUP BY c.id`,
      );

      const matches: ConflictMatch[] = [];
      let existing: { id: string; name: string; score: number } | undefined;
      const noteExisting = (client: ClientRow, score: number) => {
        if (!existing || score > existing.score) existing = { id: client.id, name: client.name, score };
      };
      const total = prospective.length + opposing.length + (email ? 1 : 0);
      let done = 0;
      const tick = () => ctx.progress({ processed: ++done, total });

      for (const name of prospective) {
        for (const party of parties) {
          const score = nameSimilarity(name, party.name);
          if (score >= threshold) matches.push(adverseMatch(name, party, score, 'name'));
        }
        for (const client of clients) {
          const score = nameSimilarity(name, client.name);
          if (score < threshold) continue;
          matches.push(existingClient(name, client, score, 'name'));
          noteExisting(client, score);
        }
        tick();
      }
      if (email) {
        for (const party of parties) {
          if (party.email?.toLowerCase() === email && !matches.some((m) => m.role === 'adverse_party' && m.matched === party.name)) {
            matches.push(adverseMatch(args.client_email!.trim(), party, 1, 'email'));
          }
        }
        for (const client of clients) {
          if (client.email?.toLowerCase() !== email) continue;
          if (!matches.some((m) => m.role === 'client' && m.matched === client.name)) matches.push(existingClient(args.client_email!.trim(), client, 1, 'email'));
          noteExisting(client, 1);
        }
        tick();
      }
      for (const name of opposing) {
        for (const client of clients) {
          const score = nameSimilarity(name, client.name);
          if (score >= threshold) matches.push(opposingClient(name, client, score));
        }
        tick();
      }

      matches.sort((a, b) => Number(b.conflict) - Number(a.conflict) || Number(b.needs_review) - Number(a.needs_review) || b.score - a.score);
      const conflicts = matches.filter((m) => m.conflict);
      const checked = [...prospective, ...(email ? [email] : []), ...opposing];
      const who = given(args.client_name) ?? email ?? opposing[0]!;
      return {
        has_conflicts: conflicts.length > 0,
        needs_review: matches.some((m) => m.needs_review),
        reason: conflicts.length ? `Conflict for ${who}: ${conflicts.map((m) => m.reason).join('; ')}.` : null,
        summary: conflicts.length
          ? `${plural(conflicts.length, 'conflict')} found for ${who}.`
          : `No conflicts found for ${who} (checked ${clients.length} clients and ${parties.length} adverse parties).`,
        matches,
        existing_client: existing ? { id: existing.id, name: existing.name } : null,
        checked: { names: checked, clients: clients.length, adverse_parties: parties.length },
        threshold,
        sample_data: parties.some((p) => p.sample) || clients.some((c) => c.sample),
      };
    },
  });
}

function adverseMatch(name: string, party: PartyRow, score: number, on: 'name' | 'email'): ConflictMatch {
  const open = party.matter_status === 'open';
  const where = `${party.matter_number ? `${party.matter_number} ` : ''}${party.matter_title}`;
  const what = on === 'email' ? `the email ${name} belongs to` : `"${name}" matches`;
  return {
    name,
    matched: party.name,
    role: 'adverse_party',
    party_role: party.role,
    matter: { id: party.matter_id, number: party.matter_number, title: party.matter_title, status: party.matter_status },
    score,
    matched_on: on,
    conflict: open,
    needs_review: !open,
    reason: open
      ? `${what} ${party.name}, ${party.role} against our client ${party.client_name} in open matter ${where}`
      : `${what} ${party.name}, ${party.role} in closed matter ${where}; review for a former-client conflict`,
  };
}

function existingClient(name: string, client: ClientRow, score: number, on: 'name' | 'email'): ConflictMatch {
  return {
    name,
    matched: client.name,
    role: 'client',
    party_role: `${client.status} client`,
    matter: null,
    score,
    matched_on: on,
    conflict: false,
    needs_review: false,
    reason: `"${name}" is already a ${client.status} client of the firm (${client.name})`,
  };
}

function opposingClient(name: string, client: ClientRow, score: number): ConflictMatch {
  const current = client.status === 'active' && (client.open_matters?.length ?? 0) > 0;
  return {
    name,
    matched: client.name,
    role: 'client',
    party_role: `${client.status} client`,
    matter: null,
    score,
    matched_on: 'name',
    conflict: current,
    needs_review: !current,
    reason: current
      ? `the opposing party "${name}" matches current client "${client.name}" (open: ${client.open_matters!.join('; ')})`
      : `the opposing party "${name}" matches ${client.status} client "${client.name}"; check for a former-client conflict`,
  };
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => Boolean(v)))];
}
