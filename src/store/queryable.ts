/**
 * The least both adapters share: PGlite and a `pg` pool both answer `query(text, params)` with `{ rows }`,
 * and both run multi-statement SQL (migrations) through `exec`.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  exec(sql: string): Promise<void>;
}
