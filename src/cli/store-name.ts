import type { Config } from '../config.js';

/** Which store a command wrote to, without the connection string's password. */
export function storeName(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): string {
  if (!config.DATABASE_URL) return `the embedded store (${config.DATA_DIR})`;
  try {
    const url = new URL(config.DATABASE_URL);
    return `Postgres ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'Postgres (DATABASE_URL)';
  }
}
