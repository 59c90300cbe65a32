/**
 * A Map that forgets its oldest entry once full: definitions are few but runs are many, so parsed expressions are
 * kept, yet a stream of one-off inline definitions cannot grow memory without end.
 */
export function boundedCache<V>(max = 50_000) {
  const entries = new Map<string, V>();
  return {
    get: (key: string) => entries.get(key),
    set(key: string, value: V): void {
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(key, value);
    },
  };
}
