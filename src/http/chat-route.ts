import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { tap } from 'rxjs';
import type { Runtime } from '../runtime/create-runtime.js';
import type { LoggableEvent } from '../store/index.js';
import type { ChatTurnEvent } from '../protocol/index.js';
import { runChatTurn } from '../streams/index.js';
import { toChatMessages } from './chat-body.js';
import { currentUser } from './current-user.js';
import { sendError } from './send-error.js';
import { openSse, toSseFrame } from './sse.js';
import { toUiMessageChunks } from './to-ui-message-chunks.js';

export const UI_MESSAGE_STREAM_HEADERS = { 'x-vercel-ai-ui-message-stream': 'v1' } as const;

/** The log writer batches on this interval anyway, so creating the execution row this late costs history nothing. */
const HISTORY_DELAY_MS = 20;

/** Events of the turn that go to the execution log; text deltas and snapshots are not history. */
const LOGGED = new Set(['workflow-start', 'task-start', 'task-retry', 'task-progress', 'task-complete', 'task-failed', 'task-skipped', 'circuit-breaker', 'workflow-finish']);

/**
 * POST /api/chat: a drop-in for a useChat endpoint. One turn is one Observable; the response is its UI message
 * stream. The client going away unsubscribes, which aborts the upstream request and every running tool.
 */
export function chatRoute(runtime: Runtime): Router {
  const router = Router();
  router.post('/api/chat', (req, res) => {
    let messages;
    try {
      messages = toChatMessages(req.body);
    } catch (error) {
      return sendError(res, error);
    }
    const user = currentUser(res);
    const executionId = randomUUID();
    // The execution row and the log are history, not the answer: the model request goes out while the row is being
    // created, events wait in `early` until it exists, and the answer never waits for the log to be durable.
    let logging: boolean | undefined;
    const early: LoggableEvent[] = [];
    // embedded PGlite writes on this thread (~2 ms): not while the model request goes out and the first chunks come in
    const created = new Promise<void>((resolve) => setTimeout(resolve, HISTORY_DELAY_MS))
      .then(() => runtime.store.createExecution({ id: executionId, workflowId: 'chat', kind: 'chat', userId: user, input: { messages: messages.length } }))
      .then(
        () => true,
        (error: unknown) => {
          console.error(`[sapflow] chat turn ${executionId} is not logged: the execution could not be created:`, error);
          return false;
        },
      )
      .then((ok) => {
        logging = ok;
        if (ok) for (const event of early) runtime.writer.write(event);
        early.length = 0;
        return ok;
      });
    const log = (event: LoggableEvent) => (logging === undefined ? early.push(event) : logging && runtime.writer.write(event));
    let finished = false;
    const sse = openSse(res, {
      headers: { ...UI_MESSAGE_STREAM_HEADERS, 'x-execution-id': executionId },
      onClose: () => {
        subscription.unsubscribe();
        if (!finished) {
          void created
            .then(async (ok) => {
              if (!ok) return;
              await runtime.writer.flush(executionId);
              await runtime.store.setStatus(executionId, user, 'cancelled');
            })
            .catch(() => {});
        }
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
        tap((event: ChatTurnEvent) => {
          if (LOGGED.has(event.type)) log(event as LoggableEvent);
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
