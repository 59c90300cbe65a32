import type { TaskStatus, WorkflowStatus } from '../../../src/protocol/index.js';

export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

export function formatEta(ms: number | null, status: WorkflowStatus): string {
  if (status !== 'running') return '';
  if (ms === null) return 'Estimating time left…';
  if (ms < 1000) return 'Almost done';
  return `About ${formatDuration(ms)} left`;
}

/** A word and a symbol for every status, so no state is told by colour alone. */
export const taskStatusLabel: Record<TaskStatus, { icon: string; word: string }> = {
  pending: { icon: '○', word: 'Pending' },
  running: { icon: '◔', word: 'Running' },
  waiting: { icon: '‖', word: 'Waiting for approval' },
  completed: { icon: '✓', word: 'Completed' },
  failed: { icon: '✕', word: 'Failed' },
  skipped: { icon: '⊘', word: 'Skipped' },
};

export const workflowStatusLabel: Record<WorkflowStatus, { icon: string; word: string }> = {
  running: { icon: '◔', word: 'Running' },
  waiting: { icon: '‖', word: 'Waiting for approval' },
  completed: { icon: '✓', word: 'Completed' },
  partial: { icon: '◑', word: 'Partly completed' },
  failed: { icon: '✕', word: 'Failed' },
  cancelled: { icon: '■', word: 'Cancelled' },
};

export type SettledStatus = 'completed' | 'failed' | 'skipped';

/**
 * The progress bar's parts: settled tasks by how they settled, each as its share (0..100) of all tasks. Skipped work
 * counts as settled, as the percentage does, so the parts together fill exactly what the number says; a skipped
 * part is drawn apart (grey, hatched) so a run that skipped most of its work does not look like one that did it.
 */
export function barSegments(counts: { total: number } & Record<SettledStatus, number>): { status: SettledStatus; share: number }[] {
  if (counts.total <= 0) return [];
  return (['completed', 'failed', 'skipped'] as const)
    .filter((status) => counts[status] > 0)
    .map((status) => ({ status, share: (counts[status] / counts.total) * 100 }));
}
