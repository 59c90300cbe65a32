import { Router, type Response } from 'express';
import type { Observable } from 'rxjs';
import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { ChatTurnEvent } from '../protocol/index.js';
import type { Runtime } from '../runtime/create-runtime.js';
import { readChatRequest } from './chat-body.js';
import { currentUser } from './current-user.js';
import { sendError } from './send-error.js';
import { openSse, sseSettings, toSseFrame } from './sse.js';
import { toUiMessageChunks, type UiMessageChunk } from './to-ui-message-chunks.js';

export const UI_MESSAGE_STREAM_HEADERS = { 'x-vercel-ai-ui-message-stream': 'v1' } as const;

/** useChat's chat ids (`generateId`, or the app's own): a bounded, URL-safe token; `.` and `..` are not ids. */
const chatIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:~-]{1,128}$/)
  .refine((id) => id !== '.' && id !== '..');

/**
 * The chat endpoints of a useChat app, as thin adapters over the run pipeline:
 * - `POST /api/chat` starts a turn and answers its UI message stream; a client that goes away is a listener leaving
 *   (the pipeline cancels the turn at once, or after CHAT_RESUME_GRACE_MS when nobody re-attaches);
 * - `GET /api/chat/:id/stream` (useChat `resume: true`) replays the chat's turn in progress from its first chunk,
 *   then follows it live; `204` when there is none;
 * - `POST /api/chat/:id/stop` cancels the chat's turn in progress.
 */
export function chatRoute(runtime: Runtime): Router {
  const router = Router();

  router.post('/api/chat', async (req, res) => {
    let turn;
    try {
      const { chatId, messages, approvals, continues } = readChatRequest(req.body);
      // an id useChat could not resume by is not kept; the turn itself runs as usual
      const resumable = chatId !== undefined && chatIdSchema.safeParse(chatId).success ? chatId : undefined;
      turn = await runtime.runs.startChat({ messages, user: currentUser(res), chatId: resumable, approvals, continues });
    } catch (error) {
      return sendError(res, error);
    }
    // a new turn's `start` goes out at once; a replay's comes with its first event, which says the message id
    streamTurn(res, turn.executionId, turn.events, runtime, { startNow: true, messageId: turn.messageId });
  });

  router.get('/api/chat/:id/stream', async (req, res) => {
    let executionId: string;
    const user = currentUser(res);
    try {
      const live = await runtime.store.findLiveChatTurn(user, chatIdOf(req.params.id));
      if (!live) return res.status(204).end();
      executionId = live.id;
    } catch (error) {
      return sendError(res, error);
    }
    streamTurn(res, executionId, runtime.runs.followChat(executionId, user), runtime);
  });

  router.post('/api/chat/:id/stop', async (req, res) => {
    try {
      const user = currentUser(res);
      const live = await runtime.store.findLiveChatTurn(user, chatIdOf(req.params.id));
      if (!live) return res.status(204).end();
      const now = await runtime.runs.cancel(live.id, user);
      res.json({ id: live.id, status: now?.status ?? 'cancelled' });
    } catch (error) {
      sendError(res, error);
    }
  });

  return router;
}

/** A `data-*` part with an id replaces the earlier one on the client: a snapshot, of which a lagging client needs only the latest. */
function snapshotKey(chunk: UiMessageChunk): string | undefined {
  return chunk.type.startsWith('data-') && 'id' in chunk && chunk.id !== undefined ? `${chunk.type}:${chunk.id}` : undefined;
}

function chatIdOf(raw: unknown): string {
  const parsed = chatIdSchema.safeParse(raw);
  if (!parsed.success) throw new SapflowError('invalid_chat_id', 'A chat id is 1-128 characters of A-Z, a-z, 0-9, _ . : ~ or -');
  return parsed.data;
}

/**
 * One turn's events as a UI message stream ending in `[DONE]`; the same message id live and on a replay. A client
 * that stalls past SSE_STALL_TIMEOUT_MS is dropped, which is the same as its leaving (onClose).
 */
function streamTurn(
  res: Response,
  executionId: string,
  events: Observable<ChatTurnEvent>,
  { logger, config }: Pick<Runtime, 'logger' | 'config'>,
  { startNow = false, messageId = `msg-${executionId}` }: { startNow?: boolean; messageId?: string } = {},
): void {
  if (res.destroyed || !res.socket || res.socket.destroyed) return;
  const sse = openSse(res, {
    headers: { ...UI_MESSAGE_STREAM_HEADERS, 'x-execution-id': executionId },
    ...sseSettings(config),
    onClose: () => subscription.unsubscribe(),
  });
  const done = () => {
    sse.write(toSseFrame({ data: '[DONE]' }));
    sse.end();
  };
  const subscription = events.pipe(toUiMessageChunks({ messageId, progressId: `progress-${executionId}`, startNow })).subscribe({
    next: (chunk) => sse.write(toSseFrame({ data: chunk }), snapshotKey(chunk)),
    error: (error: unknown) => {
      logger.error({ executionId, err: error }, `chat turn ${executionId} failed`);
      sse.write(toSseFrame({ data: { type: 'error', errorText: 'The chat turn failed inside Sapflow; the error was logged' } }));
      sse.write(toSseFrame({ data: { type: 'finish', finishReason: 'error' } }));
      done();
    },
    complete: done,
  });
}
