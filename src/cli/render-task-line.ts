import type pc from 'picocolors';
import type { TaskSnapshot } from '../protocol/index.js';
import { formatDuration } from './format-duration.js';
import { fit, shortJson } from './short-json.js';

export type Colors = ReturnType<typeof pc.createColors>;

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface TaskLineOptions {
  colors: Colors;
  /** Wall-clock now, for a running task's elapsed time. */
  now: number;
  /** Spinner frame counter; without it a running task shows a static marker (plain output). */
  frame?: number;
  idWidth: number;
  /** The line is cut to this many characters (the terminal's width). */
  width: number;
  /** The status of another task, to say what a waiting task waits for. */
  statusOf?: (id: string) => TaskSnapshot['status'] | undefined;
}

/**
 * One task as one line: `✓ fetch  done 120ms`, `⠹ enrich  running 1.4s`, `✗ send  failed [timeout] ...`,
 * `↷ notify  skipped: dependency send failed`, `· report  waiting for enrich`. Colour is added after cutting to width.
 */
export function renderTaskLine(task: TaskSnapshot, options: TaskLineOptions): string {
  const { colors: c, idWidth, width } = options;
  const { icon, state, detail, paint } = describe(task, options);
  const head = `${icon} ${task.id.padEnd(idWidth)}  `;
  const room = width - head.length - state.length - 1;
  const tail = detail && room > 3 ? ` ${fit(detail, room)}` : '';
  return `${paint(icon)} ${c.bold(task.id.padEnd(idWidth))}  ${paint(state)}${c.dim(tail)}`;
}

function describe(task: TaskSnapshot, options: TaskLineOptions): { icon: string; state: string; detail?: string; paint: (s: string) => string } {
  const c = options.colors;
  switch (task.status) {
    case 'pending': {
      const waitingFor = task.dependencies.filter((d) => {
        const status = options.statusOf?.(d);
        return status === 'pending' || status === 'running';
      });
      return { icon: '·', state: 'waiting', detail: waitingFor.length ? `for ${waitingFor.join(', ')}` : undefined, paint: c.dim };
    }
    case 'running': {
      const elapsed = task.startedAt ? formatDuration(options.now - Date.parse(task.startedAt)) : '';
      const icon = options.frame === undefined ? '>' : SPINNER[options.frame % SPINNER.length]!;
      const attempt = task.attempts > 1 ? ` (attempt ${task.attempts})` : '';
      const detail = task.error
        ? `retrying after [${task.error.code}] ${task.error.message}`
        : task.progress !== undefined
          ? shortJson(task.progress)
          : undefined;
      return { icon, state: `running ${elapsed}${attempt}`.trimEnd(), detail, paint: c.cyan };
    }
    case 'completed': {
      const attempts = task.attempts > 1 ? ` after ${task.attempts} attempts` : '';
      return { icon: '✓', state: `done ${formatDuration(task.durationMs ?? 0)}${attempts}`, paint: c.green };
    }
    case 'failed': {
      const after = task.durationMs ? ` after ${formatDuration(task.durationMs)}` : '';
      const error = task.error ? `[${task.error.code}] ${task.error.message}` : '';
      return { icon: '✗', state: `failed${after}`, detail: error, paint: c.red };
    }
    case 'waiting': {
      const until = task.approval?.expiresAt ? ` (denied at ${task.approval.expiresAt} unless decided)` : '';
      return { icon: '⏸', state: 'waiting for approval', detail: `${shortJson(task.approval?.input ?? {})}${until}`, paint: c.yellow };
    }
    case 'skipped':
      return { icon: '↷', state: task.reason ? 'skipped:' : 'skipped', detail: task.reason, paint: c.yellow };
  }
}
