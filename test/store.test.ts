import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { firstValueFrom, Subject, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SapflowError } from '../src/errors/index.js';
import {
  createEventHub,
  createExecutionStore,
  createLogWriter,
  openDatabase,
  persistEvents,
  runMigrations,
  type Database,
  type ExecutionStore,
  type LoggableEvent,
  type Queryable,
  type ReadEventsOptions,
  type StoredEvent,
} from '../src/store/index.js';
import type { WorkflowEvent, WorkflowFinishEvent } from '../src/protocol/index.js';
import { createTestDatabase, DATABASE_URL, onServer, urlAsRole, type TestDatabase } from './support/test-database.js';
import { PGLITE_BACKEND, PGLITE_THREAD_BACKEND, POSTGRES_BACKEND } from './support/store-backends.js';

const BACKENDS = [PGLITE_BACKEND, PGLITE_THREAD_BACKEND, POSTGRES_BACKEND];

const at = (ms: number) => new Date(Date.UTC(2025, 0, 1, 9, 0, 0, ms)).toISOString();

/** A small run's events, as the engine emits them: start, each task started and finished, finish. */
function runEvents(executionId: string, taskIds = ['fetch', 'summarise'], status: 'completed' | 'failed' = 'completed') {
  const start: WorkflowEvent = {
    type: 'workflow-start',
    executionId,
    at: at(0),
    workflowId: 'wf',
    name: 'Test workflow',
    input: { q: 1 },
    tasks: taskIds.map((id) => ({ id, name: id, function: `fn_${id}`, dependencies: [], critical: true })),
  };
  const middle = taskIds.flatMap((taskId, i): WorkflowEvent[] => [
    { type: 'task-start', executionId, at: at(10 + i), taskId, function: `fn_${taskId}`, attempt: 1 },
    status === 'failed' && i === taskIds.length - 1
      ? {
          type: 'task-failed',
          executionId,
          at: at(50 + i),
          taskId,
          error: { code: 'timeout', message: 'took too long' },
          durationMs: 40,
          attempts: 1,
        }
      : { type: 'task-complete', executionId, at: at(50 + i), taskId, result: { n: i }, durationMs: 40, attempts: 1 },
  ]);
  const finish: WorkflowFinishEvent = {
    type: 'workflow-finish',
    executionId,
    at: at(100),
    status,
    durationMs: 100,
    tasks: Object.fromEntries(
      taskIds.map((id, i) => [
        id,
        status === 'failed' && i === taskIds.length - 1
          ? { status: 'failed', error: { code: 'timeout', message: 'took too long' }, durationMs: 40, attempts: 1 }
          : { status: 'completed', result: { n: i }, durationMs: 40, attempts: 1 },
      ]),
    ),
  };
  return { start, middle, finish, all: [start, ...middle, finish] };
}

function progress(executionId: string, n: number): WorkflowEvent {
  return {
    type: 'workflow-progress',
    executionId,
    at: at(n),
    currentTasks: [],
    completedTasks: [],
    pendingTasks: [],
    failedTasks: [],
    skippedTasks: [],
    progressPercentage: n,
    estimatedTimeRemainingMs: null,
  };
}

const user = () => `user-${randomUUID()}`;
const exId = () => `ex-${randomUUID()}`;

async function rejection(promise: Promise<unknown>): Promise<SapflowError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SapflowError);
  return error as SapflowError;
}

