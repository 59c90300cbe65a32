import { EMPTY, Observable, catchError, concat, defer, fromEvent, map, merge, mergeMap, of, take, takeUntil } from 'rxjs';
import { toErrorInfo, toSapflowError } from '../errors/index.js';
// Type-only: the model layer's chunk shapes are the input contract of a chat turn; no runtime import crosses.
import type { ModelChunk, ModelRequest } from '../model/chat-model.js';
import type { ApprovalDecision, ChatMessage, ChatTurnEvent, ErrorInfo, FinishReason, ModelTool, TaskOutcome, ToolCallRequest, WorkflowFinishEvent } from '../protocol/index.js';
import type { Tool } from '../tools/tool.js';
import { createConcurrencyLimiter } from './concurrency-limiter.js';
import { withDecisions } from './decided-messages.js';
import type { Engine } from './engine.js';
import { isoTime } from './iso-time.js';
import { runToolCall } from './run-tool-call.js';
import { stepMessages } from './step-messages.js';
import { outcomeOf } from './task-outcome.js';

/** Where a turn cut off by a crash goes on from (read from its log by the runtime). */
export interface ChatTurnResume {
  /** The conversation up to the step to continue: the turn's messages, then every step that finished. */
  messages: ChatMessage[];
  step: number;
  /** A step that had asked for tools: its calls run (or are reused) and the model is asked only for what follows. */
  cut?: { text: string; calls: ToolCallRequest[] };
  /** Tool calls that settled before the crash, by toolCallId: reused, not run again. */
  settled: Record<string, TaskOutcome>;
  /** Calls held for approval before the crash (toolCallId -> approvalId): still held, not run. */
  held?: Record<string, string>;
  /** ms of the turn's `workflow-start`, so its duration covers the whole turn. */
  startedAt?: number;
  /** Which resume this is (1 for the first). */
  attempt: number;
}

export interface ChatTurnOptions {
  model: { stream(request: ModelRequest): Observable<ModelChunk> };
  tools: { get(name: string): Tool | undefined; toModelTools(): ModelTool[] };
  messages: ChatMessage[];
  engine: Engine;
  executionId: string;
  user?: string;
  maxSteps?: number;
  /** Aborting ends the turn at once: running tools and the model request are torn down, the turn finishes `cancelled`. */
  signal?: AbortSignal;
  /** Continue a turn from its log instead of starting it: a `run-resumed` event comes first instead of `workflow-start`. */
  resume?: ChatTurnResume;
  /**
   * Where calls of a tool with `needs_approval` are recorded (the runtime: the store, for this user and chat); it
   * answers the approval's id. Without it such calls fail with `approval_unavailable`.
   */
  approvals?: { request(call: ToolCallRequest): Observable<string> };
  /** The person's answers this turn starts with, as recorded: approved calls run first, denied ones never. */
  decided?: ApprovalDecision[];
  /** The assistant message this turn's stream adds to (a turn that goes on after approvals); said in `workflow-start`. */
  messageId?: string;
}

/**
 * One chat request as one ordered stream: model text passes straight through; each tool call starts the moment
 * its own arguments are complete (`tool-call-ready`), under the engine's parallel limit, and its result is
 * emitted the moment it settles. Results go back to the model as `tool` messages; the loop runs until the model
 * answers without tools or `maxSteps` is reached. Tool failures are values the model sees; a model failure ends
 * the turn with an `error` event, never an error notification. Progress snapshots are folded by the runtime.
 * A call of a tool that needs approval is recorded and announced (`tool-approval-request`) instead of run; once the
 * step's other calls are done the turn ends, waiting. The next turn starts with the person's answers (`decided`).
 */
