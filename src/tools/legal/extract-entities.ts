import { z } from 'zod';
import { documentSelection, resolveDocumentText } from './document-input.js';
import { extractOrRules } from './extract-or-rules.js';
import { ENTITY_TYPES, findEntities, type Entity } from './find-entities.js';
import type { LegalDeps } from './legal-deps.js';
import { legalTool } from './legal-tool.js';

const parameters = z.object({
  ...documentSelection,
  types: z.array(z.enum(ENTITY_TYPES)).nullish().describe('Only these entity types (default all)'),
});

const modelAnswer = z.object({
  entities: z.array(
    z.object({
      type: z.enum(ENTITY_TYPES),
      text: z.string().describe('As written in the text'),
      normalized: z.string().nullable().describe('YYYY-MM-DD for dates, a plain number for money and percentages, else null'),
    }),
  ),
});

const INSTRUCTIONS = `Extract the named entities of this legal text: people, organizations (parties, courts, firms),
dates, money amounts, percentages, durations, jurisdictions, case numbers, emails, phones and defined terms
("the Agreement"). List each distinct entity once, exactly as written.`;

export function createExtractEntitiesTool(deps: LegalDeps) {
  return legalTool({
    name: 'extract_entities',
    description: 'Extract entities from a document or text: people, organizations, dates, amounts, percentages, durations, jurisdictions, case numbers, contact details and defined terms.',
    parameters,
    timeout: 60,
    retry_count: 1,
    async run(args, ctx) {
      const { text, document } = await resolveDocumentText(deps, args, 'extract_entities');
      ctx.progress({ characters: text.length });
      const { method, value, fallback_reason } = await extractOrRules(deps, ctx, {
        schema: modelAnswer,
        instructions: INSTRUCTIONS,
        input: text,
        rules: () => ({ entities: findEntities(text, deps.now()).map(({ type, text: t, normalized }) => ({ type, text: t, normalized })) }),
      });
      const wanted = args.types?.length ? new Set(args.types) : undefined;
      const entities: Entity[] = [];
      const seen = new Set<string>();
      for (const e of value.entities) {
        const key = `${e.type}:${e.text.toLowerCase()}`;
        if ((wanted && !wanted.has(e.type)) || seen.has(key)) continue;
        seen.add(key);
        entities.push({ ...e, count: occurrences(text, e.text) });
      }
      const by_type: Partial<Record<(typeof ENTITY_TYPES)[number], string[]>> = {};
      for (const e of entities) (by_type[e.type] ??= []).push(e.text);
      return {
        method,
        ...(fallback_reason ? { fallback_reason } : {}),
        entities,
        by_type,
        count: entities.length,
        document,
        sample_data: document?.sample ?? false,
      };
    },
  });
}

function occurrences(text: string, needle: string): number {
  if (!needle) return 0;
  let count = 0;
  const haystack = text.toLowerCase();
  const target = needle.toLowerCase();
  for (let at = haystack.indexOf(target); at !== -1; at = haystack.indexOf(target, at + target.length)) count++;
  return Math.max(count, 1);
}