const seqs = (stored: StoredEvent<unknown>[]) => stored.map((s) => s.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

for (const backend of BACKENDS) {
  describe.skipIf(backend.skipReason)(
    `store on ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`,
    () => {
      let db: Database;
      let dispose: () => Promise<void>;
      let store: ExecutionStore;

      beforeAll(async () => {
        ({ db, dispose } = await backend.open());
        await runMigrations(db);
        store = createExecutionStore(db);
      });
      afterAll(async () => {
        await dispose?.();
      });

      async function started(userId = user(), id = exId()) {
        await store.createExecution({ id, workflowId: 'wf', userId, input: { q: 1 }, definition: { tasks: [] } });
        return { id, userId };
      }

      describe('migrations', () => {
        it('are recorded once and applying them again changes nothing', async () => {
          const before = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
          expect(before.rows.map((r) => r.name)).toContain('001_core.sql');
          expect(await runMigrations(db)).toEqual([]);
          const after = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
          expect(after.rows).toEqual(before.rows);
        });

        it('every migration re-runs cleanly by hand (the way one applies it in the Supabase SQL editor)', async () => {
          const { readdir, readFile } = await import('node:fs/promises');
          const { MIGRATIONS_DIR } = await import('../src/store/index.js');
          const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
          expect(files.length).toBeGreaterThanOrEqual(5);
          for (const file of files) await db.exec(await readFile(join(MIGRATIONS_DIR, file), 'utf8'));
          // still a view over the batches, and still the log
          const { id, userId } = await started();
          await store.appendEvents(id, runEvents(id).all.slice(0, 2));
          expect(seqs(await store.readEvents(id, userId))).toEqual([1, 2]);
        });

        it('005 moves a log written one row per event into batch rows, events and seqs unchanged', async () => {
          const { copyFile, readdir } = await import('node:fs/promises');
          const { MIGRATIONS_DIR } = await import('../src/store/index.js');
          const before005 = await mkdtemp(join(tmpdir(), 'sapflow-migrations-'));
          const old = await backend.open();
          try {
            for (const f of (await readdir(MIGRATIONS_DIR)).filter((f) => f < '005')) await copyFile(join(MIGRATIONS_DIR, f), join(before005, f));
            await runMigrations(old.db, before005);
            const id = exId();
            const events = runEvents(id).all;
            await old.db.query("INSERT INTO workflow_executions (id, workflow_id, user_id, status, last_seq) VALUES ($1, 'wf', 'u1', 'completed', $2)", [id, events.length]);
            for (const [i, event] of events.entries()) {
              await old.db.query('INSERT INTO workflow_logs (execution_id, seq, type, payload) VALUES ($1, $2, $3, $4::jsonb)', [id, i + 1, event.type, JSON.stringify(event)]);
            }
            expect(await runMigrations(old.db)).toContain('005_log_batches.sql');
            const moved = await createExecutionStore(old.db).readEvents(id, 'u1');
            expect(moved).toEqual(events.map((event, i) => ({ seq: i + 1, event })));
            expect(seqs(await createExecutionStore(old.db).appendEvents(id, [events[1]!]))).toEqual([events.length + 1]);
          } finally {
            await old.dispose();
            await rm(before005, { recursive: true, force: true });
          }
        });

        it('provide auth.uid() from request.jwt.claim.sub', async () => {
          const uid = await db.transaction(async (tx) => {
            await tx.query("SELECT set_config('request.jwt.claim.sub', 'alice', true)");
            return (await tx.query<{ uid: string }>('SELECT auth.uid()::text AS uid')).rows[0]?.uid;
          });
          expect(uid).toBe('alice');
          const none = await db.transaction(async (tx) => {
            await tx.query("SELECT set_config('request.jwt.claim.sub', '', true)");
            return (await tx.query<{ uid: string | null }>('SELECT auth.uid()::text AS uid')).rows[0]?.uid;
          });
          expect(none).toBeNull();
        });

        it('apply each file once when several gateways start together, and never record a failed one', async () => {
          const dir = await mkdtemp(join(tmpdir(), 'sapflow-migrations-'));
          const fresh = await backend.open();
          try {
            await writeFile(join(dir, '001_a.sql'), 'CREATE TABLE counter (n int); INSERT INTO counter VALUES (1);');
            // on Postgres the pool runs these on two connections at once
            const results = await Promise.all([runMigrations(fresh.db, dir), runMigrations(fresh.db, dir)]);
            expect(results.flat()).toEqual(['001_a.sql']);
            expect((await fresh.db.query('SELECT n FROM counter')).rows).toEqual([{ n: 1 }]);

            await writeFile(join(dir, '002_bad.sql'), 'CREATE TABLE half (n int); SELECT 1 / 0;');
            const error = await rejection(runMigrations(fresh.db, dir));
            expect(error.code).toBe('store_error');
            expect(error.message).toContain('002_bad.sql');
            // the failed file left nothing behind and the connection is usable
            const names = await fresh.db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
            expect(names.rows.map((r) => r.name)).toEqual(['001_a.sql']);
            const half = await fresh.db.query<{ t: string | null }>("SELECT to_regclass('half')::text AS t");
            expect(half.rows[0]?.t).toBeNull();
          } finally {
            await fresh.dispose();
            await rm(dir, { recursive: true, force: true });
          }
        });
      });

      describe('executions', () => {
        it('are created pending with their input and definition snapshot', async () => {
          const userId = user();
          const id = exId();
          const created = await store.createExecution({
            id,
            workflowId: 'legal_intake',
            kind: 'workflow',
            userId,
            input: { email: 'a@b.c' },
            definition: { tasks: [{ id: 'x' }] },
          });
          expect(created).toMatchObject({
            id,
            workflowId: 'legal_intake',
            kind: 'workflow',
            userId,
            status: 'pending',
            input: { email: 'a@b.c' },
            definition: { tasks: [{ id: 'x' }] },
            tasks: {},
            lastSeq: 0,
            startedAt: null,
            finishedAt: null,
            totalDurationMs: null,
            error: null,
          });
          expect(await store.getExecution(id, userId)).toEqual(created);
          const duplicate = await rejection(store.createExecution({ id, workflowId: 'x', userId }));
          expect(duplicate.code).toBe('conflict');
        });

        it('number logged events 1, 2, 3... in order across batches and read them back after a seq', async () => {
          const { id, userId } = await started();
          const { start, middle, finish } = runEvents(id);
          const first = await store.appendEvents(id, [start, middle[0]!]);
          const rest = await store.appendEvents(id, [...middle.slice(1), finish]);
          expect(seqs(first)).toEqual([1, 2]);
          expect(seqs(rest)).toEqual([3, 4, 5, 6]);

          const all = await store.readEvents(id, userId);
          expect(seqs(all)).toEqual([1, 2, 3, 4, 5, 6]);
          expect(all.map((s) => s.event)).toEqual([start, ...middle, finish]);
          expect(seqs(await store.readEvents(id, userId, { afterSeq: 4 }))).toEqual([5, 6]);
          expect(seqs(await store.readEvents(id, userId, { afterSeq: 1, limit: 2 }))).toEqual([2, 3]);

          const columns = await db.query<{ seq: number; type: string; task_id: string | null }>(
            'SELECT seq, type, task_id FROM workflow_logs WHERE execution_id = $1 ORDER BY seq',
            [id],
          );
          expect(columns.rows.slice(0, 3)).toEqual([
            { seq: 1, type: 'workflow-start', task_id: null },
            { seq: 2, type: 'task-start', task_id: 'fetch' },
            { seq: 3, type: 'task-complete', task_id: 'fetch' },
          ]);
        });

        it('give concurrent appenders distinct, gapless seqs', async () => {
          const { id, userId } = await started();
          await Promise.all(range(1, 8).map((n) => store.appendEvents(id, [progress(id, n), progress(id, n)])));
          expect(seqs(await store.readEvents(id, userId))).toEqual(range(1, 16));
          expect((await store.getExecution(id, userId))?.lastSeq).toBe(16);
        });

        it('follow the log: pending -> running -> final status, timings and task states', async () => {
          const { id, userId } = await started();
          const { start, middle, finish } = runEvents(id);
          const created = (await store.getExecution(id, userId))!;

          await store.appendEvents(id, [start]);
          let row = (await store.getExecution(id, userId))!;
          expect(row.status).toBe('running');
          expect(row.startedAt).toBe(start.at);
          expect(row.tasks).toEqual({
            fetch: { status: 'pending', attempts: 0 },
            summarise: { status: 'pending', attempts: 0 },
          });
          expect(Date.parse(row.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));

          await store.appendEvents(id, middle.slice(0, 3));
          row = (await store.getExecution(id, userId))!;
          expect(row.status).toBe('running');
          expect(row.tasks.fetch).toMatchObject({ status: 'completed', result: { n: 0 }, attempts: 1 });
          expect(row.tasks.summarise).toMatchObject({ status: 'running', attempts: 1 });

          await store.appendEvents(id, [middle[3]!, finish]);
          row = (await store.getExecution(id, userId))!;
          expect(row).toMatchObject({
            status: 'completed',
            startedAt: start.at,
            finishedAt: finish.at,
            totalDurationMs: 100,
            tasks: finish.tasks,
            error: null,
            lastSeq: 6,
          });
        });

        it('record a failed run with the failing task as its error', async () => {
          const { id, userId } = await started();
          await store.appendEvents(id, runEvents(id, ['only'], 'failed').all);
          expect(await store.getExecution(id, userId)).toMatchObject({
            status: 'failed',
            error: { code: 'timeout', message: 'took too long' },
            tasks: { only: { status: 'failed' } },
          });
        });

        it('reject events for an execution that does not exist', async () => {
          const missing = exId();
          const error = await rejection(store.appendEvents(missing, [progress(missing, 1)]));
          expect(error.code).toBe('unknown_execution');
        });

        it('keep a NUL character in a payload rather than losing the event', async () => {
          const { id, userId } = await started();
          await store.appendEvents(id, [{ ...progress(id, 1), currentTasks: ['a\u0000b'] }]);
          const [stored] = await store.readEvents(id, userId);
          expect(stored?.event).toMatchObject({ currentTasks: ['a\uFFFDb'] });
        });

        it('cancel a live execution, and leave a finished one as it is', async () => {
          const { id, userId } = await started();
          const { start, finish } = runEvents(id);
          await store.appendEvents(id, [start]);
          const cancelled = await store.setStatus(id, userId, 'cancelled');
          expect(cancelled).toMatchObject({ status: 'cancelled' });
          expect(cancelled?.finishedAt).not.toBeNull();
          // the engine's own finish, arriving after the cancel, still lands
          await store.appendEvents(id, [{ ...finish, status: 'cancelled' }]);
          expect((await store.getExecution(id, userId))?.finishedAt).toBe(finish.at);

          const done = await started(userId);
          await store.appendEvents(done.id, runEvents(done.id).all);
          expect(await store.setStatus(done.id, userId, 'cancelled')).toMatchObject({ status: 'completed' });
        });

        it('list a user’s executions newest first, by cursor or offset, filtered by status', async () => {
          const userId = user();
          const ids: string[] = [];
          for (let i = 0; i < 5; i++) {
            const { id } = await started(userId, `ex-${i}-${randomUUID()}`);
            ids.push(id);
            if (i % 2 === 0) await store.appendEvents(id, runEvents(id).all);
          }
          await started(user()); // someone else's
          const newestFirst = [...ids].reverse();

          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await store.listExecutions(userId, { limit: 2, cursor });
            seen.push(...page.items.map((e) => e.id));
            cursor = page.nextCursor ?? undefined;
            pages++;
          } while (cursor);
          expect(seen).toEqual(newestFirst);
          expect(pages).toBe(3);

          expect((await store.listExecutions(userId, { limit: 2, offset: 2 })).items.map((e) => e.id)).toEqual(
            newestFirst.slice(2, 4),
          );
          const completed = await store.listExecutions(userId, { status: 'completed' });
          expect(completed.items.map((e) => e.id)).toEqual([ids[4], ids[2], ids[0]]);
          expect(completed.nextCursor).toBeNull();
          expect((await store.listExecutions(userId, { status: 'pending' })).items).toHaveLength(2);
          expect(completed.items[0]).not.toHaveProperty('input');

          const bad = await rejection(store.listExecutions(userId, { cursor: '***' }));
          expect(bad.code).toBe('bad_request');
        });

        it('never show or change one user’s execution for another', async () => {
          const alice = await started();
          const bob = user();
          await store.appendEvents(alice.id, runEvents(alice.id).all.slice(0, 2));

          expect(await store.getExecution(alice.id, bob)).toBeNull();
          expect(await store.readEvents(alice.id, bob)).toEqual([]);
          expect((await store.listExecutions(bob)).items).toEqual([]);
          expect(await store.setStatus(alice.id, bob, 'cancelled')).toBeNull();
          expect((await store.getExecution(alice.id, alice.userId))?.status).toBe('running');
          await expect(firstValueFrom(createEventHub(store).follow(alice.id, bob))).rejects.toMatchObject({
            code: 'unknown_execution',
          });
        });
      });

      describe('leases', () => {
        // a database of its own: a sweep claims every orphan it can see, other tests' runs included
        let leases: ExecutionStore;
        let disposeLeases: () => Promise<void>;
        beforeAll(async () => {
          const opened = await backend.open();
          await runMigrations(opened.db);
          leases = createExecutionStore(opened.db);
          disposeLeases = opened.dispose;
        });
        afterAll(async () => disposeLeases?.());
        const live = async (owner?: string, ttlMs = 60_000, chatId?: string) => {
          const id = exId();
          await leases.createExecution({ id, workflowId: 'wf', userId: 'u1', leaseOwner: owner, leaseTtlMs: ttlMs, chatId });
          return id;
        };
        const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

        it('leave a held lease alone, and hand an expired one to exactly one claimer, counting the resumes', async () => {
          const held = await live('a');
          const expiring = await live('a', 30);
          await sleep(80);
          const claimed = await leases.claimOrphans('b', 60_000);
          expect(claimed.map((c) => c.id)).toEqual([expiring]);
          expect(claimed[0]).toMatchObject({ userId: 'u1', workflowId: 'wf', resumeCount: 1, status: 'pending' });
          expect(await leases.claimOrphans('c', 60_000)).toEqual([]);
          // b's lease is fresh now; the held one is still a's
          expect(await leases.renewLeases('a', [held, expiring], 60_000)).toEqual([held]);
          expect(await leases.renewLeases('b', [held, expiring], 60_000)).toEqual([expiring]);
        });

        it('never give one orphan to two claimers sweeping at once', async () => {
          const ids = await Promise.all(Array.from({ length: 12 }, () => live('gone', 1)));
          await sleep(30);
          const sweeps = await Promise.all(['p', 'q', 'r'].map((owner) => leases.claimOrphans(owner, 60_000, { limit: 100 })));
          const all = sweeps.flat().map((c) => c.id);
          expect(new Set(all).size).toBe(all.length);
          expect(all.sort()).toEqual([...ids].sort());
        });

        it('release leases so the next sweep resumes at once; ignoreLeases takes every live run but the excluded and finished ones', async () => {
          const mine = await live('m');
          const released = await live('m');
          await leases.releaseLeases('m', [released]);
          expect((await leases.claimOrphans('n', 60_000)).map((c) => c.id)).toEqual([released]);

          const other = await live('o');
          const finished = await live('o');
          await leases.setStatus(finished, 'u1', 'completed');
          const taken = (await leases.claimOrphans('m', 60_000, { ignoreLeases: true, limit: 100, exclude: [mine] })).map((c) => c.id);
          expect(taken).toContain(other);
          expect(taken).not.toContain(mine);
          expect(taken).not.toContain(finished);
          // a finished run's lease is not renewed
          expect(await leases.renewLeases('o', [finished], 60_000)).toEqual([]);
        });

        it('fence log appends: only the lease holder writes, a process that lost the run writes nothing and hears lease_lost', async () => {
          const id = await live('a', 30);
          const owned = (p: string) => ({ owner: p });
          expect(seqs(await leases.appendEvents(id, [progress(id, 1)], owned('a')))).toEqual([1]);
          // expired but claimed by nobody (a's database was away): still a's to write
          await sleep(80);
          expect(seqs(await leases.appendEvents(id, [progress(id, 2)], owned('a')))).toEqual([2]);
          // taken over: a, starved past its lease, must not add to the log b now writes
          expect((await leases.claimOrphans('b', 60_000)).map((c) => c.id)).toEqual([id]);
          const refused = await rejection(leases.appendEvents(id, [progress(id, 3)], owned('a')));
          expect(refused).toMatchObject({ code: 'lease_lost' });
          expect(refused.message).toContain(' b ');
          expect(seqs(await leases.appendEvents(id, [progress(id, 3)], owned('b')))).toEqual([3]);
          // unfenced (ending a run nobody holds) writes as before; a missing run is still unknown_execution
          expect(seqs(await leases.appendEvents(id, [progress(id, 4)]))).toEqual([4]);
          expect((await leases.readEvents(id, 'u1')).map((e) => (e.event as { progressPercentage: number }).progressPercentage)).toEqual([1, 2, 3, 4]);
          const missing = exId();
          expect(await rejection(leases.appendEvents(missing, [progress(missing, 1)], owned('a')))).toMatchObject({ code: 'unknown_execution' });
        });

        it('put a claimed run back on the queue: no sweep takes it, the next worker claims it as a first claim', async () => {
          const id = exId();
          await leases.createExecution({ id, workflowId: 'wf', userId: 'u1', queued: true });
          expect(await leases.claimRun('w1', id, 60_000)).toMatchObject({ id, resumeCount: 0 });
          expect(await leases.unclaimRun('w2', id)).toBe(false);
          expect(await leases.unclaimRun('w1', id)).toBe(true);
          expect(await leases.leaseOf(id)).toEqual({ owner: null, held: false, live: true });
          expect((await leases.claimOrphans('sweeper', 60_000, { limit: 100 })).map((c) => c.id)).not.toContain(id);
          expect(await leases.claimRun('w2', id, 60_000)).toMatchObject({ id, resumeCount: 0 });
        });

        it('a fenced log writer drops what a run that lost its lease still had queued, and says so once', async () => {
          const id = await live('a', 30);
          await sleep(80);
          await leases.claimOrphans('b', 60_000);
          const lost: string[] = [];
          const failures: { code: string; dropped: boolean; events: number }[] = [];
          const writer = createLogWriter(leases, { flushIntervalMs: 1_000, onError: (error, f) => failures.push({ code: error.code, dropped: f.dropped, events: f.events.length }) });
          const fence = { owner: 'a', lost: () => lost.push(id) };
          for (let n = 1; n <= 3; n++) writer.write(progress(id, n), fence);
          expect(await rejection(writer.flush(id))).toMatchObject({ code: 'lease_lost' });
          expect({ lost, failures, pending: writer.pending }).toEqual({ lost: [id], failures: [{ code: 'lease_lost', dropped: true, events: 3 }], pending: 0 });
          expect(await leases.readEvents(id, 'u1')).toEqual([]);
          await writer.close();
        });

        it("find the chat's turn in progress by useChat's chat id, for its own user only", async () => {
          const turn = await live('g', 60_000, 'chat-abc');
          expect((await leases.findLiveChatTurn('u1', 'chat-abc'))?.id).toBe(turn);
          expect(await leases.findLiveChatTurn('u2', 'chat-abc')).toBeNull();
          await leases.setStatus(turn, 'u1', 'completed');
          expect(await leases.findLiveChatTurn('u1', 'chat-abc')).toBeNull();
        });
      });

      describe('definitions', () => {
        it('are saved, replaced, listed and deleted per user', async () => {
          const alice = user();
          const bob = user();
          const saved = await store.saveDefinition(alice, 'intake', { tasks: [{ id: 'a' }] });
          await new Promise((r) => setTimeout(r, 5));
          const replaced = await store.saveDefinition(alice, 'intake', { tasks: [{ id: 'b' }] });
          expect(replaced.id).toBe(saved.id);
          expect(replaced.definition).toEqual({ tasks: [{ id: 'b' }] });
          expect(Date.parse(replaced.updatedAt)).toBeGreaterThan(Date.parse(saved.updatedAt));
          await store.saveDefinition(alice, 'billing', { tasks: [] });
          await store.saveDefinition(bob, 'intake', { tasks: [] });

          expect((await store.listDefinitions(alice)).map((d) => d.workflowId)).toEqual(['billing', 'intake']);
          expect(await store.getDefinition(bob, 'billing')).toBeNull();
          expect(await store.deleteDefinition(bob, 'billing')).toBe(false);
          expect(await store.deleteDefinition(alice, 'billing')).toBe(true);
          expect((await store.listDefinitions(alice)).map((d) => d.workflowId)).toEqual(['intake']);
          expect((await store.getDefinition(bob, 'intake'))?.definition).toEqual({ tasks: [] });
        });
      });

      describe('log writer', () => {
        /** The real store, recording each append's size and when it became durable. */
        function recording() {
          const batches: { executionId: string; size: number }[] = [];
          const durable = new Set<string>();
          const recorded: Pick<ExecutionStore, 'appendEvents'> = {
            async appendEvents<E extends LoggableEvent>(executionId: string, events: readonly E[]) {
              const stored = await store.appendEvents(executionId, events);
              batches.push({ executionId, size: events.length });
              for (const event of events) durable.add(`${executionId}:${event.type}:${event.at}`);
              return stored;
            },
          };
          return { batches, durable, recorded };
        }

        it('batches writes, in order, losing none', async () => {
          const a = await started();
          const b = await started(a.userId);
          const { batches, recorded } = recording();
          const writer = createLogWriter(recorded, { flushIntervalMs: 5, maxBatch: 200 });
          for (let n = 1; n <= 450; n++) {
            writer.write(progress(a.id, n));
            if (n % 3 === 0) writer.write(progress(b.id, n));
          }
          expect(batches).toEqual([]); // nothing on the caller's path
          await writer.close();
          expect(writer.pending).toBe(0);

          const sizesA = batches.filter((x) => x.executionId === a.id).map((x) => x.size);
          expect(sizesA).toEqual([200, 200, 50]);
          expect(batches.filter((x) => x.executionId === b.id).map((x) => x.size)).toEqual([150]);
          const logA = await store.readEvents(a.id, a.userId);
          expect(seqs(logA)).toEqual(range(1, 450));
          expect(logA.map((s) => (s.event as { progressPercentage: number }).progressPercentage)).toEqual(range(1, 450));
          expect((await store.readEvents(b.id, b.userId)).length).toBe(150);
        });

        it('passes events through at once but holds workflow-finish until the log is durable', async () => {
          const { id, userId } = await started();
          const { durable, recorded } = recording();
          const writer = createLogWriter(recorded, { flushIntervalMs: 1000 });
          const source = new Subject<WorkflowEvent>();
          const received: string[] = [];
          let finishWasDurable = false;
          const done = new Promise<void>((resolve, reject) =>
            source.pipe(persistEvents(writer)).subscribe({
              next: (event) => {
                received.push(event.type);
                if (event.type === 'workflow-finish') {
                  finishWasDurable = [...runEvents(id).all].every((e) => durable.has(`${id}:${e.type}:${e.at}`));
                }
              },
              error: reject,
              complete: resolve,
            }),
          );
          const { start, middle, finish } = runEvents(id);
          for (const event of [start, ...middle]) {
            source.next(event);
            expect(received.at(-1)).toBe(event.type); // synchronously, before any write
          }
          expect(durable.size).toBe(0);
          source.next(finish);
          expect(received).not.toContain('workflow-finish');
          source.complete();
          await done;
          expect(received.at(-1)).toBe('workflow-finish');
          expect(finishWasDurable).toBe(true);
          expect(seqs(await store.readEvents(id, userId))).toEqual([1, 2, 3, 4, 5, 6]);
          await writer.close();
        });

        it('errors the run instead of announcing a finish that was not stored', async () => {
          const missing = exId();
          const errors: unknown[] = [];
          const writer = createLogWriter(store, { onError: (e) => errors.push(e) });
          const source = new Subject<WorkflowEvent>();
          const outcome = firstValueFrom(source.pipe(persistEvents(writer), toArray()));
          source.next(runEvents(missing).finish);
          source.complete();
          await expect(outcome).rejects.toMatchObject({ code: 'unknown_execution' });
          expect(errors).toHaveLength(1);
          await writer.close();
        });
      });

      describe('event hub', () => {
        /** Delays the hub's log reads until `release()`, so events can be published mid-replay. */
        function gatedReads(when: 'before-read' | 'after-read') {
          let release!: () => void;
          const gate = new Promise<void>((r) => (release = r));
          let reading!: () => void;
          const reached = new Promise<void>((r) => (reading = r));
          const gated: Pick<ExecutionStore, 'getExecution' | 'readEvents'> = {
            getExecution: (id, userId) => store.getExecution(id, userId),
            readEvents: (async (id: string, userId: string, options?: ReadEventsOptions) => {
              if (when === 'before-read') {
                reading();
                await gate;
                return store.readEvents(id, userId, options);
              }
              const rows = await store.readEvents(id, userId, options);
              reading();
              await gate;
              return rows;
            }) as ExecutionStore['readEvents'],
          };
          return { gated, release, reached };
        }

        for (const when of ['before-read', 'after-read'] as const) {
          it(`joins replay and live with no gap and no duplicate (events published ${when})`, async () => {
            const { id, userId } = await started();
            const { gated, release, reached } = gatedReads(when);
            const hub = createEventHub(gated);
            const writer = createLogWriter(store, { hub, flushIntervalMs: 1 });
            const { start, middle, finish } = runEvents(id, ['a', 'b', 'c']);

            for (const event of [start, middle[0]!, middle[1]!]) writer.write(event);
            await writer.flush(); // seqs 1-3 durable

            const followed = firstValueFrom(hub.follow(id, userId, 1).pipe(toArray()));
            await reached;
            for (const event of middle.slice(2, 4)) writer.write(event);
            await writer.flush(); // seqs 4-5 durable and published while the replay is held
            release();
            for (const event of [...middle.slice(4), finish]) writer.write(event);
            await writer.flush();

            const received = await followed;
            expect(seqs(received)).toEqual(range(2, 8));
            expect(received.map((s) => s.event.type).at(-1)).toBe('workflow-finish');
            await writer.close();
          });
        }

        it('serves many followers joining at random moments of a run the same exact log', async () => {
          const { id, userId } = await started();
          const hub = createEventHub(store);
          const writer = createLogWriter(store, { hub, flushIntervalMs: 1, maxBatch: 7 });
          const { start, finish } = runEvents(id);
          const followers: Promise<StoredEvent<WorkflowEvent>[]>[] = [];
          const afters: number[] = [];
          writer.write(start);
          for (let n = 1; n <= 120; n++) {
            writer.write(progress(id, n));
            if (n % 10 === 0) {
              const after = n % 20 === 0 ? Math.floor(n / 3) : 0;
              afters.push(after);
              followers.push(firstValueFrom(hub.follow(id, userId, after).pipe(toArray())));
              await new Promise((r) => setTimeout(r, n % 3));
            }
          }
          writer.write(finish);
          await writer.close();
          const results = await Promise.all(followers);
          results.forEach((received, i) => expect(seqs(received)).toEqual(range(afters[i]! + 1, 122)));
        });

        it('replays a finished run and completes; an offset past the end completes empty', async () => {
          const { id, userId } = await started();
          await store.appendEvents(id, runEvents(id).all);
          const hub = createEventHub(store);
          expect(seqs(await firstValueFrom(hub.follow(id, userId).pipe(toArray())))).toEqual(range(1, 6));
          expect(await firstValueFrom(hub.follow(id, userId, 6).pipe(toArray()))).toEqual([]);
        });

        it('ends the follow of a run cancelled before it logged a finish', async () => {
          const { id, userId } = await started();
          await store.appendEvents(id, [runEvents(id).start]);
          await store.setStatus(id, userId, 'cancelled');
          const received = await firstValueFrom(createEventHub(store).follow(id, userId).pipe(toArray()));
          expect(seqs(received)).toEqual([1]);
        });
      });
    },
  );
}

