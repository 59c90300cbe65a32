import { randomUUID } from 'node:crypto';
import { EMPTY, NEVER, Subject, catchError, concat, concatMap, defer, finalize, from, map, of, shareReplay, switchMap, takeUntil, tap, throwError, type Observable } from 'rxjs';
import { SapflowError } from '../errors/index.js';
import type { ChatModel } from '../model/index.js';
import type { ApprovalAnswer, ApprovalDecision, ChatMessage, ChatTurnEvent, ErrorInfo, ToolCallRequest, WorkflowEvent } from '../protocol/index.js';
import { isTerminalStatus, type ClaimedExecution, type ExecutionKind, type ExecutionRecord, type ExecutionStore, type LoggableEvent, type LogFence, type LogWriter, type StoredEvent } from '../store/index.js';
import { runChatTurn, runWorkflow, type Engine, type TaskDecision } from '../streams/index.js';
import type { RunMeta, RunObserver } from '../telemetry/index.js';
import type { ToolRegistry } from '../tools/index.js';
import { compileWorkflow, type CompiledWorkflow } from '../workflows/index.js';
import type { ChatToolView } from './chat-tools.js';
import type { Admission } from './admission.js';
import type { TurnGate } from './turn-gate.js';
import { withChatProgress } from './chat-progress.js';
import { approvalState, chatResumePoint, workflowResumePoint } from './resume-point.js';
import type { Logger } from '../telemetry/logger.js';
import type { Tracing } from '../telemetry/tracing.js';

export interface StartWorkflow {
  workflow: CompiledWorkflow;
  /** Inputs after `resolveInputs`. */
  inputs: Record<string, unknown>;
  user: string;
  /** Results of tasks that completed in an earlier run (Retry), reused instead of run again. */
  reuse?: Record<string, unknown>;
  /** Started by a tool of a turn or run already let in (a workflow as a tool): not counted against MAX_ACTIVE_TURNS. */
  nested?: boolean;
}

export interface StartChat {
  messages: ChatMessage[];
  user: string;
  /** useChat's chat id: how a reloaded client finds the turn again, and what approvals are bound to. */
  chatId?: string;
  /** The person's answers to approvals this turn starts with (unchecked: checked and taken here, all or none). */
  approvals?: ApprovalAnswer[];
  /** The assistant message the answers are in: the turn's stream goes on in it. */
  continues?: string;
}

export interface RunHandle<E> {
  executionId: string;
  /** The run's events from its first, to every subscriber; a chat turn's subscriber counts as its listener. */
  events: Observable<E>;
  /** A chat turn that goes on after approvals: the assistant message it adds to (its `start` chunk names it). */
  messageId?: string;
}

export interface Runs {
  /** This process's name on the leases it holds. */
  readonly owner: string;
  readonly leaseTtlMs: number;
  /**
   * Creates the execution and runs it here, or (cluster mode) queues it for whichever process takes it; either way
   * its events come numbered with their log seq.
   */
  startWorkflow(run: StartWorkflow): Promise<RunHandle<StoredEvent<WorkflowEvent>>>;
  /** The same for a chat turn; its events include the progress snapshots folded from its tool calls. */
  startChat(turn: StartChat): Promise<RunHandle<ChatTurnEvent>>;
  /** Continues a run taken over from a process that went away, from its log; gives up with `resume_failed` when it cannot. */
  resume(claimed: ClaimedExecution, options?: { reuse?: Record<string, unknown> }): Promise<void>;
  /** Resolves when this process's run of `executionId` has ended or stopped (at once when it runs none). */
  settled(executionId: string): Promise<void>;
  /**
   * A cancel asked for on another process (cluster mode): stops the run if it runs here; otherwise it is remembered
   * for a few seconds, so a run this process is just claiming is stopped as it starts.
   */
  cancelHere(executionId: string): void;
  /** A client on another process follows this chat turn (cluster mode): it keeps going as if the client were here. */
  heardListener(executionId: string): void;
  /** A chat turn's events from its first, from the log and then live, with progress; counts as a listener while subscribed. */
  followChat(executionId: string, user: string): Observable<ChatTurnEvent>;
  /** The one cancel path: a run of this process is stopped and its end logged; any other live run is marked cancelled. */
  cancel(executionId: string, user: string): Promise<ExecutionRecord | null>;
  /**
   * A person's decision on a task of their workflow run that waits for approval. Stored first (so it is never lost
   * and a second decision is refused), then given to the run: live here, at once; parked, the run is resumed here
   * (queued for a worker in cluster mode); live on another process, that process is told. Throws `unknown_execution`,
   * `unknown_task`, `task_not_waiting` or `already_decided`.
   */
  decide(executionId: string, user: string, decision: { taskId: string; approved: boolean; reason?: string }): Promise<ExecutionRecord>;
  /** Decisions stored for a run this process runs (told by another process, cluster mode): they are given to it. */
  decisionsHeard(executionId: string): void;
  /** Ids of the runs this process is running. */
  liveIds(): string[];
  /** Resolves when every run of this process has finished. */
  idle(): Promise<void>;
  /** Cancels every run of this process and waits for their ends to be logged. */
  cancelAll(): Promise<void>;
  /**
   * Stops running without ending the runs (a deploy, SIGTERM): what was logged stays, the leases are released, and
   * the next process resumes the runs at once.
   */
  handOver(): Promise<void>;
}

