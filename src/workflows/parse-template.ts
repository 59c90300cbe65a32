import { boundedCache } from './bounded-cache.js';
import { badExpression } from './bad-expression.js';
import { compileExpression, type CompiledExpression } from './compile-expression.js';

/**
 * A parameter string, split into literal text and `${...}` expressions. `whole` is set when the
 * string is exactly one `${expr}`, whose value then keeps its type. `$${` writes a literal `${`.
 */
export interface Template {
  parts: ReadonlyArray<string | CompiledExpression>;
  whole?: CompiledExpression;
}

const cache = boundedCache<Template>();
const LITERAL_ONLY: Template = { parts: [] };

/** Parses (and caches) a template; a malformed `${...}` throws `bad_expression`. */
export function parseTemplate(text: string): Template {
  if (!text.includes('${')) return text === '' ? LITERAL_ONLY : { parts: [text] };
  const hit = cache.get(text);
  if (hit) return hit;
  const parts: Array<string | CompiledExpression> = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = findClosingBrace(text, i + 2);
      if (end < 0) throw badExpression(text, 'unterminated "${" (no matching "}")');
      if (literal) parts.push(literal);
      literal = '';
      parts.push(compileExpression(text.slice(i + 2, end)));
      i = end + 1;
    } else {
      literal += text[i];
      i += 1;
    }
  }
  if (literal) parts.push(literal);
  const only = parts.length === 1 ? parts[0] : undefined;
  const template: Template = typeof only === 'object' ? { parts, whole: only } : { parts };
  cache.set(text, template);
  return template;
}

/** Index of the `}` closing an expression that starts at `from`, skipping braces inside CEL strings and maps. */
function findClosingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") {
      i = skipString(text, i);
      if (i < 0) return -1;
    } else if (ch === '{') depth += 1;
    else if (ch === '}') {
      if (depth === 0) return i;
      depth -= 1;
    }
  }
  return -1;
}

/** Index of the last character of the string literal opening at `start` (or -1 if unterminated). */
function skipString(text: string, start: number): number {
  const quote = text[start]!;
  const delimiter = text.startsWith(quote.repeat(3), start) ? quote.repeat(3) : quote;
  // in a raw string (r"...", br"...") a backslash is just a character
  const prefix = /[A-Za-z0-9_]*$/.exec(text.slice(0, start))![0].toLowerCase();
  const raw = prefix === 'r' || prefix === 'br' || prefix === 'rb';
  for (let i = start + delimiter.length; i < text.length; i++) {
    if (!raw && text[i] === '\\') i += 1;
    else if (text.startsWith(delimiter, i)) return i + delimiter.length - 1;
  }
  return -1;
}
