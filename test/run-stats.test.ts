import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskOutcome, WorkflowEvent } from '../src/protocol/index.js';
import { createExecutionStore, runMigrations, type Database, type ExecutionStore } from '../src/store/index.js';
import { PGLITE_BACKEND, POSTGRES_BACKEND } from './support/store-backends.js';

// The Monitoring page's query (store/run-stats.ts) on both adapters: the same SQL must give the same figures.
const BACKENDS = [PGLITE_BACKEND, POSTGRES_BACKEND];

// every run finishes on a whole minute plus some seconds, so the minute each falls in is known
const NOW = new Date(Date.UTC(2026, 0, 5, 12, 0, 0));
const minutesAgo = (m: number, s = 10) => new Date(NOW.getTime() - m * 60_000 + s * 1000);

interface FakeRun {
  kind?: 'workflow' | 'chat';
  status: 'completed' | 'partial' | 'failed' | 'cancelled';
  finishedAt: Date;
  durationMs: number;
  taskMs?: number[];
}

/** Logs a run as the engine would: start, then finish with its task map (the row's tasks come from the finish). */
async function logRun(store: ExecutionStore, userId: string, run: FakeRun): Promise<void> {
  const id = `ex-${randomUUID()}`;
  await store.createExecution({ id, workflowId: 'wf', kind: run.kind ?? 'workflow', userId });
  const startedAt = new Date(run.finishedAt.getTime() - run.durationMs).toISOString();
  const tasks: Record<string, TaskOutcome> = Object.fromEntries(
    (run.taskMs ?? []).map((ms, i) => [`t${i}`, { status: 'completed', durationMs: ms, attempts: 1 } satisfies TaskOutcome]),
  );
  const events: WorkflowEvent[] = [
    { type: 'workflow-start', executionId: id, at: startedAt, workflowId: 'wf', name: 'wf', input: {}, tasks: [] },
    { type: 'workflow-finish', executionId: id, at: run.finishedAt.toISOString(), status: run.status, durationMs: run.durationMs, tasks },
  ];
  await store.appendEvents(id, events);
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skipReason)(`runStats on ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let db: Database;
    let dispose: () => Promise<void>;
    let store: ExecutionStore;
    const userId = `user-${randomUUID()}`;

    beforeAll(async () => {
      ({ db, dispose } = await backend.open());
      await runMigrations(db);
      store = createExecutionStore(db);
      // minute -3: two workflows, one failed; minute -1: a partial workflow and a chat turn; -90: outside the hour
      await logRun(store, userId, { status: 'completed', finishedAt: minutesAgo(3), durationMs: 1000, taskMs: [1000, 1000, 1000] });
      await logRun(store, userId, { status: 'failed', finishedAt: minutesAgo(3, 20), durationMs: 3000, taskMs: [1500] });
      await logRun(store, userId, { status: 'partial', finishedAt: minutesAgo(1), durationMs: 2000, taskMs: [1000, 1000] });
      await logRun(store, userId, { kind: 'chat', status: 'completed', finishedAt: minutesAgo(1, 30), durationMs: 4000 });
      await logRun(store, userId, { status: 'failed', finishedAt: minutesAgo(90), durationMs: 500 });
      // someone else's run in the same minute is not the user's figure
      await logRun(store, `other-${randomUUID()}`, { status: 'failed', finishedAt: minutesAgo(1), durationMs: 100 });
      // and a run still going counts as active, not as finished
      await store.createExecution({ id: `ex-${randomUUID()}`, workflowId: 'wf', userId });
    });
    afterAll(async () => {
      await dispose?.();
    });

    const stats = () => store.runStats(userId, { since: new Date(NOW.getTime() - 3_600_000), until: NOW });
    const group = async (minute: string | null, kind: string | null, status: string | null) =>
      (await stats()).groups.find((g) => g.minute === minute && g.kind === kind && g.status === status);

    it('counts the hour\'s finished runs, their failures and their durations, over the window', async () => {
      const all = await group(null, null, null);
      expect(all).toMatchObject({ runs: 4, failed: 1, avgMs: 2500 });
      // durations 1000, 2000, 3000, 4000: percentile_cont interpolates
      expect(all!.p50Ms).toBeCloseTo(2500);
      expect(all!.p95Ms).toBeCloseTo(3850);
      // speed-ups 3000/1000 = 3, 1500/3000 = 0.5, 2000/2000 = 1; the chat turn had no tools
      expect(all!.speedup).toBeCloseTo(1.5);
    });

    it('splits by kind and by the minute each run finished in', async () => {
      expect(await group(null, 'workflow', null)).toMatchObject({ runs: 3, failed: 1 });
      expect(await group(null, 'chat', null)).toMatchObject({ runs: 1, failed: 0, avgMs: 4000, speedup: null });
      const threeAgo = new Date(NOW.getTime() - 3 * 60_000).toISOString();
      const oneAgo = new Date(NOW.getTime() - 60_000).toISOString();
      expect(await group(threeAgo, 'workflow', 'failed')).toMatchObject({ runs: 1 });
      expect(await group(threeAgo, 'workflow', 'completed')).toMatchObject({ runs: 1 });
      expect(await group(threeAgo, null, null)).toMatchObject({ runs: 2, failed: 1, avgMs: 2000 });
      expect(await group(oneAgo, null, null)).toMatchObject({ runs: 2, failed: 0 });
      expect(await group(oneAgo, 'workflow', 'partial')).toMatchObject({ runs: 1 });
    });

    it('says how many of the user\'s runs are still going', async () => {
      expect((await stats()).active).toEqual({ workflow: 1, chat: 0 });
    });

    it('has nothing for a user without runs, and nothing for a window with none', async () => {
      const empty = await store.runStats(`nobody-${randomUUID()}`, { since: new Date(0), until: NOW });
      expect(empty.groups).toEqual([expect.objectContaining({ minute: null, kind: null, status: null, runs: 0, failed: 0, p50Ms: null, speedup: null })]);
      const before = await store.runStats(userId, { since: new Date(NOW.getTime() - 200 * 60_000), until: new Date(NOW.getTime() - 100 * 60_000) });
      expect(before.groups.find((g) => g.minute === null && g.kind === null)?.runs).toBe(0);
    });
  });
}