export interface RunPipelineDeps {
  engine: Engine;
  tools: Pick<ToolRegistry, 'get' | 'has' | 'toModelTools'>;
  /** What chat turns offer the model (CHAT_TOOLS; chat-tools.ts); `tools` when not given. */
  chatTools?: ChatToolView;
  model: ChatModel;
  store: ExecutionStore;
  writer: LogWriter;
  hub: { follow<E extends LoggableEvent>(executionId: string, userId: string, afterSeq?: number, options?: { isFinal?: (event: LoggableEvent) => boolean }): Observable<StoredEvent<E>> };
  /** This process's name on the leases it holds. */
  owner?: string;
  leaseTtlMs?: number;
  maxSteps?: number;
  /** How long a chat turn nobody listens to any more keeps running for a client to re-attach (0: cancelled at once). */
  chatGraceMs?: number;
  /** Resumes of one run before it is failed with `resume_failed`: a run that kills its process must not loop forever. */
  maxResumes?: number;
  /** Metrics: called as each run launches here, then fed each of its events once (absent: telemetry is off). */
  observe?: (run: RunMeta) => RunObserver;
  /** The `workflow` label of a run's metrics: a template's id, or `inline` for a definition sent with the request. */
  workflowLabel?: (workflow: CompiledWorkflow) => string;
  /**
   * Cluster mode: workflow runs are created unowned and queued (BullMQ) instead of run here; a worker claims each
   * (`store.claimRun`) and runs it with `resume`. Throws `redis_unavailable` when the queue cannot take the run.
   */
  dispatch?: { enqueue(executionId: string, reuse?: Record<string, unknown>): Promise<void> };
  /** Cluster mode: tells every process that a client here follows chat turn `executionId` (it runs elsewhere). */
  announceListener?: (executionId: string) => Promise<void>;
  /** Cluster mode: tells every process that decisions on `executionId` are stored (the one that runs it applies them). */
  announceDecision?: (executionId: string) => Promise<void>;
  /** Cluster mode: tells every process to cancel `executionId` (the one that runs it stops it and logs its end). */
  remoteCancel?: (executionId: string) => Promise<void>;
  /** A run whose log could not be made durable, or a lease that could not be renewed; stderr by default. */
  onError?: (error: unknown, executionId: string) => void;
  /** A span per run (telemetry/tracing.ts); none by default. */
  tracing?: Pick<Tracing, 'startRun' | 'endRun' | 'traceId'>;
  /**
   * MAX_ACTIVE_TURNS: new chat turns and workflow runs started here past it are refused with `overloaded`; resumed
   * runs, nested ones and (cluster mode) queued ones are not counted. No limit by default.
   */
  admission?: Admission;
  /** New chat turns past it wait in order, with their stream open, until the event loop can carry them (turn-gate.ts). */
  turnGate?: Pick<TurnGate, 'enter'>;
  /** A line when a run starts and ends (telemetry/logger.ts); none by default. */
  logger?: Pick<Logger, 'info' | 'error'>;
  /** The model chat turns ask, for their spans. */
  modelName?: string;
}

interface LiveRun {
  kind: ExecutionKind;
  userId: string;
  controller: AbortController;
  /** Stops the run without ending it (hand-over): nothing more is logged, the tools are torn down. */
  stop: Subject<void>;
  done: Promise<void>;
  listeners: number;
  grace?: NodeJS.Timeout;
  /** Until when a listener on another process (cluster mode) keeps the turn going. */
  remoteUntil?: number;
  /** A workflow run's inbox of decisions on its waiting tasks. */
  decisions?: Subject<TaskDecision>;
  /** It logged `workflow-waiting` and is letting go: decisions now go to the parked run, once it has. */
  parking?: boolean;
  /** Another process holds its lease now: it was stopped here. */
  lost?: boolean;
  /** Its final event is out: a listener leaving now has nothing left to cancel. */
  finished?: boolean;
}

