import { EMPTY, Observable, Subject, concat, defer, from, fromEvent, merge, mergeMap, of, queueScheduler, switchMap, take, takeUntil, timer, map } from 'rxjs';
import { formatSeconds } from './format-seconds.js';
import { isoTime } from './iso-time.js';
import { toErrorInfo } from '../errors/index.js';
import type { Tool } from '../tools/tool.js';
import { evaluateCondition, resolveParameters } from '../workflows/index.js';
import type { CompiledTask, CompiledWorkflow } from '../workflows/types.js';
import type { Engine } from './engine.js';
import type { ErrorInfo, TaskOutcome, WorkflowEvent, WorkflowFinishEvent } from '../protocol/index.js';
import { RunState } from './run-state.js';
import { runToolCall } from './run-tool-call.js';
import { outcomeOf } from './task-outcome.js';
import { deniedError, needsApproval, type TaskDecision, type ApprovalRecord } from './task-approval.js';

export interface RunWorkflowOptions {
  tools: { get(name: string): Tool | undefined };
  /** Inputs after `resolveInputs` (defaults applied, types checked). */
  inputs: Record<string, unknown>;
  executionId: string;
  user?: string;
  /** Aborting ends the run as `cancelled`; running tools get their AbortSignal at once. */
  signal?: AbortSignal;
  /** Results of tasks that completed in an earlier run (Retry), reused instead of run again, each announced as reused. */
  reuse?: Record<string, unknown>;
  /**
   * Continue this same run from its log after a crash: the tasks settled there are settled again silently (their
   * events are in the log already), the rest runs as it would have; `run-resumed` comes first.
   */
  resume?: { settled: Record<string, TaskOutcome>; startedAt?: number; attempt: number; approvals?: Record<string, ApprovalRecord> };
  /**
   * Decisions on tasks waiting for approval, while the run is live; each is announced as `task-approval`. One for a
   * task that is not waiting is ignored (the caller checks first and answers the person).
   */
  decisions?: Observable<TaskDecision>;
}

/**
 * Runs a compiled workflow as one Observable of events. A task starts the moment its own dependencies are settled
 * and its condition holds - never waiting for a "level" - within `engine.maxParallel` (mergeMap concurrency).
 * Failures are values: a failed non-critical task makes the run `partial`, a failed critical one stops new starts.
 * A task that needs approval waits (`task-approval-request`) without holding a slot; when nothing but waiting tasks
 * is left the run parks - `workflow-waiting`, then completes with no finish - and a resume with the decision in
 * `resume.approvals` (or a live `decisions` value) carries it on.
 */
