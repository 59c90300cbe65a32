// @vitest-environment happy-dom
import { renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { intakeRun } from './test-events.js';
import { useWorkflowStatus } from './use-workflow-status.js';

const frame = ({ seq, event }: ReturnType<typeof intakeRun>[number]) => `id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

/** A stream that sends `text` and then either ends or fails like a dropped TCP connection. */
function streamOf(text: string, ending: 'end' | 'drop'): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  // split mid-frame so the parser has to hold the tail; error only once both chunks were read (error() discards a queue)
  const chunks = [bytes.slice(0, 40), bytes.slice(40)];
  return new ReadableStream({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else if (ending === 'end') controller.close();
      else controller.error(new TypeError('network error'));
    },
  });
}

describe('useWorkflowStatus', () => {
  it('reconnects with Last-Event-ID after a drop and neither loses nor duplicates events', async () => {
    const run = intakeRun();
    const requests: Array<{ url: string; lastEventId: string | null }> = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers);
      requests.push({ url, lastEventId: headers.get('Last-Event-ID') });
      const body =
        requests.length === 1
          ? streamOf(run.slice(0, 5).map(frame).join('') + 'id: 6\ndata: {"type":"task-st', 'drop')
          : // the server replays from the seq after Last-Event-ID; repeat one frame to prove the dedup
            streamOf(run.slice(4).map(frame).join(''), 'end');
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }) as unknown as typeof fetch;

    const { result } = renderHook(() =>
      useWorkflowStatus('exec-1', { baseUrl: 'http://gw', fetch: fakeFetch, retryDelayMs: () => 1 }),
    );
    await waitFor(() => expect(result.current.connection).toBe('closed'));

    expect(requests).toEqual([
      { url: 'http://gw/api/executions/exec-1/events', lastEventId: null },
      { url: 'http://gw/api/executions/exec-1/events', lastEventId: '5' },
    ]);
    expect(result.current.status).toBe('completed');
    expect(result.current.progress).toBe(100);
    expect(result.current.eventsApplied).toBe(run.length);
    expect(result.current.lastEventId).toBe(run.length);
    expect(result.current.reconnects).toBe(1);
    expect(result.current.completedTasks.map((task) => task.id)).toEqual(['list_emails', 'extract', 'confirm', 'record']);
    expect(result.current.currentTasks).toEqual([]);
  });

  it('gives up on a 404 with the gateway error', async () => {
    const fakeFetch = (async () =>
      new Response(JSON.stringify({ error: { code: 'not_found', message: 'No such execution' } }), {
        status: 404,
        headers: { 'content-type': 'application/json' },
      })) as unknown as typeof fetch;
    const { result } = renderHook(() => useWorkflowStatus('nope', { fetch: fakeFetch, retryDelayMs: () => 1 }));
    await waitFor(() => expect(result.current.connection).toBe('error'));
    expect(result.current.error).toEqual({ code: 'not_found', message: 'No such execution' });
  });

  it('exposes the running tasks while the run is live', async () => {
    const run = intakeRun();
    const fakeFetch = (async () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(run.slice(0, 8).map(frame).join('')));
          },
        }),
      )) as unknown as typeof fetch;
    const { result, unmount } = renderHook(() => useWorkflowStatus('exec-1', { fetch: fakeFetch }));
    await waitFor(() => expect(result.current.currentTasks.map((task) => task.id)).toEqual(['confirm', 'record']));
    expect(result.current.connection).toBe('open');
    expect(result.current.estimatedTimeRemainingMs).toBe(300);
    unmount();
  });
});
