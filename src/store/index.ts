export type { Queryable } from './queryable.js';
export type { Database } from './database.js';
export { openDatabase, DEFAULT_DATA_DIR, type OpenDatabaseOptions } from './open-database.js';
export { openPglite } from './open-pglite.js';
export { openPgliteThread } from './open-pglite-thread.js';
export { openPostgres, type PostgresOptions } from './open-postgres.js';
export { runMigrations, MIGRATIONS_DIR } from './migrate.js';
export { createExecutionStore } from './execution-store.js';
export type { RunStats, RunStatsGroup } from './run-stats.js';
export type { ApprovalRequestRecord, ChatApprovals } from './chat-approvals.js';
export {
  isTerminalStatus,
  TERMINAL_STATUSES,
  type ClaimedExecution,
  type LeaseInfo,
  type ExecutionKind,
  type ExecutionPage,
  type ExecutionRecord,
  type ExecutionStatus,
  type ExecutionStore,
  type ExecutionSummary,
  type ListExecutionsOptions,
  type LoggableEvent,
  type NewExecution,
  type ReadEventsOptions,
  type StoredEvent,
  type TaskDecisionRecord,
  type WorkflowDefinitionRecord,
} from './execution-types.js';
export {
  createLogWriter,
  flushAllLogWriters,
  closeAllLogWriters,
  type LogFence,
  type LogWriter,
  type LogWriterOptions,
  type LogWriteFailure,
} from './log-writer.js';
export { persistEvents, type PersistEventsOptions } from './persist-events.js';
export { createEventHub, type EventHub, type EventHubOptions, type EventRelay } from './event-hub.js';
