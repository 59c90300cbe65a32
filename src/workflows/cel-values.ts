import { Optional } from '@marcbachmann/cel-js';

/**
 * The bridge between JS values and CEL values. CEL keeps `int` (BigInt) and `double` (number)
 * apart and refuses `double + int`, so JS integers go in as BigInt - `count + 1`, `size(x) == n`
 * and `n * 2` then behave as a JS author expects - and every BigInt comes back out as a number,
 * so a tool asking for `max_results` receives `20`, never `20n`.
 */
export function toCelValue(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      // beyond 2^53 a JS number no longer names one integer; leave it a double
      return Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? BigInt(value) : value;
    case 'object':
      if (value === null || value instanceof Date || value instanceof Uint8Array) return value;
      if (Array.isArray(value)) return value.map(toCelValue);
      if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, toCelValue(v)]));
      return mapEntries(value as Record<string, unknown>, toCelValue);
    default:
      return value;
  }
}

export function fromCelValue(value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      return Number(value);
    case 'object':
      if (value === null || value instanceof Date || value instanceof Uint8Array) return value;
      if (Array.isArray(value)) return value.map(fromCelValue);
      if (value instanceof Map) {
        return mapEntries(Object.fromEntries([...value].map(([k, v]) => [String(k), v])), fromCelValue);
      }
      if (isPlainObject(value)) return mapEntries(value as Record<string, unknown>, fromCelValue);
      // `x.?y` without `.orValue(...)`: an absent value is null, as it would be in JSON
      if (value instanceof Optional) return value.hasValue() ? fromCelValue(value.value()) : null;
      // CEL's uint wraps a BigInt
      if (typeof value.valueOf() === 'bigint') return Number(value.valueOf());
      // other CEL-only values (types, durations) have no JSON form; their text is the most useful thing to pass on
      return String(value);
    default:
      return value;
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Own enumerable keys only, as JSON would see them; functions, symbols and `undefined` are dropped. */
function mapEntries(source: Record<string, unknown>, convert: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const v = source[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    // a plain assignment to `__proto__` would replace the prototype instead of adding a key
    if (key === '__proto__') Object.defineProperty(out, key, { value: convert(v), enumerable: true, writable: true, configurable: true });
    else out[key] = convert(v);
  }
  return out;
}
