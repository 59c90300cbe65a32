import { lastValueFrom, of, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { emptySnapshot, foldProgress, type ChatTurnEvent, type ProgressSnapshot, type WorkflowEvent } from '../protocol/index.js';
import { toUiMessageChunks, type UiMessageChunk } from './to-ui-message-chunks.js';

const AT = '2025-01-01T00:00:00.000Z';
const encode = (events: ChatTurnEvent[]): Promise<UiMessageChunk[]> =>
  lastValueFrom(of(...events).pipe(toUiMessageChunks({ messageId: 'm', progressId: 'p' }), toArray()));

describe('toUiMessageChunks', () => {
  it('opens text lazily and closes it before finish-step and finish', async () => {
    const chunks = await encode([
      { type: 'step-start', step: 1 },
      { type: 'text-delta', delta: 'Hi' },
      { type: 'step-finish', finishReason: 'stop' },
      { type: 'step-start', step: 2 },
      { type: 'text-delta', delta: 'again' },
      { type: 'finish', finishReason: 'stop' },
    ]);
    expect(chunks.map((c) => c.type)).toEqual([
      'start', 'start-step', 'text-start', 'text-delta', 'text-end', 'finish-step', 'start-step', 'text-start', 'text-delta', 'text-end', 'finish',
    ]);
    expect(chunks[2]).toEqual({ type: 'text-start', id: 'm-text-1' });
    expect(chunks[7]).toEqual({ type: 'text-start', id: 'm-text-2' });
  });

  it('sends outputs only for calls the client has seen', async () => {
    const chunks = await encode([
      { type: 'task-complete', executionId: 'x', at: AT, taskId: 'unseen', result: 1, durationMs: 1, attempts: 1 },
      { type: 'tool-input-available', toolCallId: 'c1', toolName: 't', input: {} },
      { type: 'task-failed', executionId: 'x', at: AT, taskId: 'c1', error: { code: 'timeout', message: 't did not finish' }, durationMs: 1, attempts: 1 },
    ]);
    expect(chunks.slice(1)).toEqual([
      { type: 'tool-input-start', toolCallId: 'c1', toolName: 't' },
      { type: 'tool-input-available', toolCallId: 'c1', toolName: 't', input: {} },
      { type: 'tool-output-error', toolCallId: 'c1', errorText: '[timeout] t did not finish' },
    ]);
  });

  it('ends the progress part with the turn status, so the part the client keeps does not say running', async () => {
    const started: WorkflowEvent = { type: 'task-start', executionId: 'x', at: AT, taskId: 'c1', function: 't', attempt: 1, input: {} };
    const done: WorkflowEvent = { type: 'task-complete', executionId: 'x', at: AT, taskId: 'c1', result: 1, durationMs: 5, attempts: 1 };
    const s1 = foldProgress(emptySnapshot('x'), started);
    const s2: ProgressSnapshot = foldProgress(s1, done);
    const chunks = await encode([
      { type: 'progress', snapshot: s1 },
      { type: 'progress', snapshot: s2 },
      { type: 'workflow-finish', executionId: 'x', at: AT, status: 'completed', tasks: {}, durationMs: 9 },
      { type: 'finish', finishReason: 'stop' },
    ]);
    const progress = chunks.filter((c) => c.type === 'data-workflow') as Array<{ id: string; data: ProgressSnapshot }>;
    expect(progress.map((c) => [c.id, c.data.status])).toEqual([['p', 'running'], ['p', 'running'], ['p', 'completed']]);
    expect(progress[2]!.data).toMatchObject({ durationMs: 9, estimatedTimeRemainingMs: 0, progressPercentage: 100 });
  });

  it('sends no progress part for a turn without tools', async () => {
    const chunks = await encode([
      { type: 'workflow-finish', executionId: 'x', at: AT, status: 'completed', tasks: {}, durationMs: 1 },
      { type: 'finish', finishReason: 'stop' },
    ]);
    expect(chunks.map((c) => c.type)).toEqual(['start', 'finish']);
  });

  it('asks for approval of a call the client has seen, and names the message a turn after approvals goes on in', async () => {
    const asked = await encode([
      { type: 'tool-approval-request', toolCallId: 'unseen', toolName: 't', approvalId: 'apr_0' },
      { type: 'tool-input-available', toolCallId: 'c1', toolName: 'send_email', input: { to: 'a@b.c' } },
      { type: 'tool-approval-request', toolCallId: 'c1', toolName: 'send_email', approvalId: 'apr_1' },
      { type: 'finish', finishReason: 'tool-calls' },
    ]);
    expect(asked.map((c) => c.type)).toEqual(['start', 'tool-input-start', 'tool-input-available', 'tool-approval-request', 'finish']);
    expect(asked[3]).toEqual({ type: 'tool-approval-request', approvalId: 'apr_1', toolCallId: 'c1' });

    const answered = await encode([
      { type: 'workflow-start', executionId: 'x', at: AT, workflowId: 'chat', name: 'Chat turn', input: { messageId: 'msg-earlier' }, tasks: [] },
      { type: 'tool-approval-decided', toolCallId: 'c1', toolName: 'send_email', approvalId: 'apr_1', approved: true },
      { type: 'tool-approval-decided', toolCallId: 'c2', toolName: 'send_email', approvalId: 'apr_2', approved: false, reason: 'no' },
      { type: 'task-complete', executionId: 'x', at: AT, taskId: 'c1', result: 'sent', durationMs: 1, attempts: 1 },
      { type: 'finish', finishReason: 'stop' },
    ]);
    expect(answered).toEqual([
      { type: 'start', messageId: 'msg-earlier' },
      { type: 'tool-output-denied', toolCallId: 'c2' },
      { type: 'tool-output-available', toolCallId: 'c1', output: 'sent' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });

  it('starts with its own message id otherwise, also for an empty stream', async () => {
    expect(await encode([])).toEqual([{ type: 'start', messageId: 'm' }]);
    expect((await encode([{ type: 'step-start', step: 1 }]))[0]).toEqual({ type: 'start', messageId: 'm' });
  });

  it('with startNow, sends start at subscription, before the first event, and only once', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable }) => {
      const events = cold<ChatTurnEvent>('---a---b|', { a: { type: 'step-start', step: 1 }, b: { type: 'finish', finishReason: 'stop' } });
      expectObservable(events.pipe(toUiMessageChunks({ messageId: 'm2', progressId: 'p', startNow: true }))).toBe('s--a---b|', {
        s: { type: 'start', messageId: 'm2' },
        a: { type: 'start-step' },
        b: { type: 'finish', finishReason: 'stop' },
      });
    });
  });
});
