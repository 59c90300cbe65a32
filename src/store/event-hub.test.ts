import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createEventHub, type EventRelay } from './event-hub.js';
import type { ExecutionRecord, LoggableEvent, StoredEvent } from './execution-types.js';

/** A log another process writes: the hub here sees its events only through the relay, or by reading the log. */
function fakeLog() {
  const rows: StoredEvent<LoggableEvent>[] = [];
  const store = {
    getExecution: async () => ({ id: 'x', status: 'running', finishedAt: null }) as unknown as ExecutionRecord,
    readEvents: async <E>(_id: string, _user: string, { afterSeq = 0 } = {}) => rows.filter((r) => r.seq > afterSeq) as unknown as StoredEvent<E>[],
  };
  const append = (type: string) => {
    const stored = { seq: rows.length + 1, event: { type, executionId: 'x' } };
    rows.push(stored);
    return stored;
  };
  return { rows, store, append };
}

/** A relay under the test's control: `deliver` plays a message from another process; `drop` loses them all. */
function fakeRelay({ pollMs = 30, drop = false } = {}) {
  const listeners = new Set<(stored: StoredEvent<LoggableEvent>) => void>();
  let readyAfter!: () => void;
  const ready = new Promise<void>((resolve) => (readyAfter = resolve));
  const relay: EventRelay & { listening: () => number } = {
    pollMs,
    publish: () => {},
    listen(_id, deliver) {
      listeners.add(deliver);
      return { ready, close: () => listeners.delete(deliver) };
    },
    listening: () => listeners.size,
  };
  return { relay, subscribed: readyAfter, deliver: (stored: StoredEvent<LoggableEvent>) => !drop && listeners.forEach((l) => l(stored)) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('event hub with a relay (events of other processes)', () => {
  it('reads the log only once the relay listens, so a final event published in between is not missed', async () => {
    const { store, append } = fakeLog();
    const { relay, subscribed } = fakeRelay({ pollMs: 60_000 });
    const hub = createEventHub(store, { relay });
    append('workflow-start');
    const events = lastValueFrom(hub.follow('x', 'u').pipe(toArray()));
    await tick();
    // published while the subscription was being set up: delivered to nobody, only the log has it (and no poll
    // comes within this test's time, so a hub that read the log too early would wait for ever)
    append('workflow-finish');
    subscribed();
    expect((await events).map((s) => s.seq)).toEqual([1, 2]);
    expect(relay.listening()).toBe(0);
  });

  it('fills a gap in what the relay delivers from the log, and drops repeats', async () => {
    const { store, append } = fakeLog();
    const { relay, subscribed, deliver } = fakeRelay({ pollMs: 60_000 });
    subscribed();
    const hub = createEventHub(store, { relay });
    const events = lastValueFrom(hub.follow('x', 'u').pipe(toArray()));
    await tick();
    const one = append('workflow-start');
    append('task-start'); // lost by the relay
    const three = append('task-complete');
    deliver(one);
    deliver(three);
    deliver(one);
    deliver(append('workflow-finish'));
    expect((await events).map((s) => `${s.seq}:${s.event.type}`)).toEqual(['1:workflow-start', '2:task-start', '3:task-complete', '4:workflow-finish']);
  });

  it('a relay that loses everything costs latency, not events: a quiet follower reads the log every pollMs', async () => {
    const { store, append } = fakeLog();
    const { relay, subscribed, deliver } = fakeRelay({ pollMs: 30, drop: true });
    subscribed();
    const hub = createEventHub(store, { relay });
    const first = firstValueFrom(hub.follow('x', 'u'));
    const all = lastValueFrom(hub.follow('x', 'u').pipe(toArray()));
    await tick();
    deliver(append('workflow-start'));
    expect((await first).seq).toBe(1);
    deliver(append('task-start'));
    deliver(append('workflow-finish'));
    expect((await all).map((s) => s.seq)).toEqual([1, 2, 3]);
  });
});
