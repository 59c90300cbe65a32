import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { ErrorInfo, ProgressSnapshot, TaskSnapshot, WorkflowStatus } from '../../../src/protocol/index.js';
import { followExecutionEvents, type FollowOptions } from './follow-execution-events.js';
import { initialWorkflowStatus, workflowStatusReducer, type ConnectionState } from './workflow-status-reducer.js';

export type UseWorkflowStatusOptions = FollowOptions;

export interface WorkflowStatusResult {
  status: WorkflowStatus;
  /** 0-100. */
  progress: number;
  estimatedTimeRemainingMs: number | null;
  tasks: TaskSnapshot[];
  currentTasks: TaskSnapshot[];
  completedTasks: TaskSnapshot[];
  failedTasks: TaskSnapshot[];
  skippedTasks: TaskSnapshot[];
  snapshot: ProgressSnapshot;
  reusedTaskIds: string[];
  connection: ConnectionState;
  error: ErrorInfo | null;
  reconnects: number;
  lastEventId: number | null;
  eventsApplied: number;
  /** Start following again after the stream gave up (`connection: 'error'`). */
  reconnect(): void;
}

/**
 * Follows one execution's event stream (`/api/executions/:id/events`) and folds it into a live snapshot.
 * Replays the log first, then live events; after a dropped connection it reconnects with `Last-Event-ID`
 * and drops any frame it has already applied, so nothing is lost or counted twice.
 */
export function useWorkflowStatus(executionId: string | null | undefined, options: UseWorkflowStatusOptions = {}): WorkflowStatusResult {
  const [state, dispatch] = useReducer(workflowStatusReducer, executionId ?? '', initialWorkflowStatus);
  const [generation, setGeneration] = useState(0);
  const lastEventId = useRef<number | null>(null);
  const followedId = useRef<string | null>(null);
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const baseUrl = options.baseUrl;

  useEffect(() => {
    if (!executionId) return;
    if (followedId.current !== executionId) {
      // a new execution starts from scratch; a manual reconnect() resumes from the last applied seq
      dispatch({ type: 'reset', executionId });
      lastEventId.current = null;
      followedId.current = executionId;
    }
    const controller = new AbortController();
    void followExecutionEvents(
      executionId,
      {
        onEvent: (seq, event) => {
          // the ref runs ahead of React's state so a reconnect within the same tick still asks for the right seq
          if (seq !== undefined && (lastEventId.current === null || seq > lastEventId.current)) lastEventId.current = seq;
          dispatch({ type: 'event', seq, event });
        },
        onConnection: (connection, error) => dispatch({ type: 'connection', state: connection, error }),
        lastEventId: () => lastEventId.current,
      },
      controller.signal,
      { ...optionsRef.current, baseUrl },
    );
    return () => controller.abort();
  }, [executionId, baseUrl, generation]);

  const reconnect = useCallback(() => setGeneration((n) => n + 1), []);

  return useMemo(() => {
    const { snapshot } = state;
    const byStatus = (status: TaskSnapshot['status']) => snapshot.tasks.filter((task) => task.status === status);
    return {
      status: snapshot.status,
      progress: snapshot.progressPercentage,
      estimatedTimeRemainingMs: snapshot.estimatedTimeRemainingMs,
      tasks: snapshot.tasks,
      currentTasks: byStatus('running'),
      completedTasks: byStatus('completed'),
      failedTasks: byStatus('failed'),
      skippedTasks: byStatus('skipped'),
      snapshot,
      reusedTaskIds: state.reusedTaskIds,
      connection: state.connection,
      error: state.error,
      reconnects: state.reconnects,
      lastEventId: state.lastEventId,
      eventsApplied: state.eventsApplied,
      reconnect,
    };
  }, [state, reconnect]);
}
