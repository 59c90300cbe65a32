import { randomUUID } from 'node:crypto';
import { map, shareReplay, type Observable } from 'rxjs';
import { SapflowError } from '../errors/index.js';
import type { ExecutionStore, LogWriter, StoredEvent } from '../store/index.js';
import { persistEvents } from '../store/index.js';
import type { WorkflowEvent } from '../protocol/index.js';
import { runWorkflow, type Engine } from '../streams/index.js';
import type { Tool } from '../tools/tool.js';
import type { CompiledWorkflow } from '../workflows/index.js';

export interface StartRun {
  workflow: CompiledWorkflow;
  /** Inputs after `resolveInputs`. */
  inputs: Record<string, unknown>;
  user: string;
  reuse?: Record<string, unknown>;
}

export interface StartedRun {
  executionId: string;
  /** Every event of the run with its log seq, replayed to each subscriber from the start. */
  events: Observable<StoredEvent<WorkflowEvent>>;
}

export interface WorkflowRuns {
  start(run: StartRun): Promise<StartedRun>;
  /** Cancels a run of this process; false when it is not running here. */
  cancel(executionId: string): boolean;
  /** Resolves when every run of this process has finished. */
  idle(): Promise<void>;
  /** Cancels every run of this process and resolves when their logs are written (shutdown). */
  cancelAll(): Promise<void>;
}

/**
 * Runs belong to the process, not to the request that started them: a client that goes away does not cancel a
 * workflow (it can follow it again from the log); `cancel` does. Every event is logged; the finish is announced
 * only once the log is durable, and each event's seq is its position in the log.
 */
export function createWorkflowRuns(deps: {
  engine: Engine;
  tools: { get(name: string): Tool | undefined };
  store: ExecutionStore;
  writer: LogWriter;
  /** A run whose log could not be made durable; followers get the error, the operator gets this (stderr by default). */
  onError?: (error: unknown, executionId: string) => void;
}): WorkflowRuns {
  const onError = deps.onError ?? ((error: unknown, executionId: string) => console.error(`[sapflow] workflow run ${executionId} failed:`, error));
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  return {
    async start({ workflow, inputs, user, reuse }) {
      const executionId = randomUUID();
      await deps.store.createExecution({
        id: executionId, workflowId: workflow.id, kind: 'workflow', userId: user, input: inputs,
        definition: { ...workflow.definition, tasks: workflow.tasks },
      });
      const controller = new AbortController();
      const events = runWorkflow(workflow, deps.engine, { tools: deps.tools, inputs, executionId, user, signal: controller.signal, reuse }).pipe(
        persistEvents(deps.writer),
        map((event, i) => ({ seq: i + 1, event })),
        shareReplay(),
      );
      const done = new Promise<void>((resolve) => {
        events.subscribe({
          error: (error) => {
            onError(error, executionId);
            resolve();
          },
          complete: () => resolve(),
        });
      }).finally(() => running.delete(executionId));
      running.set(executionId, { controller, done });
      return { executionId, events };
    },
    cancel(executionId) {
      const run = running.get(executionId);
      if (!run) return false;
      run.controller.abort();
      return true;
    },
    async idle() {
      await Promise.all([...running.values()].map((r) => r.done));
    },
    async cancelAll() {
      for (const run of running.values()) run.controller.abort();
      await this.idle();
    },
  };
}

export function assertRunnable(workflow: CompiledWorkflow | undefined, id: string): CompiledWorkflow {
  if (!workflow) throw new SapflowError('unknown_workflow', `No workflow template "${id}"`);
  return workflow;
}
