import { z } from 'zod';
import { describeResults } from './describe-results.js';
import { documentSelection, resolveDocumentText } from './document-input.js';
import { extractOrRules } from './extract-or-rules.js';
import type { LegalDeps } from './legal-deps.js';
import { given, legalTool, optionalText } from './legal-tool.js';
import { hasSampleData } from './sample-flag.js';
import { summarizeText } from './text-summary.js';

const parameters = z.object({
  ...documentSelection,
  data: z.unknown().optional().describe('Results of other steps to summarise together, e.g. { triage: ..., deadlines: ... }'),
  title: optionalText('A title for the summary'),
  max_sentences: z.number().int().min(1).max(20).nullish().describe('How long the summary of a text may be (default 4)'),
});

const modelAnswer = z.object({
  title: z.string(),
  summary: z.string().describe('A short paragraph for a busy lawyer'),
  highlights: z.array(z.string()).describe('At most 6 points that need action, most urgent first'),
});

export function createGenerateSummaryTool(deps: LegalDeps) {
  return legalTool({
    name: 'generate_summary',
    description: 'Summarise a document, a text, or the results of other steps (triage, deadlines, issues, billing...) into a title, a paragraph and action highlights.',
    parameters,
    timeout: 60,
    retry_count: 1,
    async run(args, ctx) {
      const hasData = args.data !== undefined && args.data !== null;
      const source = given(args.document_id) || given(args.text) || !hasData ? await resolveDocumentText(deps, args, 'generate_summary') : undefined;
      const maxSentences = args.max_sentences ?? 4;
      const title = given(args.title) ?? source?.document?.title ?? 'Summary';
      const input = [source?.text, hasData ? JSON.stringify(args.data, null, 1) : undefined].filter(Boolean).join('\n\n');
      ctx.progress({ characters: input.length });

      const { method, value, fallback_reason } = await extractOrRules(deps, ctx, {
        schema: modelAnswer,
        instructions: `Summarise for a lawyer at a law firm${given(args.title) ? `, under the title "${args.title}"` : ''}. The input is a
document or the JSON results of automated steps (email triage, deadlines, contract issues, billing). Say what
matters and what needs action, most urgent first. Use only facts in the input.`,
        input,
        rules: () => {
          const described = hasData ? describeResults(args.data) : { lines: [], highlights: [] };
          const lines = [source ? summarizeText(source.text, maxSentences) : '', ...described.lines].filter(Boolean);
          return { title, summary: lines.join(' ') || 'Nothing to summarise.', highlights: described.highlights };
        },
      });
      const highlights = value.highlights.slice(0, 10);
      return {
        method,
        ...(fallback_reason ? { fallback_reason } : {}),
        title: value.title || title,
        summary: value.summary,
        highlights,
        // ready to paste into an email body
        text: [value.title || title, '', value.summary, ...(highlights.length ? ['', ...highlights.map((h) => `- ${h}`)] : [])].join('\n'),
        document: source?.document ?? null,
        sample_data: (source?.document?.sample ?? false) || hasSampleData(args.data),
      };
    },
  });
}
