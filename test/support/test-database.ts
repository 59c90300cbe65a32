import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The Postgres the store suite also runs against, when set (CI: postgres://postgres@127.0.0.1:5432/test). */
export const DATABASE_URL = process.env.DATABASE_URL || undefined;

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on the server behind `baseUrl` (CREATE DATABASE sapflow_test_<random>), so test files
 * running in parallel never share tables. `drop()` removes it, disconnecting anyone still attached.
 */
export async function createTestDatabase(baseUrl = DATABASE_URL): Promise<TestDatabase> {
  if (!baseUrl) throw new Error('createTestDatabase needs DATABASE_URL');
  const name = `sapflow_test_${randomBytes(6).toString('hex')}`;
  await onServer(baseUrl, `CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => onServer(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Runs one statement on the server's maintenance connection (`baseUrl`'s own database). */
export async function onServer(baseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A connection string for `baseUrl`'s server and database as another role (trust or password auth). */
export function urlAsRole(databaseUrl: string, role: string, password?: string): string {
  const url = new URL(databaseUrl);
  url.username = role;
  url.password = password ?? '';
  return url.toString();
}
