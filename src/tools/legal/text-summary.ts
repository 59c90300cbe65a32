/** Plain-text helpers for the rule-based methods: sentences, and extractive summaries. */

const GREETING = /^(hi|hello|hey|dear|good (morning|afternoon|evening))\b[^.!?\n]*[,!:]?$/i;
const SIGN_OFF = /^(thanks|thank you|best|best regards|regards|kind regards|sincerely|cheers)\b[^.!?\n]*,?$/i;

/** Sentences of a text, without greeting and sign-off lines; headings and list lines count as sentences. */
export function splitSentences(text: string): string[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const body: string[] = [];
  for (const line of lines) {
    if (GREETING.test(line)) continue;
    // everything after the sign-off is the signature
    if (SIGN_OFF.test(line)) break;
    body.push(line);
  }
  return body
    .join('\n')
    .split(/(?<=[.!?])\s+(?=[A-Z0-9"(])|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 1);
}

const STOP_WORDS = new Set(
  'a an and are as at be been but by can could do does for from had has have i if in into is it its me my not of on or our please shall should so that the their them then there these they this to us was we were what when which will with would you your'.split(' '),
);

export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z][a-z'-]+/g)?.filter((w) => !STOP_WORDS.has(w)) ?? [];
}

/** The `max` most representative sentences (by frequency of their content words), in their original order. */
export function summarizeText(text: string, max = 3): string {
  const sentences = splitSentences(text);
  if (sentences.length <= max) return sentences.join(' ');
  const frequency = new Map<string, number>();
  for (const w of words(text)) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  const scored = sentences.map((sentence, index) => {
    const ws = words(sentence);
    const score = ws.reduce((sum, w) => sum + (frequency.get(w) ?? 0), 0) / Math.sqrt(ws.length || 1);
    // the opening sentence usually says what the text is about, unless it only introduces the writer
    const intro = ws.length < 4 || /^(my name is|this is|i am writing)\b/i.test(sentence);
    return { sentence, index, score: intro ? score * 0.3 : index === 0 ? score * 1.5 : score };
  });
  return scored
    .sort((a, b) => b.score - a.score)
    .slice(0, max)
    .sort((a, b) => a.index - b.index)
    .map((s) => s.sentence)
    .join(' ');
}

export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

/** `1 email`, `3 emails`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