/** Chat events that are history: the rest (argument fragments, progress snapshots) is derived again on replay. */
const UNLOGGED_CHAT = new Set(['tool-input-start', 'tool-input-delta', 'progress']);
const isChatFinal = (event: { type: string }) => event.type === 'finish';
const isWorkflowFinal = (event: { type: string }) => event.type === 'workflow-finish';
const CANCEL_WAIT_MS = 5_000;
/** How long a cancel from another process is remembered for a run not (yet) running here. */
const CANCEL_MEMORY_MS = 10_000;
/** How often a cancel of a run on another process looks whether its owner has logged the end. */
const CANCEL_POLL_MS = 20;
/** How long one announcement of a listener on another process keeps a chat turn going. */
const REMOTE_LISTENER_MS = 3_000;
const CANCELLED: ErrorInfo = { code: 'cancelled', message: 'The run was cancelled' };

/**
 * The one place every run starts, chat turn or workflow: it creates the execution with this process's lease, runs
 * it, writes its events to the log, holds the final event until the log is durable, numbers the events and shares
 * them with every listener. Runs belong to the process, not to a request; a lease heartbeat keeps them ours.
 */
export function createRunPipeline(deps: RunPipelineDeps): Runs {
  const { engine, store, writer } = deps;
  const owner = deps.owner ?? `sapflow-${randomUUID()}`;
  const leaseTtlMs = deps.leaseTtlMs ?? 6_000;
  const chatGraceMs = deps.chatGraceMs ?? 0;
  const maxResumes = deps.maxResumes ?? 5;
  const { logger } = deps;
  const onError =
    deps.onError ??
    ((error: unknown, executionId: string) =>
      logger ? logger.error({ executionId, err: error }, `run ${executionId}: ${error instanceof Error ? error.message : String(error)}`) : console.error(`[sapflow] run ${executionId}:`, error));
  const running = new Map<string, LiveRun>();
  /** Chat turns created here that wait at the turn gate: their leases are ours too. */
  const gated = new Set<string>();
  /** Checks after a run parked (resumeIfDecided); a process stopping waits for them before its store closes. */
  const afterParking = new Set<Promise<void>>();
  let handingOver = false;
  const cancelAsked = new Map<string, NodeJS.Timeout>();
  const chatName = deps.modelName ?? deps.model.kind;
  const workflowLabel = deps.workflowLabel ?? ((workflow: CompiledWorkflow) => workflow.id);
  const CHAT_META: RunMeta = { kind: 'chat', workflow: 'chat' };

  // one statement renews every lease of this process; a failure (database away) is retried on the next beat. A
  // lease that was not renewed is gone if another process holds it now (this one was starved past its expiry): the
  // run stops here at once rather than at its next log write, which the fence would refuse anyway
  let renewing = false;
  const heartbeat = setInterval(() => {
    if (renewing || (running.size === 0 && gated.size === 0)) return;
    renewing = true;
    const ids = [...running.keys(), ...gated];
    store
      .renewLeases(owner, ids, leaseTtlMs)
      .then(async (renewed) => {
        const kept = new Set(renewed);
        for (const id of ids.filter((i) => !kept.has(i) && running.has(i))) {
          const lease = await store.leaseOf(id);
          if (lease?.live && lease.owner !== null && lease.owner !== owner) stopLost(id);
        }
      })
      .catch((error: unknown) => onError(error, 'lease heartbeat'))
      .finally(() => (renewing = false));
  }, Math.max(50, Math.floor(leaseTtlMs / 3)));
  heartbeat.unref();

  // Cluster mode: a workflow run's followers are on other processes and see only what is durable, so its events go
  // to the log once the current tick is over (one batch per burst) instead of after the writer's interval. Chat
  // turns keep the interval: their client is here and gets the live events directly.
  const flushing = new Set<string>();
  const flushSoon = (executionId: string) => {
    if (flushing.has(executionId)) return;
    flushing.add(executionId);
    setImmediate(() => {
      flushing.delete(executionId);
      writer.flush(executionId).catch(() => {}); // the writer reports its own failures and keeps the events
    });
  };

  /** Another process took the run over (its lease lapsed while this one was starved): it stops here, unended. */
  const stopLost = (executionId: string) => {
    const run = running.get(executionId);
    if (!run || run.lost) return;
    run.lost = true;
    onError(new SapflowError('lease_lost', `run ${executionId} was taken over by another process; stopped here`), executionId);
    run.stop.next();
  };
  const fenceOf = (executionId: string): LogFence => ({ owner, lost: () => stopLost(executionId) });
  const isLeaseLost = (error: unknown) => error instanceof SapflowError && error.code === 'lease_lost';

  /** Runs `source` as execution `executionId`: logged, final held until durable, shared, cancellable. */
  const launch = <E extends { type: string }>(
    executionId: string,
    kind: ExecutionKind,
    userId: string,
    source: (signal: AbortSignal) => Observable<E>,
    { logged = true, name, workflow, decisions, release }: { logged?: boolean; name: string; workflow?: CompiledWorkflow; decisions?: Subject<TaskDecision>; release?: () => void },
  ): Observable<E> => {
    const controller = new AbortController();
    const stop = new Subject<void>();
    const observer = deps.observe?.(kind === 'chat' ? CHAT_META : { kind, workflow: workflow ? workflowLabel(workflow) : name, tasks: workflow?.tasks });
    const isFinal = kind === 'chat' ? isChatFinal : isWorkflowFinal;
    deps.tracing?.startRun({ executionId, kind, name });
    const startedAt = Date.now();
    logger?.info({ executionId, kind, name, traceId: deps.tracing?.traceId(executionId) }, `${kind} run ${executionId} (${name}) started`);
    let ended = false;
    // the run's end, said once: its log line and its span
    const end = (status: string, error?: ErrorInfo) => {
      if (ended) return;
      ended = true;
      logger?.info(
        { executionId, kind, name, status, durationMs: Date.now() - startedAt, traceId: deps.tracing?.traceId(executionId) },
        `${kind} run ${executionId} (${name}) ${status}`,
      );
      deps.tracing?.endRun(executionId, { status, error });
    };
    const fence = fenceOf(executionId);
    const toLoggable = (event: E): LoggableEvent | undefined =>
      kind === 'workflow' ? (event as unknown as LoggableEvent) : UNLOGGED_CHAT.has(event.type) ? undefined : { ...event, executionId };
    const events = source(controller.signal).pipe(
      takeUntil(stop),
      concatMap((event) => {
        // here every event of the run passes exactly once, however many listen
        observer?.event(event as unknown as ChatTurnEvent);
        const loggable = logged ? toLoggable(event) : undefined;
        if (loggable) {
          writer.write(loggable, fence);
          if (kind === 'workflow' && deps.dispatch) flushSoon(executionId);
        }
        const parks = event.type === 'workflow-waiting';
        if (parks) run.parking = true;
        // a timeout's denial is stored as a decision too, so a person deciding later is told it was decided
        const approval = event as unknown as { type: string; taskId: string; approved: boolean; by: string; reason?: string };
        if (approval.type === 'task-approval' && approval.by === 'timeout') {
          store.recordDecision(executionId, userId, { taskId: approval.taskId, approved: false, by: 'timeout', reason: approval.reason }).catch((error: unknown) => onError(error, executionId));
        }
        // parking is an end too: the row must say `waiting` before anyone may resume the run
        if (!logged || (!isFinal(event) && !parks)) return of(event);
        // after one I/O poll: a cancelled run's teardown (its sockets closing) goes ahead of the log write, which on
        // the embedded store runs on this thread
        return defer(() => afterNextPoll().then(() => writer.flush(executionId))).pipe(
          map(() => event),
          // refused by the fence: the process that holds the run now logs its end, not this one
          catchError((error: unknown) => (isLeaseLost(error) ? EMPTY : throwError(() => error))),
        );
      }),
      shareReplay(),
    );
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const run: LiveRun = { kind, userId, controller, stop, done, listeners: 0, decisions };
    running.set(executionId, run);
    void done.then(() => {
      release?.();
      observer?.end();
      clearTimeout(run.grace);
      running.delete(executionId);
    });
    events.subscribe({
      next: (event) => {
        if (!isFinal(event)) return;
        run.finished = true;
        const final = event as unknown as { status?: string; finishReason?: string };
        end(final.status ?? final.finishReason ?? 'finished');
      },
      error: (error: unknown) => {
        onError(error, executionId);
        end('failed', { code: 'store_error', message: error instanceof Error ? error.message : String(error) });
        settle();
      },
      complete: () => {
        if (run.parking) {
          end('waiting');
          settle();
          // safety net: a decision stored as the run parked (its inbox already closed) resumes the run now; not while
          // the process stops, whose store is about to close
          const check = done
            .then(() => (handingOver ? undefined : resumeIfDecided(executionId, userId)))
            .catch((error: unknown) => onError(error, executionId))
            .finally(() => afterParking.delete(check));
          afterParking.add(check);
          return;
        }
        // ended without its final event: handed over to the next process
        end('handed-over');
        settle();
      },
    });
    // cancelled on another process while this one was claiming it
    if (cancelAsked.has(executionId)) controller.abort();
    return events;
  };

  /** Nobody listens here: a listener elsewhere (cluster) holds the turn a while; then the grace period starts. */
  const unheard = (executionId: string, run: LiveRun) => {
    clearTimeout(run.grace);
    if (run.listeners > 0 || run.finished || !running.has(executionId)) return;
    const heardElsewhere = (run.remoteUntil ?? 0) - Date.now();
    if (heardElsewhere > 0) run.grace = setTimeout(() => unheard(executionId, run), heardElsewhere);
    else if (chatGraceMs === 0) run.controller.abort();
    else run.grace = setTimeout(() => run.controller.abort(), chatGraceMs);
  };

  /** Counts a subscriber as a listener of a live chat turn; the last one leaving starts the grace period. */
  const listened = <E>(executionId: string, events: Observable<E>): Observable<E> =>
    defer(() => {
      const run = running.get(executionId);
      if (!run) return events;
      run.listeners += 1;
      clearTimeout(run.grace);
      return events.pipe(
        finalize(() => {
          run.listeners -= 1;
          unheard(executionId, run);
        }),
      );
    });

  /** Cluster mode: a follower of a turn that runs on another process says so, every third of REMOTE_LISTENER_MS. */
  const announced = <E>(executionId: string, events: Observable<E>): Observable<E> => {
    const announce = deps.announceListener;
    if (!announce) return events;
    return defer(() => {
      if (running.has(executionId)) return events;
      const say = () => void announce(executionId).catch(() => {});
      say();
      const beat = setInterval(say, REMOTE_LISTENER_MS / 3);
      return events.pipe(finalize(() => clearInterval(beat)));
    });
  };

  /** What a chat turn is, besides its messages: its chat (approvals are bound to it) and the answers it starts with. */
  interface ChatTurnContext {
    chatId?: string;
    decided?: ApprovalDecision[];
    messageId?: string;
    resume?: Parameters<typeof runChatTurn>[0]['resume'];
  }
  const chatSource = (executionId: string, user: string, messages: ChatMessage[], { chatId, decided, messageId, resume }: ChatTurnContext) => (signal: AbortSignal) => {
    // an approval is recorded before the client hears of it, so any approvalId a client holds is one Sapflow issued
    const approvals = chatId
      ? { request: (call: ToolCallRequest) => defer(() => store.issueApproval({ userId: user, chatId, executionId, toolCallId: call.id, toolName: call.name, arguments: call.arguments })) }
      : undefined;
    return runChatTurn({ model: deps.model, tools: deps.chatTools ?? deps.tools, messages, engine, executionId, user, maxSteps: deps.maxSteps, signal, resume, approvals, decided, messageId });
  };

  const withProgress = (executionId: string) =>
    withChatProgress(executionId, { estimate: (fn) => engine.stats.estimate(fn), maxParallel: engine.maxParallel, now: () => engine.scheduler.now() });

  /**
   * Ends a run that nobody runs with its final event, which sets the row's status and error in the same statement:
   * no follower can find the row finished before its end is in the log, and no claim can take it after.
   */
  const endUnrun = async (execution: ExecutionRecord, status: 'failed' | 'cancelled', error: ErrorInfo, fence?: LogFence) => {
    const at = new Date().toISOString();
    const durationMs = execution.startedAt ? Date.now() - Date.parse(execution.startedAt) : 0;
    const finish = { type: 'workflow-finish', executionId: execution.id, at, status, tasks: execution.tasks, durationMs, error };
    const events: LoggableEvent[] =
      execution.kind === 'chat'
        ? [{ type: 'error', executionId: execution.id, error } as LoggableEvent, finish, { type: 'finish', executionId: execution.id, finishReason: 'error' } as LoggableEvent]
        : [finish];
    for (const event of events) writer.write(event, fence);
    await writer.flush(execution.id);
  };

  /** Ends a run that cannot go on: failed with `resume_failed`. */
  const giveUp = (claimed: ClaimedExecution, message: string) =>
    // claimed here, so fenced: should another process have taken it meanwhile, the end is that one's to log
    endUnrun(claimed, 'failed', { code: 'resume_failed', message }, fenceOf(claimed.id)).catch((error: unknown) => {
      if (!isLeaseLost(error)) throw error;
    });

  /** Cluster mode: a run on another process (or on none) is cancelled where it runs, or here when nobody runs it. */
  const cancelElsewhere = async (executionId: string, user: string, remoteCancel: (id: string) => Promise<void>) => {
    // someone else's run is not ours to stop, not even by asking
    const mine = await store.getExecution(executionId, user);
    if (!mine || isTerminalStatus(mine.status)) return;
    await remoteCancel(executionId).catch((error: unknown) => onError(error, executionId));
    const deadline = Date.now() + CANCEL_WAIT_MS;
    for (;;) {
      const execution = await store.getExecution(executionId, user);
      if (!execution || isTerminalStatus(execution.status)) return;
      const lease = await store.leaseOf(executionId);
      // queued, released or orphaned: nobody will log its end, so it is logged here (a claim now finds it finished)
      if (!lease?.held) return endUnrun(execution, 'cancelled', CANCELLED);
      if (Date.now() > deadline) {
        await store.setStatus(executionId, user, 'cancelled', CANCELLED);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, CANCEL_POLL_MS));
    }
  };

  const resumeWorkflow = async (claimed: ClaimedExecution, log: StoredEvent<WorkflowEvent>[], reuse?: Record<string, unknown>) => {
    let workflow: CompiledWorkflow;
    try {
      workflow = compileWorkflow(claimed.definition, { hasTool: (name) => deps.tools.has(name) });
    } catch (error) {
      return giveUp(claimed, `The workflow can no longer run as it was defined: ${error instanceof Error ? error.message : String(error)}`);
    }
    const point = workflowResumePoint(log.map((s) => s.event));
    const unknown = Object.keys(point.settled).find((id) => !workflow.tasks.some((t) => t.id === id));
    if (unknown) return giveUp(claimed, `The log names task ${unknown}, which the definition does not have`);
    // a queued run taken for the first time (cluster mode) starts as new: a run with an empty log and no resume
    const fresh = log.length === 0 && claimed.resumeCount === 0;
    const resume = fresh ? undefined : { settled: point.settled, startedAt: point.startedAt, attempt: claimed.resumeCount, approvals: point.approvals };
    // decisions stored while nobody ran it (parked, or its process gone) that its log does not show yet
    const stored = fresh ? [] : (await store.listDecisions(claimed.id)).filter((d) => !point.approvals[d.taskId]?.decision);
    const inbox = new Subject<TaskDecision>();
    const decisions = concat(from(stored.map(({ at: _at, ...decision }) => decision)), inbox);
    launch(claimed.id, 'workflow', claimed.userId, (signal) =>
      runWorkflow(workflow, engine, { tools: deps.tools, inputs: claimed.input, executionId: claimed.id, user: claimed.userId, signal, resume, reuse, decisions }),
      { name: workflow.id, workflow, decisions: inbox },
    );
  };

  /** Runs a parked run again that `store.wakeRun` made runnable: here, or queued for a worker (cluster mode). */
  const runWoken = async (executionId: string) => {
    if (deps.dispatch) return deps.dispatch.enqueue(executionId);
    const claimed = await store.claimRun(owner, executionId, leaseTtlMs);
    // null: a sweep took it first, and resumes it with the stored decisions
    if (claimed) await pipeline.resume(claimed);
  };

  /** After a run parked: a decision stored meanwhile (it reached the run too late) resumes it. */
  const resumeIfDecided = async (executionId: string, userId: string) => {
    const execution = await store.getExecution(executionId, userId);
    if (!execution || execution.status !== 'waiting') return;
    const waiting = Object.entries(execution.tasks).filter(([, t]) => t.status === 'waiting').map(([id]) => id);
    const decided = await store.listDecisions(executionId);
    if (!decided.some((d) => waiting.includes(d.taskId))) return;
    if (await store.wakeRun(executionId, userId)) await runWoken(executionId);
  };

  /** Gives a run live here the decisions stored for it; the engine ignores those it has. */
  const deliverStored = async (executionId: string) => {
    const run = running.get(executionId);
    if (!run?.decisions || run.parking) return;
    for (const { at: _at, ...decision } of await store.listDecisions(executionId)) run.decisions.next(decision);
  };

  const resumeChat = async (claimed: ClaimedExecution, log: StoredEvent<ChatTurnEvent>[]) => {
    const messages = (claimed.input as { messages?: unknown }).messages;
    if (!Array.isArray(messages)) return giveUp(claimed, 'The chat turn was logged without its messages, so it cannot be continued');
    const point = chatResumePoint(messages as ChatMessage[], log.map((s) => s.event));
    const { decided } = claimed.input as { decided?: ApprovalDecision[] };
    const context = { chatId: claimed.chatId ?? undefined, decided, resume: { ...point, attempt: claimed.resumeCount } };
    // nobody listens yet: a reloaded client re-attaches through followChat
    launch(claimed.id, 'chat', claimed.userId, chatSource(claimed.id, claimed.userId, point.messages, context), { name: chatName });
  };

  const pipeline: Runs = {
    owner,
    leaseTtlMs,

    async startWorkflow({ workflow, inputs, user, reuse, nested }) {
      const executionId = randomUUID();
      const { dispatch } = deps;
      // queued runs wait for a worker's slot, so only a run of this process takes one of its places
      const release = nested || dispatch ? undefined : deps.admission?.enter();
      try {
        await store.createExecution({
          id: executionId, workflowId: workflow.id, kind: 'workflow', userId: user, input: inputs,
          definition: { ...workflow.definition, tasks: workflow.tasks }, leaseOwner: dispatch ? undefined : owner, leaseTtlMs, queued: !!dispatch,
        });
      } catch (error) {
        release?.();
        throw error;
      }
      if (dispatch) {
        try {
          await dispatch.enqueue(executionId, reuse);
        } catch (error) {
          // not accepted: the row says so, and nobody will ever claim it
          await store.setStatus(executionId, user, 'failed', { code: 'redis_unavailable', message: 'The run could not be queued' }).catch(() => {});
          throw error;
        }
        return { executionId, events: deps.hub.follow<WorkflowEvent & LoggableEvent>(executionId, user, 0, { isFinal: isWorkflowFinal }) as Observable<StoredEvent<WorkflowEvent>> };
      }
      const inbox = new Subject<TaskDecision>();
      const events = launch(executionId, 'workflow', user, (signal) =>
        runWorkflow(workflow, engine, { tools: deps.tools, inputs, executionId, user, signal, reuse, decisions: inbox }),
        { name: workflow.id, workflow, decisions: inbox, release },
      );
      // a run that parks goes on elsewhere in time (resumed from the log): its followers follow the log from there
      const numbered = defer(() => {
        let last: StoredEvent<WorkflowEvent> | undefined;
        return concat(
          events.pipe(map((event, i) => (last = { seq: i + 1, event }))),
          defer(() => (last?.event.type === 'workflow-waiting'
            ? deps.hub.follow<WorkflowEvent & LoggableEvent>(executionId, user, last.seq, { isFinal: isWorkflowFinal }) as Observable<StoredEvent<WorkflowEvent>>
            : EMPTY)),
        );
      });
      return { executionId, events: numbered };
    },

    async startChat({ messages, user, chatId, approvals = [], continues }) {
      const release = deps.admission?.enter();
      const executionId = randomUUID();
      // answers are checked against what was issued, and taken, before anything runs; a bad one refuses the turn
      let decided: ApprovalDecision[] = [];
      try {
        if (approvals.length > 0 && !chatId) throw new SapflowError('approval_invalid', 'Approval answers need the chat id they were asked in');
        if (approvals.length > 0) decided = await store.decideApprovals(user, chatId!, approvals, executionId);
      } catch (error) {
        release?.(); // a refused turn holds no admission slot
        throw error;
      }
      const input = { messages, ...(decided.length > 0 ? { decided } : {}) };
      // the log is history, not the answer: with the store away the turn still runs, unlogged and not resumable
      const created = store
        .createExecution({ id: executionId, workflowId: 'chat', kind: 'chat', userId: user, input, leaseOwner: owner, leaseTtlMs, chatId })
        .then(
          () => true,
          (error: unknown) => {
            onError(new SapflowError('store_error', `chat turn ${executionId} is not logged: the execution could not be created`, { cause: error }), executionId);
            return false;
          },
        );
      const context = { chatId, decided, messageId: decided.length > 0 ? continues : undefined };
      // Answered before the row is written: under load the store's queue is long, and the client's first byte (the
      // `start` chunk) need not wait for it. Subscribers meanwhile wait; one that left before the launch is a turn
      // nobody listens to. The launch waits one I/O poll more: in a burst of new clients (a restart, a cold start)
      // their first bytes go out before the turns ahead of them build their model requests.
      let waiting = 0;
      gated.add(executionId);
      const ready = Promise.all([created, deps.turnGate?.enter()]).then(async (entered) => {
        await afterNextPoll();
        return entered;
      });
      const launched = ready.then(([logged, leaveGate]): Observable<ChatTurnEvent> => {
        gated.delete(executionId);
        const done = () => {
          release?.();
          leaveGate?.();
        };
        // handed over while it waited: the next process resumes it, and its client re-attaches there
        if (handingOver) {
          done();
          return NEVER;
        }
        const events = launch(executionId, 'chat', user, chatSource(executionId, user, messages, context), { logged, name: chatName, release: done }).pipe(withProgress(executionId));
        // a client that subscribes a moment later (the route, once this resolves) is not a client that left
        setImmediate(() => {
          const run = running.get(executionId);
          if (run && waiting === 0 && run.listeners === 0) unheard(executionId, run);
        });
        return events;
      });
      const events = defer(() => {
        waiting += 1;
        let counted = true;
        const leave = () => {
          if (!counted) return;
          counted = false;
          waiting -= 1;
        };
        return from(launched).pipe(
          tap(leave),
          switchMap((live) => listened(executionId, live)),
          finalize(leave),
        );
      });
      return { executionId, events, messageId: context.messageId };
    },

    async resume(claimed, { reuse } = {}) {
      if (running.has(claimed.id)) return;
      if (claimed.resumeCount > maxResumes) {
        return giveUp(claimed, `The run was resumed ${claimed.resumeCount - 1} times and its process went away each time; it is not tried again`);
      }
      // never claimed before (a queued run's first claim): nothing can be in its log yet
      const firstClaim = claimed.resumeCount === 0 && claimed.kind === 'workflow' && claimed.lastSeq === 0;
      const log = firstClaim ? [] : await store.readEvents<WorkflowEvent & ChatTurnEvent>(claimed.id, claimed.userId);
      if (claimed.kind === 'chat') return resumeChat(claimed, log);
      return resumeWorkflow(claimed, log, reuse);
    },

    settled: (executionId) => running.get(executionId)?.done ?? Promise.resolve(),

    heardListener(executionId) {
      const run = running.get(executionId);
      if (!run || run.kind !== 'chat') return;
      run.remoteUntil = Date.now() + REMOTE_LISTENER_MS;
      if (run.listeners === 0) unheard(executionId, run);
    },

    cancelHere(executionId) {
      const run = running.get(executionId);
      if (run) return run.controller.abort();
      clearTimeout(cancelAsked.get(executionId));
      const timer = setTimeout(() => cancelAsked.delete(executionId), CANCEL_MEMORY_MS);
      timer.unref();
      cancelAsked.set(executionId, timer);
    },

    followChat(executionId, user) {
      const replayed = deps.hub
        .follow<ChatTurnEvent & LoggableEvent>(executionId, user, 0, { isFinal: isChatFinal })
        .pipe(map((stored) => stored.event as ChatTurnEvent), withProgress(executionId));
      return listened(executionId, announced(executionId, replayed));
    },

    async cancel(executionId, user) {
      const run = running.get(executionId);
      if (run && run.userId === user) {
        run.controller.abort();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([run.done, new Promise((resolve) => (timer = setTimeout(resolve, CANCEL_WAIT_MS)))]);
        clearTimeout(timer);
      } else if (deps.remoteCancel) {
        await cancelElsewhere(executionId, user, deps.remoteCancel);
      } else {
        // not running here (a process that went away, or another gateway's run): record the decision; a parked run
        // has nobody to log its end, so it is logged here and its followers see it
        const execution = await store.getExecution(executionId, user);
        if (execution?.status === 'waiting') await endUnrun(execution, 'cancelled', CANCELLED);
        else await store.setStatus(executionId, user, 'cancelled', CANCELLED);
      }
      return store.getExecution(executionId, user);
    },

    liveIds: () => [...running.keys()],

    async idle() {
      await Promise.all([...running.values()].map((r) => r.done));
    },

    async cancelAll() {
      for (const run of running.values()) run.controller.abort();
      await this.idle();
    },

    async handOver() {
      handingOver = true;
      clearInterval(heartbeat);
      for (const timer of cancelAsked.values()) clearTimeout(timer);
      // a turn still at the gate never starts here: its lease goes too, and the next process resumes it
      const ids = [...running.keys(), ...gated];
      for (const run of running.values()) run.stop.next();
      await writer.flush().catch((error: unknown) => onError(error, 'hand-over'));
      await store.releaseLeases(owner, ids).catch((error: unknown) => onError(error, 'hand-over'));
      await Promise.all([...afterParking]);
    },

    async decide(executionId, user, { taskId, approved, reason }) {
      const execution = await store.getExecution(executionId, user);
      if (!execution) throw new SapflowError('unknown_execution', `No execution ${executionId}`);
      const tasks = (execution.definition as { tasks?: { id: string }[] } | null)?.tasks ?? [];
      if (execution.kind !== 'workflow' || !tasks.some((t) => t.id === taskId)) {
        throw new SapflowError('unknown_task', `Execution ${executionId} has no task ${taskId}`, { details: { taskId } });
      }
      const log = await store.readEvents<WorkflowEvent>(executionId, user);
      const state = approvalState(log.map((s) => s.event), taskId);
      if (state === 'decided') throw new SapflowError('already_decided', `Task ${taskId} was decided already`, { details: { taskId } });
      if (state !== 'waiting' || isTerminalStatus(execution.status)) {
        const why = isTerminalStatus(execution.status) ? `the run has finished (${execution.status})` : state === 'settled' ? 'it has finished' : 'it is not waiting for approval';
        throw new SapflowError('task_not_waiting', `Task ${taskId} cannot be decided: ${why}`, { details: { taskId, status: execution.status } });
      }
      if (!(await store.recordDecision(executionId, user, { taskId, approved, by: user, reason }))) {
        throw new SapflowError('already_decided', `Task ${taskId} was decided already`, { details: { taskId } });
      }
      const decision: TaskDecision = { taskId, approved, by: user, ...(reason ? { reason } : {}) };
      const live = running.get(executionId);
      if (live?.decisions && !live.parking) live.decisions.next(decision);
      else {
        // parking: wait until the row says so, then wake it like any parked run
        if (live) await live.done;
        if (await store.wakeRun(executionId, user)) await runWoken(executionId);
        else if (deps.announceDecision) await deps.announceDecision(executionId).catch((error: unknown) => onError(error, executionId));
        // woken by someone else a moment ago (a sweep) and launched here meanwhile: the stored decision reaches it
        else await deliverStored(executionId);
      }
      return (await store.getExecution(executionId, user)) ?? execution;
    },

    decisionsHeard(executionId) {
      void deliverStored(executionId).catch((error: unknown) => onError(error, executionId));
    },
  };
  return pipeline;
}

/** Resolves after the event loop has been through its I/O poll at least once (two check phases later). */
function afterNextPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

export function assertRunnable(workflow: CompiledWorkflow | undefined, id: string): CompiledWorkflow {
  if (!workflow) throw new SapflowError('unknown_workflow', `No workflow template "${id}"`);
  return workflow;
}
