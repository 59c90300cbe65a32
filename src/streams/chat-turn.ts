import { EMPTY, Observable, catchError, concat, defer, mergeMap, of } from 'rxjs';
import { toErrorInfo, toSapflowError } from '../errors/index.js';
// Type-only: the model layer's chunk shapes are the input contract of a chat turn; no runtime import crosses.
import type { ModelChunk, ModelRequest } from '../model/chat-model.js';
import {
  emptySnapshot,
  estimateRemaining,
  foldProgress,
  type ChatMessage,
  type ChatTurnEvent,
  type FinishReason,
  type ModelTool,
  type ProgressSnapshot,
  type TaskOutcome,
  type WorkflowEvent,
  type WorkflowFinishEvent,
} from '../protocol/index.js';
import type { Tool } from '../tools/tool.js';
import { createConcurrencyLimiter } from './concurrency-limiter.js';
import type { Engine } from './engine.js';
import { runToolCall } from './run-tool-call.js';
import { outcomeOf } from './task-outcome.js';

export interface ChatTurnOptions {
  model: { stream(request: ModelRequest): Observable<ModelChunk> };
  tools: { get(name: string): Tool | undefined; toModelTools(): ModelTool[] };
  messages: ChatMessage[];
  engine: Engine;
  executionId: string;
  user?: string;
  maxSteps?: number;
}

/**
 * One chat request as one ordered stream: model text passes straight through; each tool call starts the moment
 * its own arguments are complete (`tool-call-ready`), under the engine's parallel limit, and its result is
 * emitted the moment it settles. Results go back to the model as `tool` messages; the loop runs until the model
 * answers without tools or `maxSteps` is reached. Tool failures are values the model sees; a model failure ends
 * the turn with an `error` event, never an error notification.
 */
export function runChatTurn(options: ChatTurnOptions): Observable<ChatTurnEvent> {
  return defer(() => {
    const { engine, executionId, maxSteps = 5 } = options;
    const at = () => new Date(engine.scheduler.now()).toISOString();
    const modelTools = options.tools.toModelTools();
    const limit = createConcurrencyLimiter(engine.maxParallel);
    const startedAt = engine.scheduler.now();
    let snapshot: ProgressSnapshot = { ...emptySnapshot(executionId), workflowId: 'chat', name: 'Chat turn', startedAt: at() };
    const outcomes: Record<string, TaskOutcome> = {};

    const track = (event: WorkflowEvent): ChatTurnEvent[] => {
      snapshot = foldProgress(snapshot, event);
      if (event.type === 'task-complete' || event.type === 'task-failed') outcomes[event.taskId] = outcomeOf(event);
      const changed = event.type !== 'task-progress' && event.type !== 'circuit-breaker';
      return changed ? [event, { type: 'progress', snapshot: withEta(snapshot) }] : [event];
    };
    const withEta = (s: ProgressSnapshot): ProgressSnapshot => {
      const tasks = s.tasks.map((t) => ({ ...t, startedAtMs: t.startedAt === undefined ? undefined : Date.parse(t.startedAt) }));
      const eta = estimateRemaining(tasks, engine.scheduler.now(), (fn) => engine.stats.estimate(fn), engine.maxParallel);
      return { ...s, estimatedTimeRemainingMs: eta };
    };

    const runCall = (id: string, name: string, args: ParsedArgs): Observable<ChatTurnEvent> => {
      if (!args.ok) {
        const error = { code: 'invalid_arguments', message: `Arguments for ${name} are not valid JSON` };
        return of(...track({ type: 'task-failed', executionId, at: at(), taskId: id, error, durationMs: 0, attempts: 0 }));
      }
      const call = { executionId, taskId: id, toolName: name, tool: options.tools.get(name), args: args.value, user: options.user ?? 'local' };
      return limit(runToolCall(call, engine)).pipe(mergeMap((event) => track(event)));
    };

    const step = (messages: ChatMessage[], n: number): Observable<ChatTurnEvent> =>
      defer(() => {
        const calls: { id: string; name: string; args: string }[] = [];
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
                calls.push({ id: chunk.id, name: chunk.name, args: chunk.args });
                const args = parseArgs(chunk.args);
                // arguments that are not JSON are shown to the client as the text the model sent
                const input = args.ok ? args.value : chunk.args;
                return concat(of<ChatTurnEvent>({ type: 'tool-input-available', toolCallId: chunk.id, toolName: chunk.name, input }), runCall(chunk.id, chunk.name, args));
              }
              case 'finish':
                finishReason = chunk.finishReason;
                return EMPTY;
            }
          }),
        );
        const next = defer((): Observable<ChatTurnEvent> => {
          const stepEnd: ChatTurnEvent = { type: 'step-finish', finishReason: calls.length ? 'tool-calls' : finishReason };
          if (calls.length === 0 || n >= maxSteps) return of(stepEnd, finish(stepEnd.finishReason));
          const assistant: ChatMessage = {
            role: 'assistant',
            content: text || null,
            toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: c.args })),
          };
          const results: ChatMessage[] = calls.map((c) => ({ role: 'tool', toolCallId: c.id, content: toolResultText(outcomes[c.id]) }));
          return concat(of(stepEnd), step([...messages, assistant, ...results], n + 1));
        });
        return concat(of<ChatTurnEvent>({ type: 'step-start', step: n }), turn$, next);
      });

    const finish = (finishReason: FinishReason): ChatTurnEvent => ({ type: 'finish', finishReason });
    const workflowStart: ChatTurnEvent = { type: 'workflow-start', executionId, at: at(), workflowId: 'chat', name: 'Chat turn', input: {}, tasks: [] };
    const workflowFinish = (
      status: WorkflowFinishEvent['status'] = Object.values(outcomes).some((o) => o.status === 'failed') ? 'partial' : 'completed',
    ): ChatTurnEvent => ({ type: 'workflow-finish', executionId, at: at(), status, tasks: outcomes, durationMs: engine.scheduler.now() - startedAt });

    return concat(
      of(workflowStart),
      step(options.messages, 1).pipe(
        catchError((error: unknown) =>
          of<ChatTurnEvent[]>(
            { type: 'error', error: toErrorInfo(toSapflowError(error, 'upstream_error')) },
            workflowFinish('failed'),
            finish('error'),
          ),
        ),
        mergeMap((event) => (event.type === 'finish' && event.finishReason !== 'error' ? of(workflowFinish(), event) : of(event))),
      ),
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

/** What the model reads back: the result as JSON, or the error's code and message. */
function toolResultText(outcome: TaskOutcome | undefined): string {
  if (!outcome) return JSON.stringify({ error: { code: 'cancelled', message: 'The tool call did not finish' } });
  if (outcome.status === 'failed') return JSON.stringify({ error: outcome.error });
  return JSON.stringify(outcome.result ?? null);
}
