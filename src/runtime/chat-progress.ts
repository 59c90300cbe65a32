import { concatMap, defer, type OperatorFunction } from 'rxjs';
import { emptySnapshot, estimateRemaining, foldProgress, type ChatTurnEvent, type ProgressSnapshot, type WorkflowEvent } from '../protocol/index.js';
import { isoTime } from '../streams/iso-time.js';

export interface ChatProgressOptions {
  /** A tool's expected duration in ms, when known. */
  estimate(fn: string): number | undefined;
  maxParallel: number;
  now(): number;
}

/**
 * Events that change the picture of a chat turn's tool calls; each is followed by a fresh `progress` snapshot. A tool's
 * own progress (an MCP server's notifications/progress) is one, so useChat's progress part shows it on the call's task.
 */
const CHANGES = new Set(['task-start', 'task-progress', 'task-retry', 'task-complete', 'task-failed', 'task-skipped']);

/**
 * Folds a chat turn's tool-call events into progress snapshots (the `data-workflow` part), with the same fold and
 * ETA as workflow runs. It runs on the live turn and on a replay from the log alike, so both tell the same story.
 */
export function withChatProgress(executionId: string, options: ChatProgressOptions): OperatorFunction<ChatTurnEvent, ChatTurnEvent> {
  return (events) =>
    defer(() => {
      let snapshot: ProgressSnapshot = { ...emptySnapshot(executionId), workflowId: 'chat', name: 'Chat turn' };
      const inputs = new Map<string, unknown>();
      return events.pipe(
        concatMap((event): ChatTurnEvent[] => {
          if (event.type === 'progress') return []; // derived here, never taken from upstream
          if (event.type === 'workflow-start') snapshot = { ...foldProgress(snapshot, event), workflowId: 'chat', name: 'Chat turn' };
          if (event.type === 'tool-input-available') inputs.set(event.toolCallId, event.input);
          if (event.type === 'tool-approval-request') {
            // a held call is a task waiting for a person, as in a workflow run, with the arguments it will run with
            snapshot = foldProgress(snapshot, {
              type: 'task-approval-request', executionId, at: isoTime(options.now()), taskId: event.toolCallId, function: event.toolName, input: inputs.get(event.toolCallId),
            });
            return [event, { type: 'progress', snapshot: withEta(snapshot, options) }];
          }
          if (event.type === 'workflow-finish' && snapshot.counts.waiting > 0) {
            // the turn ended waiting for an answer: the picture says so, not "completed"
            const waitingTasks = snapshot.tasks.filter((t) => t.status === 'waiting').map((t) => t.id);
            snapshot = foldProgress(foldProgress(snapshot, event), { type: 'workflow-waiting', executionId, at: event.at, waitingTasks });
            return [event, { type: 'progress', snapshot: withEta(snapshot, options) }];
          }
          if (!CHANGES.has(event.type)) return [event];
          snapshot = foldProgress(snapshot, event as WorkflowEvent);
          return [event, { type: 'progress', snapshot: withEta(snapshot, options) }];
        }),
      );
    });
}

function withEta(snapshot: ProgressSnapshot, { estimate, maxParallel, now }: ChatProgressOptions): ProgressSnapshot {
  const tasks = snapshot.tasks.map((t) => ({ ...t, startedAtMs: t.startedAt ? Date.parse(t.startedAt) : undefined }));
  return { ...snapshot, estimatedTimeRemainingMs: estimateRemaining(tasks, now(), estimate, maxParallel) };
}

