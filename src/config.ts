import { z } from 'zod';
import { SapflowError } from './errors/index.js';

const optional = z.string().trim().min(1).optional().catch(undefined);
const optionalUrl = z.string().url().optional().or(z.literal('').transform(() => undefined));
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** Names, comma-separated (tool lists); none when unset. */
const nameList = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((name) => name.trim()).filter((name) => name.length > 0));
const flag = (fallback: boolean) =>
  z.enum(['true', 'false', '1', '0', '']).optional().transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1'));

/** The environment, parsed once. Meanings are in the issues and README; an invalid value stops start-up. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  OPENAI_API_KEY: optional,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().default('gpt-4o'),
  MAX_STEPS: positiveInt(5),
  DATABASE_URL: optional,
  DATA_DIR: z.string().default('.sapflow'),
  TOOLS_CONFIG: optional,
  WORKFLOWS_DIR: optional,
  WORKFLOW_MAX_PARALLEL_TASKS: positiveInt(5),
  WORKFLOW_DEFAULT_TIMEOUT: z.coerce.number().positive().default(30),
  AUTH_JWT_SECRET: optional,
  AUTH_JWKS_URL: optionalUrl,
  AUTH_ISSUER: optional,
  AUTH_AUDIENCE: optional,
  SMTP_URL: optional,
  SAPFLOW_SEED_SAMPLE_DATA: z.enum(['true', 'false', '1', '0', '']).optional().transform((v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1')),
  BODY_LIMIT: z.string().default('1mb'),
  /** ms a run's lease lasts unless its process renews it (every third of it); an orphan is resumed after this. */
  RUN_LEASE_MS: z.coerce.number().int().min(100).max(600_000).default(6_000),
  /** Resumes of one run before it is failed with resume_failed. */
  RUN_MAX_RESUMES: z.coerce.number().int().min(0).default(5),
  /** ms a chat turn nobody listens to keeps running for a client to re-attach; 0 cancels it at once. */
  CHAT_RESUME_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(0),
  /** Cluster mode: BullMQ queue of workflow runs, live events and cancels over this Redis. Needs DATABASE_URL. */
  REDIS_URL: optional,
  /** Prefix of every Redis key and channel of this cluster (BullMQ's prefix too), so clusters can share a Redis. */
  REDIS_PREFIX: z.string().trim().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - only').default('sapflow'),
  /** Whether this gateway also takes workflow runs from the queue (false: it only enqueues). */
  RUN_WORKFLOWS: flag(true),
  /** Workflow runs one process takes from the queue at a time. */
  WORKER_CONCURRENCY: positiveInt(10),
  /** `npm run worker`: the port of its own GET /health; none by default. */
  WORKER_PORT: z.coerce.number().int().min(0).max(65535).optional().or(z.literal('').transform(() => undefined)),
  /** Tools (built in or configured) whose every call waits for a person's approval, comma-separated. */
  APPROVAL_REQUIRED_TOOLS: nameList,
  /** The tools chat turns offer the model, comma-separated; every tool when unset (workflows are not restricted). */
  CHAT_TOOLS: nameList,
  /** false turns metrics and traces off. */
  WORKFLOW_ENABLE_TELEMETRY: z.enum(['true', 'false', '1', '0', '']).optional().transform((v) => v !== 'false' && v !== '0'),
  /** OTLP/HTTP collector for traces (spans go to <endpoint>/v1/traces); no traces are made without it. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_SERVICE_NAME: z.string().trim().min(1).default('sapflow'),
  /**
   * Chat turns and workflow runs this process runs at once; past it new ones get `503 overloaded` with Retry-After.
   * Sized so a 1000-client load run is let in (`npm run bench load`).
   */
  MAX_ACTIVE_TURNS: positiveInt(2000),
  /**
   * Event-loop delay (ms) past which new chat turns wait, in order and with their stream open, for running ones to
   * end (src/runtime/turn-gate.ts); 0 lets every admitted turn run at once.
   */
  TURN_QUEUE_LAG_MS: z.coerce.number().int().min(0).max(60_000).default(50),
  /** ms an SSE client may go without reading (its socket backed up) before it is disconnected, as if it had left. */
  SSE_STALL_TIMEOUT_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
  /** ms an SSE frame that follows a write may wait to go out with the next ones (src/http/sse-outbox.ts); 0 writes each tick. */
  SSE_COALESCE_MS: z.coerce.number().int().min(0).max(1_000).default(10),
  /** The log's threshold (pino levels); `silent` logs nothing. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** When set, GET /metrics wants `Authorization: Bearer <METRICS_TOKEN>`; open otherwise (like /api/health). */
  METRICS_TOKEN: optional,
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SapflowError('invalid_config', `${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * A gateway or worker with REDIS_URL joins a cluster, whose processes must share one Postgres: the embedded store is
 * a folder of one process. (The CLI runs its runs itself and is not held to this.)
 */
export function assertClusterConfig(config: Config): void {
  if (config.REDIS_URL && !config.DATABASE_URL) {
    throw new SapflowError('invalid_config', 'REDIS_URL needs DATABASE_URL: the embedded store belongs to one process, so a cluster shares one Postgres');
  }
}
