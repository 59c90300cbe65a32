import { z } from 'zod';
import { findDateMentions } from './date-mentions.js';
import { documentSelection, resolveDocumentText } from './document-input.js';
import { findEntities } from './find-entities.js';
import type { LegalDeps } from './legal-deps.js';
import { legalTool } from './legal-tool.js';

const parameters = z.object(documentSelection);

const CLAUSES: [string, RegExp][] = [
  ['parties', /\bby and between\b|\bbetween\b[^.]*\band\b/i],
  ['term', /\b(term|duration)\b/i],
  ['payment', /\b(fees?|payment|rent|price)\b/i],
  ['termination', /\bterminat/i],
  ['confidentiality', /\bconfidential/i],
  ['intellectual property', /\bintellectual property|\bowned\b|\blicen[cs]e\b/i],
  ['indemnification', /\bindemnif/i],
  ['limitation of liability', /\blimitation of liability|\bliability\b[^.]*\bexceed/i],
  ['governing law', /\bgoverned by|\bgoverning law/i],
  ['dispute resolution', /\barbitration|\bdispute resolution|\bjurisdiction of the courts|\bcourts of\b/i],
  ['assignment', /\bassign/i],
  ['notices', /\bnotices?\b/i],
  ['force majeure', /\bforce majeure\b/i],
  ['entire agreement', /\bentire agreement\b/i],
  ['signatures', /\bin witness whereof|\bsigned\b|\bby:\s/i],
];

const TYPES: [string, RegExp][] = [
  ['services agreement', /\b(master )?services agreement\b/i],
  ['lease', /\blease\b/i],
  ['employment agreement', /\bemployment (agreement|contract)\b/i],
  ['non-disclosure agreement', /\bnon-disclosure|\bconfidentiality agreement\b/i],
  ['retainer letter', /\bengagement of\b|\bretainer\b/i],
  ['court filing', /\bcase no\.|\bplaintiff\b|\bdefendant\b/i],
  ['letter', /^dear\b/im],
  ['agreement', /\bagreement\b/i],
];

/** The structure of a document: no language model needed, so this tool always uses rules. */
export function createAnalyzeDocumentTool(deps: LegalDeps) {
  return legalTool({
    name: 'analyze_document',
    description: 'Analyse the structure of a document: its type, parties, dates, numbered sections, which standard clauses it has and lacks, and whether it is signed.',
    parameters,
    timeout: 30,
    retry_count: 1,
    async run(args, ctx) {
      const { text, document } = await resolveDocumentText(deps, args, 'analyze_document');
      ctx.progress({ characters: text.length });
      const sections = [...text.matchAll(/^\s*(\d+(?:\.\d+)*)\.?\s+([A-Z][A-Z &,'-]{2,}|[A-Z][^\n]{0,60}?)(?:\.|$)/gm)]
        .filter((m) => !m[1]!.includes('.'))
        .map((m) => ({ number: m[1]!, heading: m[2]!.trim() }));
      // the parties are the first organisations named after "between"
      const at = text.search(/\bbetween\b/i);
      const parties = at < 0 ? [] : findEntities(text.slice(at, at + 400), deps.now()).filter((e) => e.type === 'organization').slice(0, 2).map((e) => e.text);
      const present = CLAUSES.filter(([, p]) => p.test(text)).map(([name]) => name);
      const missing = CLAUSES.filter(([, p]) => !p.test(text)).map(([name]) => name);
      const blanks = (text.match(/_{4,}/g) ?? []).length;
      const words = text.split(/\s+/).filter(Boolean).length;
      const dates = findDateMentions(text, deps.now()).filter((d) => !d.relative);
      return {
        method: 'rules' as const,
        title: document?.title ?? text.split('\n').find((l) => l.trim())?.trim() ?? null,
        document_type: TYPES.find(([, p]) => p.test(text))?.[0] ?? 'document',
        parties,
        dates: dates.map((d) => ({ date: d.date, text: d.text })),
        word_count: words,
        reading_minutes: Math.max(1, Math.round(words / 230)),
        sections,
        clauses: { present, missing },
        signature: { blanks, signed: blanks === 0 && /\bsigned\b|\bby:\s/i.test(text) },
        document,
        sample_data: document?.sample ?? false,
      };
    },
  });
}
