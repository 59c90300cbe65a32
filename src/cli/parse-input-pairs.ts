import { SapflowError } from '../errors/index.js';

/**
 * `--input name=value` flags as raw strings by name; `resolveInputs(..., { coerceStrings: true })` then turns each
 * into its declared type. The value is everything after the first `=`, so values may contain `=`.
 */
export function parseInputPairs(pairs: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      throw new SapflowError('invalid_input', `--input expects name=value, got ${JSON.stringify(pair)}`, { details: { path: 'inputs' } });
    }
    inputs[pair.slice(0, at).trim()] = pair.slice(at + 1);
  }
  return inputs;
}