describe('the embedded store', () => {
  it('creates DATA_DIR and keeps executions across restarts', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'sapflow-data-'));
    const dataDir = join(parent, 'nested', '.sapflow');
    try {
      const first = await openDatabase({ dataDir });
      expect(first.kind).toBe('pglite');
      await createExecutionStore(first).createExecution({ id: 'kept', workflowId: 'wf', userId: 'u' });
      await first.close();

      const second = await openDatabase({ dataDir });
      expect((await createExecutionStore(second).getExecution('kept', 'u'))?.workflowId).toBe('wf');
      await second.close();
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

/** A `Queryable` over one pg client, so session settings (the JWT claim) hold for every query. */
function clientQueryable(client: pg.Client): Queryable {
  return {
    async query<Row>(text: string, params?: unknown[]) {
      return { rows: (await client.query(text, params)).rows as Row[] };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

describe.skipIf(!DATABASE_URL)(
  `row-level security on Postgres${DATABASE_URL ? '' : ' (skipped: set DATABASE_URL to prove RLS on real Postgres)'}`,
  () => {
    let database: TestDatabase;
    let owner: Database;
    let role: string;
    let client: pg.Client;
    const alice = 'alice';
    const aliceRun = `ex-${randomUUID()}`;

    beforeAll(async () => {
      database = await createTestDatabase();
      owner = await openDatabase({ databaseUrl: database.url });
      const store = createExecutionStore(owner);
      await store.createExecution({ id: aliceRun, workflowId: 'wf', userId: alice });
      await store.appendEvents(aliceRun, runEvents(aliceRun).all.slice(0, 3));

      role = `sapflow_rls_${randomBytes(6).toString('hex')}`;
      const password = randomBytes(12).toString('hex');
      await onServer(DATABASE_URL!, `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await onServer(DATABASE_URL!, `GRANT sapflow_app TO ${role}`);
      client = new pg.Client({ connectionString: urlAsRole(database.url, role, password) });
      await client.connect();
    });

    afterAll(async () => {
      await client?.end();
      await owner?.close();
      await database?.drop();
      if (role) await onServer(DATABASE_URL!, `DROP ROLE IF EXISTS ${role}`);
    });

    const count = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rowCount;

    it('a non-owner role reads and changes only the rows of the user in request.jwt.claim.sub', async () => {
      const me = await client.query<{ rolsuper: boolean; rolbypassrls: boolean; owns: boolean }>(
        `SELECT r.rolsuper, r.rolbypassrls, pg_has_role(current_user, t.tableowner, 'USAGE') AS owns
         FROM pg_roles r, pg_tables t WHERE r.rolname = current_user AND t.tablename = 'workflow_executions'`,
      );
      expect(me.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, owns: false });

      // no claim: nothing
      expect(await count('SELECT * FROM workflow_executions')).toBe(0);

      await client.query("SET request.jwt.claim.sub = 'bob'");
      expect(await count('SELECT * FROM workflow_executions')).toBe(0);
      expect(await count('SELECT * FROM workflow_logs')).toBe(0);
      expect(await count("UPDATE workflow_executions SET status = 'cancelled' WHERE id = $1", [aliceRun])).toBe(0);
      expect(await count('DELETE FROM workflow_executions WHERE id = $1', [aliceRun])).toBe(0);
      await expect(
        client.query(
          "INSERT INTO workflow_log_batches (execution_id, first_seq, last_seq, events) VALUES ($1, 99, 99, '[{}]')",
          [aliceRun],
        ),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(
        client.query("INSERT INTO workflow_executions (id, workflow_id, user_id) VALUES ('forged', 'wf', 'alice')"),
      ).rejects.toMatchObject({ code: '42501' });
      // even a query that asks for alice's rows by name gets nothing: RLS, not the WHERE clause, says no
      const asBob = createExecutionStore(clientQueryable(client));
      expect(await asBob.getExecution(aliceRun, alice)).toBeNull();
      expect(await asBob.readEvents(aliceRun, alice)).toEqual([]);
      expect(await asBob.setStatus(aliceRun, alice, 'cancelled')).toBeNull();

      await client.query("SET request.jwt.claim.sub = 'alice'");
      const asAlice = createExecutionStore(clientQueryable(client));
      expect(await count('SELECT * FROM workflow_executions')).toBe(1);
      expect(await count('SELECT * FROM workflow_logs')).toBe(3);
      expect((await asAlice.getExecution(aliceRun, alice))?.status).toBe('running');
      expect(seqs(await asAlice.readEvents(aliceRun, alice))).toEqual([1, 2, 3]);
      expect(seqs(await asAlice.appendEvents(aliceRun, [progress(aliceRun, 1)]))).toEqual([4]);
      expect(await asAlice.setStatus(aliceRun, alice, 'cancelled')).toMatchObject({ status: 'cancelled' });
    });
  },
);