export function runChatTurn(options: ChatTurnOptions): Observable<ChatTurnEvent> {
  return defer(() => {
    const { engine, executionId, maxSteps = 5, resume } = options;
    const at = () => isoTime(engine.scheduler.now());
    const modelTools = options.tools.toModelTools();
    const limit = createConcurrencyLimiter(engine.maxParallel);
    const startedAt = resume?.startedAt ?? engine.scheduler.now();
    const outcomes: Record<string, TaskOutcome> = { ...resume?.settled };

    const fail = (call: ToolCallRequest, error: ErrorInfo): Observable<ChatTurnEvent> => {
      outcomes[call.id] = { status: 'failed', error, durationMs: 0, attempts: 0 };
      return of({ type: 'task-failed', executionId, at: at(), taskId: call.id, error, durationMs: 0, attempts: 0 });
    };

    const runCall = (call: ToolCallRequest, idempotencyKey?: string): Observable<ChatTurnEvent> => {
      const args = parseArgs(call.arguments);
      if (!args.ok) return fail(call, { code: 'invalid_arguments', message: `Arguments for ${call.name} are not valid JSON` });
      const toolCall = { executionId, taskId: call.id, toolName: call.name, tool: options.tools.get(call.name), args: args.value, user: options.user ?? 'local', idempotencyKey };
      return limit(runToolCall(toolCall, engine)).pipe(
        map((event) => {
          if (event.type === 'task-complete' || event.type === 'task-failed') outcomes[event.taskId] = outcomeOf(event);
          return event;
        }),
      );
    };

    // calls held for a person's approval (toolCallId -> approvalId): they do not run in this turn
    const held = new Map(Object.entries(resume?.held ?? {}));
    const holdCall = (call: ToolCallRequest): Observable<ChatTurnEvent> => {
      if (!options.approvals) return fail(call, { code: 'approval_unavailable', message: `${call.name} needs a person's approval, which needs useChat's chat id` });
      return options.approvals.request(call).pipe(
        take(1),
        map((approvalId): ChatTurnEvent => {
          held.set(call.id, approvalId);
          return { type: 'tool-approval-request', toolCallId: call.id, toolName: call.name, approvalId };
        }),
        // not recorded, so nobody could ever approve it: the call fails now instead of waiting forever
        catchError((error: unknown) => fail(call, toErrorInfo(toSapflowError(error, 'store_error')))),
      );
    };

    /** A call whose arguments are complete: run it, or hold it for approval when its tool needs one and they are valid. */
    const startCall = (call: ToolCallRequest): Observable<ChatTurnEvent> => {
      const tool = options.tools.get(call.name);
      const args = parseArgs(call.arguments);
      // arguments the tool would refuse are not put to a person: the call fails as it would have
      if (tool?.needs_approval && args.ok && tool.parameters.safeParse(args.value).success) return holdCall(call);
      return runCall(call);
    };

    /** The person's answers: each is said (denied ones end there), approved calls run with their recorded key. */
    const decided = options.decided ?? [];
    const decisions$ = merge(
      ...decided.map((d) =>
        concat(
          of<ChatTurnEvent>({ type: 'tool-approval-decided', toolCallId: d.toolCallId, toolName: d.toolName, approvalId: d.approvalId, approved: d.approved, ...(d.reason !== undefined ? { reason: d.reason } : {}) }),
          d.approved && !(d.toolCallId in outcomes) ? runCall({ id: d.toolCallId, name: d.toolName, arguments: d.arguments }, d.idempotencyKey) : EMPTY,
        ),
      ),
    );

    /** After a step's tool calls settled: the step's end, then the next step with their results, or the turn's end. */
    const afterCalls = (messages: ChatMessage[], n: number, text: string, calls: ToolCallRequest[], finishReason: FinishReason): Observable<ChatTurnEvent> => {
      const stepEnd: ChatTurnEvent = { type: 'step-finish', finishReason: calls.length ? 'tool-calls' : finishReason };
      // a call waiting for a person ends the turn: the model is asked again once the answer comes, in the next turn
      const waiting = calls.some((c) => held.has(c.id) && !(c.id in outcomes));
      if (calls.length === 0 || n >= maxSteps || waiting) return of(stepEnd, finish(stepEnd.finishReason));
      return concat(of(stepEnd), step([...messages, ...stepMessages(text, calls, outcomes)], n + 1));
    };

    const step = (messages: ChatMessage[], n: number): Observable<ChatTurnEvent> =>
      defer(() => {
        const calls: ToolCallRequest[] = [];
        let text = '';
        let finishReason: FinishReason = 'stop';
        const turn$ = options.model.stream({ messages, tools: modelTools }).pipe(
          mergeMap((chunk): Observable<ChatTurnEvent> => {
            switch (chunk.type) {
              case 'text-delta':
                text += chunk.delta;
                return of({ type: 'text-delta', delta: chunk.delta });
              case 'tool-call-start':
                return of({ type: 'tool-input-start', toolCallId: chunk.id, toolName: chunk.name });
              case 'tool-call-delta':
                return of({ type: 'tool-input-delta', toolCallId: chunk.id, delta: chunk.argsDelta });
              case 'tool-call-ready': {
                const call = { id: chunk.id, name: chunk.name, arguments: chunk.args };
                calls.push(call);
                const args = parseArgs(chunk.args);
                // arguments that are not JSON are shown to the client as the text the model sent
                const input = args.ok ? args.value : chunk.args;
                return concat(of<ChatTurnEvent>({ type: 'tool-input-available', toolCallId: chunk.id, toolName: chunk.name, input }), startCall(call));
              }
              case 'finish':
                finishReason = chunk.finishReason;
                return EMPTY;
            }
          }),
        );
        return concat(of<ChatTurnEvent>({ type: 'step-start', step: n }), turn$, defer(() => afterCalls(messages, n, text, calls, finishReason)));
      });

    const finish = (finishReason: FinishReason): ChatTurnEvent => ({ type: 'finish', finishReason });
    const workflowFinish = (
      status: WorkflowFinishEvent['status'] = Object.values(outcomes).some((o) => o.status === 'failed') ? 'partial' : 'completed',
    ): ChatTurnEvent => ({ type: 'workflow-finish', executionId, at: at(), status, tasks: { ...outcomes }, durationMs: engine.scheduler.now() - startedAt });

    const first: ChatTurnEvent = resume
      ? { type: 'run-resumed', executionId, at: at(), attempt: resume.attempt, reusedTasks: Object.keys(resume.settled) }
      : { type: 'workflow-start', executionId, at: at(), workflowId: 'chat', name: 'Chat turn', input: options.messageId !== undefined ? { messageId: options.messageId } : {}, tasks: [] };
    // a cut step's calls that had not settled (nor wait for a person) run again (same toolCallId, same idempotency key)
    const goOn = (messages: ChatMessage[]): Observable<ChatTurnEvent> =>
      resume?.cut
        ? concat(
            merge(...resume.cut.calls.filter((c) => !(c.id in outcomes) && !held.has(c.id)).map(startCall)),
            defer(() => afterCalls(messages, resume.step, resume.cut!.text, resume.cut!.calls, 'tool-calls')),
          )
        : step(messages, resume?.step ?? 1);
    // the answers come first, then the model is asked with their results (a resumed turn answers them again: idempotent)
    const steps$ = concat(decisions$, defer(() => goOn(withDecisions(resume?.messages ?? options.messages, decided, outcomes))));

    const signal = options.signal;
    const aborted$: Observable<unknown> = !signal ? EMPTY : signal.aborted ? of(true) : fromEvent(signal, 'abort').pipe(take(1));
    let cancelled = false;
    return concat(
      of(first),
      steps$.pipe(
        takeUntil(aborted$.pipe(map(() => (cancelled = true)))),
        catchError((error: unknown) =>
          of<ChatTurnEvent[]>(
            { type: 'error', error: toErrorInfo(toSapflowError(error, 'upstream_error')) },
            workflowFinish('failed'),
            finish('error'),
          ),
        ),
        mergeMap((event) => (event.type === 'finish' && event.finishReason !== 'error' ? of(workflowFinish(), event) : of(event))),
      ),
      defer(() => (cancelled ? of(workflowFinish('cancelled'), finish('other')) : EMPTY)),
    );
  });
}

type ParsedArgs = { ok: true; value: unknown } | { ok: false };

/** A tool call's arguments text; an empty one is `{}` (models send none for a tool without parameters). */
function parseArgs(text: string): ParsedArgs {
  try {
    return { ok: true, value: text.trim() === '' ? {} : JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
