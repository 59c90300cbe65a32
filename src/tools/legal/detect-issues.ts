import { z } from 'zod';
import { documentSelection, resolveDocumentText } from './document-input.js';
import { extractOrRules } from './extract-or-rules.js';
import { findContractIssues } from './find-contract-issues.js';
import type { LegalDeps } from './legal-deps.js';
import { legalTool, optionalText } from './legal-tool.js';
import { SEVERITIES, mostSevereFirst } from './severity.js';

const parameters = z.object({
  ...documentSelection,
  perspective: optionalText('Whose interests to review for, e.g. "the Customer" or "our client Northwind" (default: our client)'),
});

const modelAnswer = z.object({
  issues: z.array(
    z.object({
      type: z.string().describe('snake_case, e.g. unlimited_liability, auto_renewal, missing_governing_law'),
      severity: z.enum(SEVERITIES),
      title: z.string(),
      excerpt: z.string().nullable().describe('The clause, quoted; null for a missing clause'),
      recommendation: z.string().describe('What to ask for instead, in one sentence'),
    }),
  ),
});

export function createDetectIssuesTool(deps: LegalDeps) {
  return legalTool({
    name: 'detect_issues',
    description: 'Review a contract or legal document for risks: one-sided or unusual clauses and missing standard clauses, each with severity, the clause and a recommendation.',
    parameters,
    timeout: 90,
    retry_count: 1,
    async run(args, ctx) {
      const { text, document } = await resolveDocumentText(deps, args, 'detect_issues');
      ctx.progress({ characters: text.length });
      const perspective = args.perspective?.trim() || 'our client';
      const { method, value, fallback_reason } = await extractOrRules(deps, ctx, {
        schema: modelAnswer,
        instructions: `You review legal documents for a law firm, on behalf of ${perspective}. List the issues a careful
lawyer would raise: one-sided, unusual or risky clauses, and standard clauses that are missing (governing law,
dispute resolution, limitation of liability...). Quote the clause. Rate severity: high for exposure to large or
unlimited loss or loss of rights, medium for terms to negotiate, low for drafting points.`,
        input: text,
        rules: () => ({ issues: findContractIssues(text) }),
      });
      const issues = [...value.issues].sort((a, b) => mostSevereFirst(a.severity, b.severity));
      const counts = { high: 0, medium: 0, low: 0 };
      for (const issue of issues) counts[issue.severity]++;
      return {
        method,
        ...(fallback_reason ? { fallback_reason } : {}),
        issues,
        count: issues.length,
        counts,
        risk_level: counts.high ? 'high' : counts.medium ? 'medium' : counts.low ? 'low' : 'none',
        has_high_risk: counts.high > 0,
        document,
        sample_data: document?.sample ?? false,
      };
    },
  });
}
