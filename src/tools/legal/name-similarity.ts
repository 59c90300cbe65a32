/**
 * Fuzzy matching of person and company names for conflict checks: normalised tokens compared with
 * Jaro-Winkler, so "Dan Whitaker" finds "Daniel Whitaker" and "Brightwater Foods, Inc." finds "Brightwater Foods".
 */

// legal forms and filler words say nothing about who a party is
const NOISE = new Set([
  'inc', 'incorporated', 'llc', 'llp', 'lp', 'ltd', 'limited', 'corp', 'corporation', 'co', 'company', 'plc', 'pc',
  'gmbh', 'ag', 'sa', 'the', 'and', 'of', 'group', 'mr', 'mrs', 'ms', 'dr', 'jr', 'sr', 'esq',
]);

export function nameTokens(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9\s]/g, ' ')
    .split(/\s+/)
    .filter((token) => token && !NOISE.has(token));
}

function jaro(a: string, b: string): number {
  if (a === b) return 1;
  if (!a.length || !b.length) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aHits = new Array<boolean>(a.length).fill(false);
  const bHits = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = Math.max(0, i - window); j < Math.min(b.length, i + window + 1); j++) {
      if (bHits[j] || a[i] !== b[j]) continue;
      aHits[i] = bHits[j] = true;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  for (let i = 0, j = 0; i < a.length; i++) {
    if (!aHits[i]) continue;
    while (!bHits[j]) j++;
    if (a[i] !== b[j]) transpositions++;
    j++;
  }
  return (matches / a.length + matches / b.length + (matches - transpositions / 2) / matches) / 3;
}

export function jaroWinkler(a: string, b: string, prefixScale = 0.1): number {
  const j = jaro(a, b);
  let prefix = 0;
  while (prefix < Math.min(4, a.length, b.length) && a[prefix] === b[prefix]) prefix++;
  return j + prefix * prefixScale * (1 - j);
}

/**
 * 0..1. Each token is paired with its best counterpart on the other side (soft token-set), so word order and
 * legal forms do not matter. A shorter name wholly contained in a longer one ("Brightwater" in "Brightwater Foods")
 * scores a little below an exact match, never above it.
 */
export function nameSimilarity(a: string, b: string): number {
  const left = nameTokens(a);
  const right = nameTokens(b);
  if (!left.length || !right.length) return 0;
  if (left.join(' ') === right.join(' ')) return 1;
  const best = (token: string, others: string[]) => Math.max(...others.map((other) => jaroWinkler(token, other)));
  const leftBest = left.map((t) => best(t, right));
  const rightBest = right.map((t) => best(t, left));
  const sum = (xs: number[]) => xs.reduce((acc, x) => acc + x, 0);
  const symmetric = (sum(leftBest) + sum(rightBest)) / (left.length + right.length);

  const [shorter, shorterBest] = left.length <= right.length ? [left, leftBest] : [right, rightBest];
  // a lone first name ("John") would otherwise contain-match half the address book
  const distinctive = shorter.length >= 2 || (shorter[0]!.length >= 6 && left.length !== right.length);
  const contained = distinctive && shorterBest.every((score) => score >= 0.93) ? 0.9 * (sum(shorterBest) / shorter.length) : 0;
  return round(Math.max(symmetric, contained));
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}
