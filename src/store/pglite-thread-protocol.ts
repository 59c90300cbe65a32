/** Messages between `openPgliteThread` (main thread) and `pglite-thread.ts` (the store thread). */
export type PgliteRequest =
  /** Opens a store whose handle is this request's id. */
  | { id: number; op: 'open'; dataDir: string }
  | { id: number; op: 'query'; db: number; text: string; params?: unknown[]; tx?: number }
  | { id: number; op: 'exec'; db: number; sql: string; tx?: number }
  /** Opens a transaction whose id is this request's id. */
  | { id: number; op: 'begin'; db: number }
  | { id: number; op: 'end'; db: number; tx: number; commit: boolean }
  | { id: number; op: 'close'; db: number };

export interface PgliteFailure {
  message: string;
  name: string;
  code?: string;
  detail?: string;
}

export type PgliteReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: PgliteFailure };
