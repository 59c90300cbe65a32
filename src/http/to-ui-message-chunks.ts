import { EMPTY, concat, defer, mergeMap, of, type Observable, type OperatorFunction } from 'rxjs';
import { foldProgress, type ChatTurnEvent, type ProgressSnapshot } from '../protocol/index.js';

/**
 * The AI SDK UI message stream chunks, limited to the types that ai 5, 6 and 7 all accept
 * (see ../shared/PROTOCOL.md): an unknown type is a hard error on every client version. The two approval chunks
 * are ai 6's and 7's only, and are sent only for tools that need approval (ai 5 has no approvals).
 */
export type UiMessageChunk =
  | { type: 'start'; messageId?: string }
  | { type: 'start-step' }
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'tool-input-start'; toolCallId: string; toolName: string }
  | { type: 'tool-input-delta'; toolCallId: string; inputTextDelta: string }
  | { type: 'tool-input-available'; toolCallId: string; toolName: string; input: unknown }
  | { type: 'tool-output-available'; toolCallId: string; output: unknown }
  | { type: 'tool-output-error'; toolCallId: string; errorText: string }
  | { type: 'tool-approval-request'; approvalId: string; toolCallId: string }
  | { type: 'tool-output-denied'; toolCallId: string }
  | { type: `data-${string}`; id?: string; data: unknown; transient?: boolean }
  | { type: 'finish-step' }
  | { type: 'finish'; finishReason?: 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other' }
  | { type: 'error'; errorText: string };

/**
 * Chat turn events to UI message chunks, in order. Text parts are opened lazily and always closed before
 * `finish-step` (ai 5 resets text ids there); tool outputs only follow their own `tool-input-*` chunks, since a
 * client throws on an output for a call it has not seen - or, for an answered approval, the client's own part from
 * the turn that asked. A turn that goes on after approvals names the assistant message it adds to (its
 * `workflow-start` says which): a `start` with another id would make the client copy that message.
 */
export function toUiMessageChunks(options: {
  messageId: string;
  progressId: string;
  /** `start` at subscription, not with the first event: a new turn's first byte need not wait for its log row. */
  startNow?: boolean;
}): OperatorFunction<ChatTurnEvent, UiMessageChunk> {
  return (events: Observable<ChatTurnEvent>) =>
    defer(() => {
      let textId: string | undefined;
      let textCount = 0;
      let progress: ProgressSnapshot | undefined;
      let stepOpen = false;
      let started = false;
      const announced = new Set<string>();
      const start = (event?: ChatTurnEvent): UiMessageChunk => {
        started = true;
        const continued = event?.type === 'workflow-start' ? event.input.messageId : undefined;
        return { type: 'start', messageId: typeof continued === 'string' ? continued : options.messageId };
      };
      const closeText = (): UiMessageChunk[] => {
        if (!textId) return [];
        const id = textId;
        textId = undefined;
        return [{ type: 'text-end', id }];
      };
      const announce = (toolCallId: string, toolName: string): UiMessageChunk[] => {
        if (announced.has(toolCallId)) return [];
        announced.add(toolCallId);
        return [{ type: 'tool-input-start', toolCallId, toolName }];
      };
      const map = (event: ChatTurnEvent): UiMessageChunk[] => {
        switch (event.type) {
          case 'step-start':
            stepOpen = true;
            return [{ type: 'start-step' }];
          case 'text-delta': {
            const open: UiMessageChunk[] = textId ? [] : [{ type: 'text-start', id: (textId = `${options.messageId}-text-${++textCount}`) }];
            return [...open, { type: 'text-delta', id: textId, delta: event.delta }];
          }
          case 'tool-input-start':
            return announce(event.toolCallId, event.toolName);
          case 'tool-input-delta':
            return announced.has(event.toolCallId) ? [{ type: 'tool-input-delta', toolCallId: event.toolCallId, inputTextDelta: event.delta }] : [];
          case 'tool-input-available':
            return [...announce(event.toolCallId, event.toolName), { type: 'tool-input-available', toolCallId: event.toolCallId, toolName: event.toolName, input: event.input }];
          case 'tool-approval-request':
            return announced.has(event.toolCallId) ? [{ type: 'tool-approval-request', approvalId: event.approvalId, toolCallId: event.toolCallId }] : [];
          case 'tool-approval-decided':
            announced.add(event.toolCallId);
            return event.approved ? [] : [{ type: 'tool-output-denied', toolCallId: event.toolCallId }];
          case 'task-complete':
            return announced.has(event.taskId) ? [{ type: 'tool-output-available', toolCallId: event.taskId, output: event.result ?? null }] : [];
          case 'task-failed':
            return announced.has(event.taskId) ? [{ type: 'tool-output-error', toolCallId: event.taskId, errorText: `[${event.error.code}] ${event.error.message}` }] : [];
          case 'progress':
            progress = event.snapshot;
            return [{ type: 'data-workflow', id: options.progressId, data: event.snapshot }];
          case 'workflow-finish':
            // the part the client keeps must say how the turn ended, not `running`; a turn without tools has none
            if (!progress) return [];
            progress = foldProgress(progress, event);
            return [{ type: 'data-workflow', id: options.progressId, data: progress }];
          case 'step-finish':
            stepOpen = false;
            return [...closeText(), { type: 'finish-step' }];
          case 'run-resumed': {
            // the process died mid-step: what was said stays, and the step that goes on (or is asked again) follows
            const close: UiMessageChunk[] = stepOpen ? [...closeText(), { type: 'finish-step' }] : closeText();
            stepOpen = false;
            return close;
          }
          case 'error':
            return [...closeText(), { type: 'error', errorText: event.error.message }];
          case 'finish':
            return [...closeText(), { type: 'finish', finishReason: event.finishReason }];
          default:
            return [];
        }
      };
      return concat(
        defer(() => (options.startNow ? of(start()) : EMPTY)),
        events.pipe(mergeMap((event) => (started ? map(event) : [start(event), ...map(event)]))),
        defer(() => (started ? EMPTY : of(start()))),
      );
    });
}
