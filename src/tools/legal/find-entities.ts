import { findDateMentions } from './date-mentions.js';
import { properName } from './intake-fields.js';

export const ENTITY_TYPES = [
  'person', 'organization', 'date', 'money', 'percentage', 'duration', 'jurisdiction', 'case_number', 'email', 'phone', 'defined_term',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export interface Entity {
  type: EntityType;
  text: string;
  /** A canonical form where there is one: YYYY-MM-DD for dates, a number for money and percentages. */
  normalized: string | null;
  count: number;
}

const ORG_SUFFIX = '(?:Inc|LLC|L\\.L\\.C|Ltd|Limited|Corp|Corporation|LLP|LP|PC|plc|GmbH|Company|Co|Group|Trust|Bank|University|Court)\\.?';
const ORGANIZATION = new RegExp(`\\b((?:[A-Z][\\w'&-]*\\s+){1,5}${ORG_SUFFIX})(?![\\w])`, 'g');
const PERSON_CUES = [
  /\b(?:Mr|Mrs|Ms|Dr|Judge|Justice|Hon)\.?\s+((?:[A-Z][a-z'-]+\s?){1,3})/g,
  /\b(?:By|Signed|Attn|Attention|Name):\s*((?:Dr\.\s+)?[A-Z][a-z'-]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z'-]+)/g,
  /\b([A-Z][a-z'-]+\s+[A-Z][a-z'-]+),\s+(?:Chief|CEO|CFO|COO|General Counsel|Managing|Director|President|Partner|for)\b/g,
  /\b(?:[Mm]y name is|I am)\s+([A-Z][a-z'-]+\s+[A-Z][a-z'-]+)/g,
];
const MONEY = /(?:\$|USD\s?|US\$)\s?\d[\d,]*(?:\.\d{1,2})?(?:\s?(?:million|billion|thousand|[MmKk]\b))?/g;
const PERCENT = /\b\d+(?:\.\d+)?\s?%/g;
const NUMBER_WORD = '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)';
const DURATION = new RegExp(
  `\\b(?:${NUMBER_WORD}(?:[ -]|\\s+and\\s+)?)*\\((\\d+)\\)\\s+(years?|months?|weeks?|days?|business days?)\\b|\\b(\\d+)\\s+(years?|months?|weeks?|days?|business days?)\\b`,
  'gi',
);
const JURISDICTION =
  /\b(?:laws of (?:the State of )?|registered in |courts of (?:the State of )?)([A-Z][a-z]+(?: [A-Z][a-z]+)?)|\ban? ([A-Z][a-z]+(?: [A-Z][a-z]+)?) (?:corporation|limited liability company|company|partnership)\b/g;
const CASE_NUMBER = /\b(?:Case|Docket|Civil Action)\s+No\.?\s*([\w:.-]*\d[\w:.-]*)|\b(\d{2}-[A-Z]{2,3}-\d{3,6})\b/g;
const EMAIL = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;
const PHONE = /(?<![\w-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]\d{3,4}(?:[ .-]\d{4})?\b/g;
const DEFINED = /\(\s*(?:the\s+)?["“]([^"”]{2,40})["”]\s*\)/g;

// capitalised words that begin sentences or clauses, not names
const NOT_ENTITIES = new Set(['This', 'The', 'Each', 'In', 'All', 'For', 'Notices', 'Service']);

/** Entities by pattern: good on contracts and letters, where names come with legal forms, titles and labels. */
export function findEntities(text: string, reference: Date): Entity[] {
  const found = new Map<string, Entity>();
  const add = (type: EntityType, raw: string, normalized: string | null = null) => {
    const entityText = raw.replace(/\s+/g, ' ').trim().replace(/[,;:]$/, '');
    if (!entityText || ((type === 'person' || type === 'organization') && NOT_ENTITIES.has(entityText))) return;
    const key = `${type}:${entityText.toLowerCase()}`;
    const entity = found.get(key);
    if (entity) entity.count++;
    else found.set(key, { type, text: entityText, normalized, count: 1 });
  };

  for (const m of text.matchAll(ORGANIZATION)) {
    const name = m[1]!.replace(/^(?:The|This|and|between|by)\s+/, '');
    if (!/^(?:In|By|For)\s/.test(name)) add('organization', name);
  }
  for (const pattern of PERSON_CUES) for (const m of text.matchAll(pattern)) add('person', properName(m[1]!));
  for (const d of findDateMentions(text, reference)) if (!d.relative) add('date', d.text, d.date);
  for (const m of text.matchAll(MONEY)) add('money', m[0], toAmount(m[0]));
  for (const m of text.matchAll(PERCENT)) add('percentage', m[0], m[0].replace(/[\s%]/g, ''));
  for (const m of text.matchAll(DURATION)) {
    const n = m[1] ?? m[3];
    const unit = (m[2] ?? m[4])!.toLowerCase();
    add('duration', m[0], `${n} ${unit.replace(/s$/, '')}${n === '1' ? '' : 's'}`);
  }
  for (const m of text.matchAll(JURISDICTION)) add('jurisdiction', (m[1] ?? m[2])!);
  for (const m of text.matchAll(CASE_NUMBER)) add('case_number', (m[1] ?? m[2])!);
  for (const m of text.matchAll(EMAIL)) add('email', m[0].toLowerCase());
  for (const m of text.matchAll(PHONE)) add('phone', m[0]);
  for (const m of text.matchAll(DEFINED)) add('defined_term', m[1]!);

  return [...found.values()];
}

function toAmount(money: string): string | null {
  const number = Number(money.replace(/[^\d.]/g, ''));
  if (!Number.isFinite(number)) return null;
  const scale = /million|M\b/.test(money) ? 1e6 : /billion/.test(money) ? 1e9 : /thousand|K\b/i.test(money) ? 1e3 : 1;
  return String(number * scale);
}
