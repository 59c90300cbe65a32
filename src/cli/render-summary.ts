import type { WorkflowFinishEvent } from '../protocol/index.js';
import { formatDuration } from './format-duration.js';
import type { Colors } from './render-task-line.js';
import { fit, shortJson } from './short-json.js';

/**
 * After the run: the final status and duration, then each task's result as short JSON (or its error, or why it
 * was skipped), one line each, cut to `width`.
 */
export function renderSummary(finish: WorkflowFinishEvent, c: Colors, width: number): string {
  const paint = { completed: c.green, partial: c.yellow, failed: c.red, cancelled: c.red }[finish.status];
  const ids = Object.keys(finish.tasks);
  const count = (status: string) => ids.filter((id) => finish.tasks[id]!.status === status).length;
  const tally = [`${count('completed')} done`, count('failed') && `${count('failed')} failed`, count('skipped') && `${count('skipped')} skipped`]
    .filter(Boolean)
    .join(', ');
  const lines = [`${paint(c.bold(finish.status))} in ${formatDuration(finish.durationMs)} · ${ids.length} tasks: ${tally}`];
  const idWidth = Math.min(32, Math.max(0, ...ids.map((id) => id.length)));
  for (const id of ids) {
    const task = finish.tasks[id]!;
    const room = Math.max(10, width - idWidth - 4);
    const body =
      task.status === 'completed'
        ? shortJson(task.result ?? null, room)
        : task.status === 'failed'
          ? c.red(fit(`[${task.error?.code ?? 'unknown'}] ${task.error?.message ?? ''}`, room))
          : task.status === 'skipped'
            ? c.yellow(fit(`skipped: ${task.reason ?? ''}`, room))
            : c.dim(task.status);
    lines.push(`  ${c.bold(id.padEnd(idWidth))}  ${body}`);
  }
  return lines.join('\n');
}
