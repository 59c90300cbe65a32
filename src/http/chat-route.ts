import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { concatMap, from, map, of } from 'rxjs';
import type { Runtime } from '../runtime/create-runtime.js';
import { runChatTurn, type ChatTurnEvent } from '../streams/chat-turn.js';
import { parseChatBody, toOpenAIMessages } from './chat-body.js';
import { currentUser } from './current-user.js';
import { sendError } from './send-error.js';
import { openSse, toSseFrame } from './sse.js';
import { toUiMessageChunks } from './to-ui-message-chunks.js';

export const UI_MESSAGE_STREAM_HEADERS = { 'x-vercel-ai-ui-message-stream': 'v1' } as const;

/** Events of the turn that go to the execution log; text deltas and snapshots are not history. */
const LOGGED = new Set(['workflow-start', 'task-start', 'task-retry', 'task-progress', 'task-complete', 'task-failed', 'task-skipped', 'circuit-breaker', 'workflow-finish']);

/**
 * POST /api/chat: a drop-in for a useChat endpoint. One turn is one Observable; the response is its UI message
 * stream. The client going away unsubscribes, which aborts the upstream request and every running tool.
 */
export function chatRoute(runtime: Runtime): Router {
  const router = Router();
  router.post('/api/chat', async (req, res) => {
    let messages;
    try {
      messages = toOpenAIMessages(parseChatBody(req.body));
    } catch (error) {
      return sendError(res, error);
    }
    const user = currentUser(res);
    const executionId = randomUUID();
    try {
      await runtime.store.createExecution({ id: executionId, workflowId: 'chat', kind: 'chat', userId: user, input: { messages: messages.length } });
    } catch (error) {
      return sendError(res, error);
    }
    let finished = false;
    const sse = openSse(res, {
      headers: { ...UI_MESSAGE_STREAM_HEADERS, 'x-execution-id': executionId },
      onClose: () => {
        subscription.unsubscribe();
        if (!finished) void runtime.writer.flush(executionId).then(() => runtime.store.setStatus(executionId, user, 'cancelled')).catch(() => {});
      },
    });
    const subscription = runChatTurn({
      model: runtime.model,
      tools: runtime.tools,
      messages,
      engine: runtime.engine,
      executionId,
      user,
      maxSteps: runtime.config.MAX_STEPS,
    })
      .pipe(
        concatMap((event: ChatTurnEvent) => {
          if (!LOGGED.has(event.type)) return of(event);
          runtime.writer.write(event as { type: string; executionId: string });
          // the turn's end is announced only once its log is durable
          return event.type === 'workflow-finish' ? from(runtime.writer.flush(executionId)).pipe(map(() => event)) : of(event);
        }),
        toUiMessageChunks({ messageId: `msg-${executionId}`, progressId: `progress-${executionId}` }),
      )
      .subscribe({
        next: (chunk) => sse.write(toSseFrame({ data: chunk })),
        error: (error: unknown) => {
          finished = true;
          console.error('[sapflow] chat turn failed:', error);
          sse.write(toSseFrame({ data: { type: 'error', errorText: 'The chat turn failed inside Sapflow; the error was logged' } }));
          sse.write(toSseFrame({ data: { type: 'finish', finishReason: 'error' } }));
          sse.write(toSseFrame({ data: '[DONE]' }));
          sse.end();
        },
        complete: () => {
          finished = true;
          sse.write(toSseFrame({ data: '[DONE]' }));
          sse.end();
        },
      });
  });
  return router;
}
