import type { ErrorInfo, TaskStatus, WorkflowStatus } from './events.js';

/**
 * The live picture of one run (a workflow or a chat turn's tool calls), folded from its events.
 * Sent as the `data` of the chat's `data-workflow` part and rebuilt by the UI's reducer.
 */
export interface TaskSnapshot {
  id: string;
  name: string;
  function: string;
  status: TaskStatus;
  dependencies: string[];
  parallelGroup?: string;
  attempts: number;
  /** ISO time of the latest attempt's start. */
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  result?: unknown;
  error?: ErrorInfo;
  reason?: string;
  progress?: unknown;
  /** While waiting for approval: the arguments it will run with, and when it is denied by itself. */
  approval?: { input: unknown; expiresAt?: string; approved?: boolean; by?: string; reason?: string };
}

export interface ProgressSnapshot {
  executionId: string;
  workflowId?: string;
  name?: string;
  status: WorkflowStatus;
  tasks: TaskSnapshot[];
  counts: { total: number; pending: number; running: number; waiting: number; completed: number; failed: number; skipped: number };
  progressPercentage: number;
  estimatedTimeRemainingMs: number | null;
  startedAt?: string;
  durationMs?: number;
}
