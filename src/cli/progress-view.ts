import { createLogUpdate } from 'log-update';
import { emptySnapshot, foldProgress, type ProgressSnapshot, type WorkflowEvent } from '../protocol/index.js';
import { formatDuration } from './format-duration.js';
import { renderSummary } from './render-summary.js';
import { renderTaskLine, type Colors, type TaskLineOptions } from './render-task-line.js';

export interface ProgressViewOptions {
  out: NodeJS.WritableStream & { columns?: number; rows?: number };
  /** Redraw in place with spinners (a terminal); otherwise print one line per task as it settles (logs, pipes). */
  live: boolean;
  colors: Colors;
  now?: () => number;
}

export interface ProgressView {
  update(event: WorkflowEvent): void;
  /** A one-line notice (e.g. "cancelling") that must not tear the live area. */
  note(text: string): void;
  /** Stops the redraw timer and shows the cursor again; the view prints nothing more. */
  close(): void;
}

const FRAME_MS = 80;

/** The human view of a run: folds events into a snapshot (the same fold the UI uses) and draws it. */
export function createProgressView({ out, live, colors: c, now = Date.now }: ProgressViewOptions): ProgressView {
  let snapshot: ProgressSnapshot = emptySnapshot('');
  let frame = 0;
  let notice: string | undefined;
  let closed = false;
  // a pipe has no width: logs get 200 columns, enough for short JSON results
  const width = () => Math.max(40, (out.columns || 201) - 1);
  const lineOptions = (spin: boolean): TaskLineOptions => {
    const statuses = new Map(snapshot.tasks.map((t) => [t.id, t.status]));
    return {
      colors: c,
      now: now(),
      frame: spin ? frame : undefined,
      idWidth: Math.min(32, Math.max(0, ...snapshot.tasks.map((t) => t.id.length))),
      width: width(),
      statusOf: (id) => statuses.get(id),
    };
  };

  const logUpdate = live ? createLogUpdate(out) : undefined;
  let timer: NodeJS.Timeout | undefined;

  const draw = () => {
    const options = lineOptions(true);
    const lines = snapshot.tasks.map((task) => ({ task, text: renderTaskLine(task, options) }));
    // log-update cannot redraw lines that scrolled off the top: past the screen, fold finished and waiting tasks into counts
    const room = Math.max(3, (out.rows ?? 40) - 3);
    let shown = lines.map((l) => l.text);
    if (lines.length > room) {
      const busy = lines.filter((l) => l.task.status === 'running' || l.task.status === 'failed');
      shown = [...busy.slice(-room + 1).map((l) => l.text), c.dim(`  … ${lines.length - busy.length} more (${snapshot.counts.completed} done, ${snapshot.counts.pending} waiting, ${snapshot.counts.skipped} skipped)`)];
    }
    logUpdate!([...shown, footer()].join('\n'));
  };
  const footer = () => {
    const { counts } = snapshot;
    const settled = counts.completed + counts.failed + counts.skipped;
    const elapsed = snapshot.startedAt ? ` · ${formatDuration(now() - Date.parse(snapshot.startedAt))}` : '';
    const eta = snapshot.estimatedTimeRemainingMs ? ` · about ${formatDuration(snapshot.estimatedTimeRemainingMs)} left` : '';
    return c.dim(`${settled}/${counts.total} tasks · ${snapshot.progressPercentage}%${elapsed}${eta}`) + (notice ? `  ${c.yellow(notice)}` : '');
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  return {
    update(event) {
      if (closed) return;
      snapshot = foldProgress(snapshot, event);
      if (event.type === 'workflow-start' && live) {
        timer = setInterval(() => {
          frame += 1;
          draw();
        }, FRAME_MS);
        draw();
      }
      if (!live && (event.type === 'task-complete' || event.type === 'task-failed' || event.type === 'task-skipped')) {
        out.write(`${renderTaskLine(snapshot.tasks.find((t) => t.id === event.taskId)!, lineOptions(false))}\n`);
      }
      if (!live && event.type === 'task-retry') {
        out.write(`${c.yellow('↻')} ${event.taskId}  retrying in ${formatDuration(event.delayMs)} after [${event.error.code}] ${event.error.message}\n`);
      }
      if (event.type === 'workflow-waiting') {
        // parked: the picture stops here, with what waits (and with what arguments) on its own lines
        stop();
        if (live) {
          notice = undefined;
          draw();
          logUpdate!.done();
          closed = true;
        } else {
          // lines go on: a replayed log (sapflow approve) continues past an earlier parking
          for (const task of snapshot.tasks.filter((t) => t.status === 'waiting')) out.write(`${renderTaskLine(task, lineOptions(false))}\n`);
        }
      }
      if (event.type === 'workflow-finish') {
        stop();
        if (live) {
          notice = undefined;
          draw();
          logUpdate!.done();
        }
        out.write(`\n${renderSummary(event, c, width())}\n`);
        closed = true;
      }
    },
    note(text) {
      if (closed) return;
      if (live && timer) {
        notice = text;
        draw();
      } else out.write(`${text}\n`);
    },
    close() {
      stop();
      // a run that ended without its finish (store error, second Ctrl-C) must still give the cursor back
      if (live && !closed) logUpdate!.done();
      closed = true;
    },
  };
}
