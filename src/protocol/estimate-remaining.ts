import type { TaskStatus } from './events.js';

/** What the ETA needs of one task of a run (a workflow task or a chat turn's tool call). */
export interface EstimatedTask {
  id: string;
  function: string;
  status: TaskStatus;
  /** When its latest attempt started, in ms, for a running task. */
  startedAtMs?: number;
  dependencies: readonly string[];
}

/**
 * Time left in a run: the longer of the remaining critical path and the remaining work spread over `maxParallel`
 * slots, from `estimate(fn)` (a tool's expected duration). `tasks` must come in a topological order. 0 when
 * nothing is left; null until every unfinished task's tool has an estimate. One pass, linear in tasks plus edges:
 * it runs on every progress snapshot of runs with thousands of tasks.
 */
export function estimateRemaining(
  tasks: Iterable<EstimatedTask>,
  now: number,
  estimate: (fn: string) => number | undefined,
  maxParallel: number,
): number | null {
  const finish = new Map<string, number>();
  let critical = 0;
  let work = 0;
  for (const task of tasks) {
    // a person decides when a waiting task goes on: no estimate can say
    if (task.status === 'waiting') return null;
    if (task.status !== 'pending' && task.status !== 'running') continue;
    const mean = estimate(task.function);
    if (mean === undefined) return null;
    const own = task.status === 'running' ? Math.max(0, mean - (now - (task.startedAtMs ?? now))) : mean;
    // a loop, not Math.max(...deps.map()): no array per task
    let after = 0;
    for (const d of task.dependencies) after = Math.max(after, finish.get(d) ?? 0);
    finish.set(task.id, after + own);
    critical = Math.max(critical, after + own);
    work += own;
  }
  return Math.round(Math.max(critical, work / Math.max(1, maxParallel)));
}
