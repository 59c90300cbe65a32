import { emptySnapshot, foldProgress, type ErrorInfo, type ProgressSnapshot, type WorkflowEvent } from '../../../src/protocol/index.js';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'error';

/** What `useWorkflowStatus` knows about one execution: the folded snapshot plus the stream's bookkeeping. */
export interface WorkflowStatusState {
  executionId: string;
  snapshot: ProgressSnapshot;
  /** Highest `id:` (seq) applied; sent back as `Last-Event-ID` when reconnecting. */
  lastEventId: number | null;
  eventsApplied: number;
  /** Frames dropped because their seq was already applied (a replay overlapping what we had). */
  duplicatesDropped: number;
  /** Tasks whose result was carried over from an earlier run by Retry (`task-complete` with `reused: true`). */
  reusedTaskIds: string[];
  connection: ConnectionState;
  reconnects: number;
  error: ErrorInfo | null;
}

export type WorkflowStatusAction =
  | { type: 'event'; seq?: number; event: WorkflowEvent }
  | { type: 'connection'; state: ConnectionState; error?: ErrorInfo }
  | { type: 'reset'; executionId: string };

export function initialWorkflowStatus(executionId: string): WorkflowStatusState {
  return {
    executionId,
    snapshot: emptySnapshot(executionId),
    lastEventId: null,
    eventsApplied: 0,
    duplicatesDropped: 0,
    reusedTaskIds: [],
    connection: 'idle',
    reconnects: 0,
    error: null,
  };
}

export function workflowStatusReducer(state: WorkflowStatusState, action: WorkflowStatusAction): WorkflowStatusState {
  switch (action.type) {
    case 'reset':
      return initialWorkflowStatus(action.executionId);
    case 'connection':
      return {
        ...state,
        connection: action.state,
        reconnects: action.state === 'reconnecting' ? state.reconnects + 1 : state.reconnects,
        error: action.state === 'error' ? (action.error ?? { code: 'stream_error', message: 'The event stream failed' }) : null,
      };
    case 'event': {
      const { seq, event } = action;
      if (seq !== undefined && state.lastEventId !== null && seq <= state.lastEventId) {
        return { ...state, duplicatesDropped: state.duplicatesDropped + 1 };
      }
      const reused = event.type === 'task-complete' && event.reused === true ? [...state.reusedTaskIds, event.taskId] : state.reusedTaskIds;
      return {
        ...state,
        snapshot: foldProgress(state.snapshot, event),
        lastEventId: seq ?? state.lastEventId,
        eventsApplied: state.eventsApplied + 1,
        reusedTaskIds: reused,
      };
    }
  }
}
