/** Messages between `openPgliteThread` (main thread) and `pglite-thread.ts` (its worker). */
export type PgliteRequest =
  | { id: number; op: 'open' }
  | { id: number; op: 'query'; text: string; params?: unknown[]; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  /** Opens a transaction whose id is this request's id. */
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

export interface PgliteFailure {
  message: string;
  name: string;
  code?: string;
  detail?: string;
}

export type PgliteReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: PgliteFailure };
