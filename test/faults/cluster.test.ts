import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowEvent } from '../../src/protocol/index.js';
import { cleanRedis, clusterSkipReason, REDIS_URL, testRedisPrefix } from '../support/cluster.js';
import { FAULTS_LARGE, FAULTS_SEED, seededRandom, sleep, within } from '../support/faults.js';
import { expectedProbeOutcomes, FAULT_PROBE, isTerminalTaskEvent, outcomesOf, PROBE_TASK_FUNCTION, PROBE_TASK_IDS } from '../support/fault-probe.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { EFFECT_TOOLS, idempotentToolsConfig, startIdempotentToolServer, type IdempotentToolServer } from '../support/idempotent-tool-server.js';
import { readSse } from '../support/start-test-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/**
 * A real cluster under kill -9: two gateways and three workers as processes on one Postgres and one Redis, a tool
 * server counting calls by Idempotency-Key. Runs go in through both gateways; a random worker is killed every few
 * seconds and restarted, gateway A once. Gateway A also takes runs off the queue (the default), gateway B only
 * queues and serves the listeners, so every event B streams crossed Redis.
 */

const skip = clusterSkipReason('the cluster fault test (test/faults/cluster.test.ts)');
// small in `npm test`; `npm run test:faults` (FAULTS=large) runs the large one from this same file
const SIZE = FAULTS_LARGE ? { runs: 120, workerKills: 12, gapMs: [2_000, 4_000], settleMs: 300_000 } : { runs: 12, workerKills: 3, gapMs: [1_500, 2_500], settleMs: 90_000 };
const SEEDS = [3, 4, 7];
const TERMINAL = new Set(['completed', 'partial', 'failed', 'cancelled']);
const LEASE_MS = 4_000;
/** The issue's bound on a killed process's runs going on elsewhere. */
const FAILOVER_BOUND_MS = 10_000;

interface Run {
  tag: string;
  seed: number;
  id: string;
  via: 'A' | 'B';
  /** What the listener on gateway B saw: every frame, seq and event. */
  heard: Promise<{ seq: number; event: WorkflowEvent }[]>;
}

interface Kill {
  what: string;
  at: number;
  /** Runs its process held when it died. */
  held: string[];
}

