/** Whether a value (a tool result, rows, arguments built from other results) carries any sample-data row. */
export function hasSampleData(value: unknown, depth = 0): boolean {
  if (depth > 8 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((item) => hasSampleData(item, depth + 1));
  const record = value as Record<string, unknown>;
  if (record.sample === true || record.sample_data === true) return true;
  return Object.values(record).some((item) => hasSampleData(item, depth + 1));
}