export function runWorkflow(workflow: CompiledWorkflow, engine: Engine, options: RunWorkflowOptions): Observable<WorkflowEvent> {
  return defer(() => {
    const { scheduler } = engine;
    const state = new RunState(workflow, options.inputs);
    const { resume } = options;
    const startedAt = resume?.startedAt ?? scheduler.now();
    const at = () => isoTime(scheduler.now());
    const base = () => ({ executionId: options.executionId, at: at() });
    const ready$ = new Subject<CompiledTask>();
    const settled$ = new Subject<void>();
    let settled = false;
    const progressDue$ = new Subject<number>();
    let parked = false;
    const approvals = new Map<string, ApprovalRecord>(Object.entries(resume?.approvals ?? {}));
    /** Waiting tasks with an approval_timeout: when each is denied unless someone decides first. */
    const deadlines$ = new Subject<{ taskId: string; atMs: number; seconds?: number }>();
    /** Decisions that came before their task reached its wait (a resumed run is given the stored ones at once). */
    const early = new Map<string, TaskDecision>();
    let lastProgressAt = Number.NEGATIVE_INFINITY;
    let progressDirty = false;

    const progressEvent = (): WorkflowEvent => {
      lastProgressAt = scheduler.now();
      progressDirty = false;
      return { type: 'workflow-progress', ...base(), ...state.progress(scheduler.now(), engine.stats, engine.maxParallel) };
    };
    // Leading edge now, trailing edge on a timer: big runs do not pay for a snapshot per event.
    const progressNow = (): WorkflowEvent[] => {
      const wait = lastProgressAt + engine.progressIntervalMs - scheduler.now();
      if (wait <= 0) return [progressEvent()];
      if (!progressDirty) progressDue$.next(wait);
      progressDirty = true;
      return [];
    };
    const trailingProgress$ = progressDue$.pipe(
      switchMap((wait) => timer(wait, scheduler)),
      mergeMap(() => (progressDirty ? of(progressEvent()) : EMPTY)),
      takeUntil(settled$),
    );

    /** Settles a task, then decides every task that became decidable; returns their events and the ready ones. */
    const settle = (id: string, outcome: Omit<TaskOutcome, 'attempts'> & { attempts?: number }) => {
      const events: WorkflowEvent[] = [];
      const ready: CompiledTask[] = [];
      const queue = state.settle(id, outcome);
      decide(queue, events, ready);
      return { events, ready };
    };
    const decide = (queue: CompiledTask[], events: WorkflowEvent[], ready: CompiledTask[]) => {
      while (queue.length > 0) {
        const task = queue.shift()!;
        if (state.isTerminal(task.id)) continue; // settled from the log of a resumed run
        let reason = state.blockedReason(task);
        if (!reason && task.condition) {
          try {
            if (!evaluateCondition(task.condition, state.context)) reason = `condition ${task.condition} is false`;
          } catch (error) {
            const info = toErrorInfo(error);
            events.push({ type: 'task-failed', ...base(), taskId: task.id, error: info, durationMs: 0, attempts: 0 });
            queue.push(...state.settle(task.id, { status: 'failed', error: info, durationMs: 0 }));
            continue;
          }
        }
        if (reason) {
          events.push({ type: 'task-skipped', ...base(), taskId: task.id, reason });
          queue.push(...state.settle(task.id, { status: 'skipped', reason }));
        } else ready.push(task);
      }
      // A failed critical task skips everything not yet started, so the picture settles at once.
      const reason = state.stoppedReason();
      if (reason) {
        for (const id of state.pendingIds()) {
          events.push({ type: 'task-skipped', ...base(), taskId: id, reason });
          state.settle(id, { status: 'skipped', reason });
        }
      }
    };
    // Trampolined so a long chain of instant tasks runs as a loop, not as ever-deeper recursion.
    const release = (tasks: CompiledTask[]) =>
      defer(() => {
        for (const task of tasks) queueScheduler.schedule(() => ready$.next(task));
        queueScheduler.schedule(() => {
          if (settled) return;
          if (!state.done) {
            if (!state.onlyWaiting) return;
            parked = true;
          }
          settled = true;
          ready$.complete();
          settled$.next();
        });
        return EMPTY;
      });

    /** A task settled without its tool being called: `event` says how, then what it settles and the progress. */
    const settleUncalled = (taskId: string, outcome: Parameters<typeof settle>[1], event: WorkflowEvent): Observable<WorkflowEvent> => {
      const { events, ready } = settle(taskId, outcome);
      return concat(from<WorkflowEvent[]>([event, ...events, ...progressNow()]), release(ready));
    };

    /** A task that fails before its tool is called: its arguments do not resolve, or a person denied it. */
    const failBeforeStart = (task: CompiledTask, info: ErrorInfo): Observable<WorkflowEvent> =>
      settleUncalled(task.id, { status: 'failed', error: info, durationMs: 0 }, { type: 'task-failed', ...base(), taskId: task.id, error: info, durationMs: 0, attempts: 0 });

    const runTask = (task: CompiledTask): Observable<WorkflowEvent> => {
      if (state.isTerminal(task.id)) return EMPTY; // skipped while it waited for a slot
      if (options.reuse && task.id in options.reuse) {
        const result = options.reuse[task.id];
        return settleUncalled(task.id, { status: 'completed', result, durationMs: 0, attempts: 0 }, { type: 'task-complete', ...base(), taskId: task.id, result, durationMs: 0, attempts: 0, reused: true });
      }
      let args: unknown;
      try {
        args = resolveParameters(task.parameters, state.context);
      } catch (error) {
        return failBeforeStart(task, toErrorInfo(error));
      }
      const tool = options.tools.get(task.function);
      if (needsApproval(task, tool)) {
        const known = approvals.get(task.id);
        if (!known?.decision) return waitForApproval(task, args, known);
        if (!known.decision.approved) return failBeforeStart(task, deniedError(known.decision));
      }
      const call = { executionId: options.executionId, taskId: task.id, toolName: task.function, tool, args, user: options.user ?? 'local', timeout: task.timeout, retry_count: task.retry_count };
      return runToolCall(call, engine).pipe(
        mergeMap((event): Observable<WorkflowEvent> => {
          if (event.type === 'task-start') {
            state.markRunning(task.id, scheduler.now(), event.attempt);
            return from([event, ...progressNow()]);
          }
          if (event.type === 'task-complete' || event.type === 'task-failed') {
            const { events, ready } = settle(task.id, outcomeOf(event));
            return concat(from([event, ...events, ...progressNow()]), release(ready));
          }
          return of(event);
        }),
      );
    };

    /** Holds a task for a decision; asks for it unless the log already did (a resumed run keeps the first deadline). */
    const waitForApproval = (task: CompiledTask, input: unknown, known: ApprovalRecord | undefined): Observable<WorkflowEvent> => {
      state.markWaiting(task.id);
      const events: WorkflowEvent[] = [];
      let expiresAt = known?.expiresAt;
      const decidedEarly = early.get(task.id);
      if (!known) {
        if (task.approval_timeout !== undefined) expiresAt = new Date(scheduler.now() + task.approval_timeout * 1000).toISOString();
        approvals.set(task.id, { input, ...(expiresAt ? { expiresAt } : {}) });
        events.push({ type: 'task-approval-request', ...base(), taskId: task.id, function: task.function, input, ...(expiresAt ? { expiresAt } : {}) });
      }
      if (decidedEarly) return concat(from(events), onDecision(decidedEarly));
      if (expiresAt) {
        const atMs = Date.parse(expiresAt);
        // ran out while the run was parked: denied now, before the run could park again
        if (atMs <= scheduler.now()) return concat(from(events), onDecision(timedOut(task.id, task.approval_timeout)));
        deadlines$.next({ taskId: task.id, atMs, seconds: task.approval_timeout });
      }
      return concat(from([...events, ...progressNow()]), release([]));
    };

    /** A decision on a waiting task: announced, then the task is released to run, or to fail as denied. */
    const onDecision = (decision: TaskDecision): Observable<WorkflowEvent> => {
      if (!state.has(decision.taskId) || state.isTerminal(decision.taskId) || approvals.get(decision.taskId)?.decision) return EMPTY;
      if (state.get(decision.taskId).status !== 'waiting') {
        if (!early.has(decision.taskId)) early.set(decision.taskId, decision);
        return EMPTY;
      }
      const { taskId, ...decided } = decision;
      approvals.set(taskId, { ...approvals.get(taskId)!, decision: decided });
      state.unwait(taskId);
      const event: WorkflowEvent = { type: 'task-approval', ...base(), taskId, approved: decided.approved, by: decided.by, ...(decided.reason ? { reason: decided.reason } : {}) };
      return concat(of(event), release([state.get(taskId).task]));
    };
    const timedOut = (taskId: string, seconds: number | undefined): TaskDecision => ({
      taskId, approved: false, by: 'timeout', reason: `Nobody approved the task within ${seconds === undefined ? 'its approval_timeout' : formatSeconds(seconds)}`,
    });
    const timedOut$ = deadlines$.pipe(
      mergeMap(({ taskId, atMs, seconds }) => timer(Math.max(0, atMs - scheduler.now()), scheduler).pipe(map(() => timedOut(taskId, seconds)))),
    );
    const decisions$ = merge(options.decisions ?? EMPTY, timedOut$).pipe(takeUntil(settled$), mergeMap(onDecision));

    /** The run parks: only waiting tasks are left, and their decisions resume it from the log. */
    const park = (): WorkflowEvent[] => {
      const waitingTasks = state.waitingIds();
      const deadlines = waitingTasks.map((id) => approvals.get(id)?.expiresAt).filter((at): at is string => !!at).sort();
      return [progressEvent(), { type: 'workflow-waiting', ...base(), waitingTasks, ...(deadlines[0] ? { wakeAt: deadlines[0] } : {}) }];
    };

    const finish = (cancelled: boolean): WorkflowEvent[] => {
      const events: WorkflowEvent[] = [];
      if (cancelled) {
        const error = { code: 'cancelled', message: 'The run was cancelled' };
        for (const id of state.runningIds()) {
          events.push({ type: 'task-failed', ...base(), taskId: id, error, durationMs: scheduler.now() - (state.get(id).startedAtMs ?? scheduler.now()), attempts: state.get(id).attempts });
          state.settle(id, { status: 'failed', error });
        }
        for (const id of state.pendingIds()) {
          events.push({ type: 'task-skipped', ...base(), taskId: id, reason: 'the run was cancelled' });
          state.settle(id, { status: 'skipped', reason: 'the run was cancelled' });
        }
      }
      const outcomes = state.outcomes();
      const anyFailed = Object.values(outcomes).some((t) => t.status === 'failed');
      const status: WorkflowFinishEvent['status'] = cancelled ? 'cancelled' : state.failedCritical ? 'failed' : anyFailed ? 'partial' : 'completed';
      return [...events, progressEvent(), { type: 'workflow-finish', ...base(), status, tasks: outcomes, durationMs: scheduler.now() - startedAt }];
    };

    const start: WorkflowEvent = {
      type: 'workflow-start',
      ...base(),
      workflowId: workflow.id,
      name: workflow.name,
      input: options.inputs,
      tasks: workflow.tasks.map((t) => ({
        id: t.id, name: t.name, function: t.function, dependencies: t.dependencies, parallelGroup: t.parallel_group, critical: t.critical,
        ...(needsApproval(t, options.tools.get(t.function)) ? { approval: true } : {}),
      })),
    };
    const initial = { events: [] as WorkflowEvent[], ready: [] as CompiledTask[] };
    if (resume) {
      // topological order, so a dependency is settled before its dependents are looked at
      for (const task of workflow.tasks) if (task.id in resume.settled) state.settle(task.id, resume.settled[task.id]!);
      decide(state.undecided(), initial.events, initial.ready);
    } else decide(state.roots(), initial.events, initial.ready);
    const resumed: WorkflowEvent[] = resume
      ? [{ type: 'run-resumed', ...base(), attempt: resume.attempt, reusedTasks: Object.keys(resume.settled) }]
      : [];
    const opening = resume && resume.startedAt !== undefined ? resumed : [start, ...resumed];

    let cancelled = false;
    const signal = options.signal;
    const aborted$: Observable<unknown> = !signal ? EMPTY : signal.aborted ? of(true) : fromEvent(signal, 'abort').pipe(take(1));
    const abort$ = aborted$.pipe(map(() => (cancelled = true)));
    // decisions$ before anything is released: a task that waits at once registers its deadline with it
    const work$ = merge(
      decisions$,
      ready$.pipe(mergeMap(runTask, engine.maxParallel)),
      trailingProgress$,
      release(initial.ready),
    ).pipe(takeUntil(abort$));

    return concat(
      from([...opening, ...initial.events, ...progressNow()]),
      work$,
      defer(() => from(parked && !cancelled ? park() : finish(cancelled))),
    );
  });
}