describe.skipIf(skip)(`a cluster under kill -9${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sapflow-cluster-faults-'));
  const prefix = testRedisPrefix();
  let database: TestDatabase;
  let db: pg.Pool;
  let tools: IdempotentToolServer;
  let clock: NodeJS.Timeout | undefined;
  let a: GatewayProcess | undefined;
  let b: GatewayProcess | undefined;
  const workers: (WorkerProcess | undefined)[] = [undefined, undefined, undefined];
  const restarting = new Set<Promise<unknown>>();

  const env = () => ({
    DATABASE_URL: database.url,
    REDIS_URL: REDIS_URL!,
    REDIS_PREFIX: prefix,
    RUN_LEASE_MS: String(LEASE_MS),
    RUN_MAX_RESUMES: '10',
    TOOLS_CONFIG: join(dir, 'tools.yaml'),
  });
  const startA = () => startGateway({ dataDir: join(dir, 'unused-a'), env: env() });
  const startB = () => startGateway({ dataDir: join(dir, 'unused-b'), env: { ...env(), RUN_WORKFLOWS: 'false' } });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    tools = await startIdempotentToolServer({ latencyMs: [100, 300], random: seededRandom(FAULTS_SEED + 1) });
    // each call is stamped with the time it arrived, so a call after its task's task-complete was logged is a repeat
    clock = setInterval(() => (tools.epoch = Date.now()), 2);
    writeFileSync(join(dir, 'tools.yaml'), idempotentToolsConfig(tools.url));
    // one at a time: the migrations of the first make the others' start-up quick
    b = await startB();
    [a] = await Promise.all([startA(), ...workers.map(async (_, i) => (workers[i] = await startWorkerProcess({ env: env() })))]);
  }, 180_000);
  afterAll(async () => {
    clearInterval(clock);
    await Promise.allSettled(restarting);
    await Promise.all([a?.kill9(), b?.kill9(), ...workers.map((w) => w?.kill9())]);
    await tools?.close();
    await db?.end();
    await cleanRedis(prefix);
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const submit = async (gateway: GatewayProcess, tag: string, seed: number) => {
    const response = await fetch(`${gateway.url}/api/workflows/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ definition: FAULT_PROBE, parameters: { run: tag, seed } }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  /** A listener on gateway B from the moment the run was accepted until its end. */
  const listen = async (id: string) => {
    const response = await fetch(`${b!.url}/api/executions/${id}/events`, { headers: { accept: 'text/event-stream' } });
    const frames: { seq: number; event: WorkflowEvent }[] = [];
    for await (const frame of readSse(response)) frames.push({ seq: Number(frame.id), event: JSON.parse(frame.data) as WorkflowEvent });
    return frames;
  };
  /**
   * Kills come every few seconds, but a restart under CI's load can take longer: the next wave waits until some
   * process that runs workflows (a worker or gateway A) stays up after its kills (`count` up: one more than it
   * kills), so there is always another process to fail over to and the failover measured is Sapflow's, not the time
   * a restart takes.
   */
  const othersUp = (count: number) =>
    within(120_000, 'a restarted process, so that one that runs workflows stays up after the next kills', (async () => {
      while ([a, ...workers].filter(Boolean).length < count) await sleep(100);
    })());
  const heldBy = async (pid: number) =>
    (await db.query<{ id: string }>(`SELECT id FROM workflow_executions WHERE lease_owner LIKE $1 AND status IN ('pending', 'running')`, [`sapflow-%-${pid}-%`])).rows.map((r) => r.id);

  it(`every run completes as an uninterrupted run would (${SIZE.runs} runs, ${SIZE.workerKills} worker kills + 1 gateway, seed ${FAULTS_SEED})`, async () => {
    const random = seededRandom(FAULTS_SEED);

    // reference runs, nothing killed: what each seed's run must come to
    for (const seed of SEEDS) {
      const id = await submit(b!, `ref${seed}`, seed);
      const frames = await within(30_000, `reference run of seed ${seed}`, listen(id));
      const finish = frames.at(-1)?.event;
      expect(finish?.type === 'workflow-finish' && outcomesOf(finish.tasks), `the uninterrupted run of seed ${seed}`).toEqual(expectedProbeOutcomes(seed));
    }
    const referenceCalls = tools.calls.length;

    const runs: Run[] = [];
    const kills: Kill[] = [];
    const waves = SIZE.workerKills + 1;
    const gatewayKillWave = Math.floor(waves / 2);
    for (let wave = 0; wave < waves; wave++) {
      // before the wave, so its kill still comes while its runs are busy
      if (wave < waves - 1) await othersUp(wave === gatewayKillWave ? 3 : 2);
      const count = Math.round(((wave + 1) * SIZE.runs) / waves) - runs.length;
      const submitted = await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const tag = `r${runs.length + i}`;
          const seed = SEEDS[(runs.length + i) % SEEDS.length]!;
          const via = (runs.length + i) % 2 === 0 && a ? 'A' : 'B';
          const id = await submit(via === 'A' ? a! : b!, tag, seed);
          return { tag, seed, id, via, heard: listen(id) } satisfies Run;
        }),
      );
      for (const run of submitted) run.heard.catch(() => {});
      runs.push(...submitted);
      if (wave === waves - 1) break;
      // the kill comes while the wave's runs are busy (now and then at once, before their first event is logged)
      const gap = SIZE.gapMs[0]! + random() * (SIZE.gapMs[1]! - SIZE.gapMs[0]!);
      const killIn = random() < 0.1 ? 0 : 100 + random() * 600;
      await sleep(killIn);

      if (wave === gatewayKillWave && a) {
        const gone = a;
        a = undefined;
        const at = Date.now();
        await gone.kill9();
        kills.push({ what: `gateway A (pid ${gone.pid})`, at, held: await heldBy(gone.pid) });
        const restart = startA().then((started) => (a = started));
        restarting.add(restart);
        void restart.finally(() => restarting.delete(restart));
      }
      const up = workers.flatMap((w, i) => (w ? [i] : []));
      if (up.length === 0) continue;
      // a random worker among those running some of the wave's runs (a kill that held nothing tests nothing)
      const busy = (await Promise.all(up.map(async (i) => ((await heldBy(workers[i]!.pid)).length > 0 ? [i] : [])))).flat();
      const pool = busy.length > 0 ? busy : up;
      const index = pool[Math.floor(random() * pool.length)]!;
      const victim = workers[index]!;
      workers[index] = undefined;
      const at = Date.now();
      await victim.kill9();
      kills.push({ what: `worker ${index + 1} (pid ${victim.pid})`, at, held: await heldBy(victim.pid) });
      const restart = startWorkerProcess({ env: env() }).then((started) => (workers[index] = started));
      restarting.add(restart);
      void restart.finally(() => restarting.delete(restart));
      await sleep(Math.max(0, gap - killIn));
    }

    // every run ends; the listeners on B end with them
    const deadline = Date.now() + SIZE.settleMs;
    let statuses = new Map<string, string>();
    while (Date.now() < deadline) {
      const { rows } = await db.query<{ id: string; status: string }>('SELECT id, status FROM workflow_executions WHERE id = ANY($1::text[])', [runs.map((r) => r.id)]);
      statuses = new Map(rows.map((r) => [r.id, r.status]));
      if (runs.every((r) => TERMINAL.has(statuses.get(r.id) ?? ''))) break;
      await sleep(250);
    }
    const heard = await within(30_000, 'the listeners on gateway B to end', Promise.all(runs.map((r) => r.heard.catch((error: unknown) => [{ seq: -1, event: { type: String(error) } as unknown as WorkflowEvent }]))));

    const problems: string[] = [];
    const lost = new Set<string>();
    let duplicated = 0;
    for (const [index, run] of runs.entries()) {
      const where = `${run.tag} (${run.id}, seed ${run.seed}, via ${run.via})`;
      const { rows: logRows } = await db.query<{ seq: number; payload: WorkflowEvent; created_at: Date }>(
        'SELECT seq, payload, created_at FROM workflow_logs WHERE execution_id = $1 ORDER BY seq',
        [run.id],
      );
      const log = logRows.map((r) => ({ seq: Number(r.seq), event: r.payload }));
      const events = log.map((e) => e.event);
      if (statuses.get(run.id) !== 'completed') {
        lost.add(run.id);
        problems.push(`${where}: ended ${statuses.get(run.id)}, not completed`);
      }
      if (log.some((e, i) => e.seq !== i + 1)) {
        lost.add(`${run.id}:seqs`);
        problems.push(`${where}: seqs are not 1..${log.length}`);
      }
      const finishes = events.filter((e) => e.type === 'workflow-finish');
      const starts = events.filter((e) => e.type === 'workflow-start').length;
      if (starts !== 1 || finishes.length !== 1) {
        if (starts > 1 || finishes.length > 1) duplicated++;
        else lost.add(run.id);
        problems.push(`${where}: ${starts} workflow-start and ${finishes.length} workflow-finish`);
      }
      const finish = finishes.at(-1);
      const want = expectedProbeOutcomes(run.seed);
      if (finish?.type === 'workflow-finish' && !isDeepStrictEqual(outcomesOf(finish.tasks), want)) {
        lost.add(`${run.id}:result`);
        problems.push(`${where}: finished ${JSON.stringify(outcomesOf(finish.tasks))}, the uninterrupted run ${JSON.stringify(want)}`);
      }
      for (const taskId of PROBE_TASK_IDS) {
        const terminal = events.filter((e) => isTerminalTaskEvent(e) && e.taskId === taskId).length;
        if (terminal !== 1) {
          if (terminal > 1) duplicated += terminal - 1;
          else lost.add(`${run.id}:${taskId}`);
          problems.push(`${where}: ${terminal} terminal events for task ${taskId}`);
        }
        // no task that completed is called again: no call of its key after its task-complete was logged
        const key = `${run.id}:${taskId}`;
        const calls = tools.calls.filter((c) => c.args.run === run.tag && c.args.task === taskId);
        const wrongKey = calls.find((c) => c.key !== key);
        if (wrongKey) problems.push(`${where}: ${taskId} called with Idempotency-Key ${JSON.stringify(wrongKey.key)}`);
        const completedRow = logRows.find((r) => r.payload.type === 'task-complete' && (r.payload as { taskId: string }).taskId === taskId);
        if (completedRow) {
          const repeats = calls.filter((c) => c.epoch > completedRow.created_at.getTime() + 5).length;
          if (repeats > 0) {
            duplicated += repeats;
            problems.push(`${where}: ${taskId} was called ${repeats} more time(s) after its task-complete was logged`);
          }
        }
        if (EFFECT_TOOLS.has(PROBE_TASK_FUNCTION.get(taskId)!)) {
          const effects = tools.effects.filter((e) => e.args.run === run.tag && e.args.task === taskId).length;
          const expected = want[taskId]!.status === 'completed' ? 1 : 0;
          if (effects !== expected) {
            if (effects > expected) duplicated += effects - expected;
            problems.push(`${where}: ${taskId} had ${effects} side effects, expected ${expected}`);
          }
        }
      }
      // the listener on the surviving gateway: every event once, in order, the log's own
      const got = heard[index]!;
      // (deep equality: Postgres keeps jsonb keys in its own order, the live events in the engine's)
      if (!isDeepStrictEqual(got, log)) {
        const seqs = got.map((f) => f.seq);
        if (new Set(seqs).size !== seqs.length) duplicated++;
        else lost.add(`${run.id}:heard`);
        problems.push(`${where}: the listener on B heard seqs ${seqs.join(',')}, the log has 1..${log.length}`);
      }
    }
    const perKey = new Map<string, number>();
    for (const effect of tools.effects) perKey.set(String(effect.key), (perKey.get(String(effect.key)) ?? 0) + 1);
    const doubled = [...perKey].filter(([, n]) => n > 1);
    if (doubled.length > 0) problems.push(`${doubled.length} keys led to more than one side effect, e.g. ${doubled[0]![0]}`);

    // failover: from a kill to the next event any of its runs logged elsewhere. A run whose next process was killed
    // too before it logged anything is measured from that later kill (it had gone on, unseen, before it)
    let longestFailover = 0;
    let caught = 0;
    const failovers: string[] = [];
    for (const [k, kill] of kills.entries()) {
      for (const id of kill.held) {
        caught++;
        const { rows } = await db.query<{ first: Date | null }>('SELECT min(created_at) AS first FROM workflow_logs WHERE execution_id = $1 AND created_at > $2', [id, new Date(kill.at)]);
        const first = rows[0]?.first;
        const later = kills.slice(k + 1).find((next) => next.held.includes(id));
        if (later && (!first || first.getTime() > later.at)) continue;
        if (!first) {
          problems.push(`${id}: nothing was logged after ${kill.what} was killed`);
          continue;
        }
        const ms = first.getTime() - kill.at;
        failovers.push(`${ms} ms (${kill.what}, run ${id.slice(0, 8)})`);
        longestFailover = Math.max(longestFailover, ms);
      }
    }
    failovers.sort((x, y) => parseInt(y) - parseInt(x));
    console.log(
      `cluster faults: runs ${runs.length} (${runs.filter((r) => r.via === 'A').length} via A), kills ${kills.length} (${kills.map((k) => `${k.what}: ${k.held.length} runs`).join('; ')}), ` +
        `lost ${lost.size}, duplicated ${duplicated}, longest failover ${longestFailover} ms over ${caught} caught runs (slowest: ${failovers.slice(0, 3).join(', ')}), ` +
        `tool calls ${tools.calls.length - referenceCalls}, side effects ${tools.effects.length}, seed ${FAULTS_SEED}`,
    );
    expect(problems.slice(0, 40)).toEqual([]);
    expect(caught, 'no run was held by a killed process; the test proved nothing').toBeGreaterThan(0);
    expect({ lost: lost.size, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(longestFailover).toBeLessThan(FAILOVER_BOUND_MS);
  }, FAULTS_LARGE ? 30 * 60_000 : 300_000);
});
