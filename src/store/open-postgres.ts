import pg from 'pg';
import type { Database } from './database.js';
import type { Queryable } from './queryable.js';

export interface PostgresOptions {
  /** Pool size; Supabase's pooler counts these against the project's limit. */
  max?: number;
  /** Told about errors on idle pooled connections (a restarted server), which would otherwise crash the process. */
  onIdleError?: (error: Error) => void;
}

/** Postgres or Supabase through a `pg` pool. `exec` sends multi-statement text in one simple query. */
export function openPostgres(databaseUrl: string, options: PostgresOptions = {}): Database {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  pool.on('error', options.onIdleError ?? (() => {}));

  const onClient = (client: pg.PoolClient): Queryable => ({
    async query<Row>(text: string, params?: unknown[]) {
      const { rows } = await client.query(text, params);
      return { rows: rows as Row[] };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  });

  return {
    kind: 'postgres',
    async query<Row>(text: string, params?: unknown[]) {
      const { rows } = await pool.query(text, params);
      return { rows: rows as Row[] };
    },
    async exec(sql) {
      const client = await pool.connect();
      try {
        await client.query(sql);
        client.release();
      } catch (error) {
        // a script that failed inside its own BEGIN leaves the session aborted: discard it, not back to the pool
        client.release(true);
        throw error;
      }
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(onClient(client));
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        await client.query('ROLLBACK').then(
          () => client.release(),
          () => client.release(true),
        );
        throw error;
      }
    },
    close: () => pool.end(),
  };
}
