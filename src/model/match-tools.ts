import type { ModelTool } from '../protocol/index.js';

/** Words that say nothing about which tool is wanted. */
const STOP_WORDS = new Set(
  (
    'a about after all also am an and any are as at be been but by can could do does done for from get give had has ' +
    'have help her his how i if in into is it its just know let like me my need no not now of on or our out over ' +
    'please plus show so some than that the their them then there these they this those to up us want was we what ' +
    'when where which who why will with would you your tell'
  ).split(' '),
);

export interface ToolPick {
  tool: ModelTool;
  /** The part of the request that named this tool; its arguments are read from it first. */
  clause: string;
}

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

/** Naive English stemming, enough to make "emails" meet `triage_emails` and "scanning" meet `scan`. */
function stem(word: string): string {
  let w = word.toLowerCase();
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && /(ss|x|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  if (w.length > 3 && /([b-df-hj-np-tv-z])\1$/.test(w) && !/(ss|ll)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** Meaningful word stems of a text or an identifier (`scan_billable_time`, `scanBillableTime`). */
export function keywords(text: string): Set<string> {
  const words = text
    .replace(EMAIL, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1 && !STOP_WORDS.has(w));
  return new Set(words.map(stem));
}

/** "Triage my emails AND scan my billable time, then ..." -> one clause per request. Emails keep their dots. */
function splitClauses(text: string): string[] {
  return text
    .split(/\s*(?:\band\b|\bthen\b|\balso\b|\bplus\b|[,;&+\n]|[.!?](?=\s|$))\s*/i)
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

/**
 * The offline demo model's tool choice: per clause of the request, the tool whose name (weight 3) and description
 * (weight 1) share the most words with it, plus any other tool the clause names in full. Deterministic.
 */
export function matchTools(request: string, tools: readonly ModelTool[]): ToolPick[] {
  const indexed = tools.map((tool, order) => {
    const name = keywords(tool.name);
    const description = new Set([...keywords(tool.description)].filter((w) => !name.has(w)));
    return { tool, order, name, description };
  });
  const picks: ToolPick[] = [];
  const picked = new Set<string>();

  for (const clause of splitClauses(request)) {
    const words = keywords(clause);
    const scored = indexed
      .map((entry) => {
        const nameHits = [...entry.name].filter((w) => words.has(w)).length;
        const descriptionHits = [...entry.description].filter((w) => words.has(w)).length;
        return { ...entry, nameHits, score: 3 * nameHits + descriptionHits, coverage: entry.name.size ? nameHits / entry.name.size : 0 };
      })
      .filter((s) => s.nameHits > 0 || s.score >= 2)
      .sort((a, b) => b.score - a.score || b.coverage - a.coverage || a.order - b.order);
    const best = scored[0];
    if (!best) continue;
    const chosen = [best, ...scored.slice(1).filter((s) => s.coverage === 1 && !isSubset(s.name, best.name))];
    for (const choice of chosen) {
      if (picked.has(choice.tool.name)) continue;
      picked.add(choice.tool.name);
      picks.push({ tool: choice.tool, clause });
    }
  }
  return picks;
}

function isSubset(a: Set<string>, b: Set<string>): boolean {
  return [...a].every((w) => b.has(w));
}
