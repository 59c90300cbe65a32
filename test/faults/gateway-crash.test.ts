import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionStore, openDatabase, type ExecutionRecord, type StoredEvent } from '../../src/store/index.js';
import type { WorkflowEvent } from '../../src/protocol/index.js';
import { FAULTS_LARGE, FAULTS_SEED, seededRandom, sleep, within } from '../support/faults.js';
import { expectedProbeOutcomes, FAULT_PROBE, isTerminalTaskEvent, outcomesOf, PROBE_TASK_FUNCTION, PROBE_TASK_IDS } from '../support/fault-probe.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import {
  EFFECT_TOOLS,
  idempotentToolsConfig,
  startIdempotentToolServer,
  type IdempotentToolServer,
} from '../support/idempotent-tool-server.js';

// small in `npm test`; `npm run test:faults` (FAULTS=large) runs the large one from this same file
const SIZE = FAULTS_LARGE ? { runs: 40, kills: 16, settleMs: 300_000 } : { runs: 4, kills: 2, settleMs: 60_000 };
// seed 3's run takes the odd branch, 4's and 7's the even one
const SEEDS = [3, 4, 7];
const USER = 'local';
const TERMINAL = new Set(['completed', 'partial', 'failed', 'cancelled']);
// the gateway fails a run resumed more than RUN_MAX_RESUMES (5) times; a run is caught by at most this many kills
const MAX_KILLS_PER_RUN = 3;


const dir = mkdtempSync(join(tmpdir(), 'sapflow-gateway-crash-'));
const dataDir = join(dir, 'store');
let tools: IdempotentToolServer;
let gateway: GatewayProcess | undefined;

beforeAll(async () => {
  tools = await startIdempotentToolServer({ latencyMs: [100, 300], random: seededRandom(FAULTS_SEED + 1) });
  writeFileSync(join(dir, 'tools.yaml'), idempotentToolsConfig(tools.url));
});
afterAll(async () => {
  await gateway?.kill9();
  await tools?.close();
  rmSync(dir, { recursive: true, force: true });
});

const startMs: number[] = [];
const start = async (signal?: AbortSignal) => {
  const began = Date.now();
  const started = await startGateway({ dataDir, env: { TOOLS_CONFIG: join(dir, 'tools.yaml') }, signal });
  startMs.push(Date.now() - began);
  return started;
};

interface Run {
  tag: string;
  seed: number;
  id: string;
  /** Kills that found this run unfinished in the log: each one must lead to a resume. */
  liveAtKills: number;
}

describe('gateway under kill -9', () => {
  it(`finishes every run as an uninterrupted run would (${SIZE.runs} runs, ${SIZE.kills} kills, seed ${FAULTS_SEED})`, async () => {
    const random = seededRandom(FAULTS_SEED);
    gateway = await start();

    // reference runs, nothing killed: what each seed's run must come to
    const reference = new Map<number, Record<string, { status: string; result?: unknown }>>();
    await Promise.all(
      SEEDS.map(async (seed) => {
        const response = await fetch(`${gateway!.url}/api/workflows/execute`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ definition: FAULT_PROBE, parameters: { run: `ref${seed}`, seed } }),
        });
        expect(response.status).toBe(200);
        const execution = (await response.json()) as { status: string; tasks: Record<string, { status: string; result?: unknown }> };
        expect(execution.status).toBe('completed');
        expect(outcomesOf(execution.tasks), `the uninterrupted run of seed ${seed}`).toEqual(expectedProbeOutcomes(seed));
        reference.set(seed, outcomesOf(execution.tasks));
      }),
    );
    const referenceCalls = tools.calls.length;

    const runs: Run[] = [];
    // `${executionId}:${taskId}` -> the epoch from which a call is a repeat of a task the log already had complete
    const completedBefore = new Map<string, number>();
    let kills = 0;
    let startupKills = 0;
    let inspectMs = 0;
    /** After a kill: count it, and note what the log held at that moment (read from the store while nobody owns it). */
    const afterKill = async () => {
      kills++;
      tools.epoch = kills;
      const inspectStarted = Date.now();
      const logs = await readLogs(runs.map((r) => r.id));
      inspectMs += Date.now() - inspectStarted;
      for (const run of runs) {
        const log = logs.get(run.id) ?? [];
        if (!log.some((e) => e.event.type === 'workflow-finish')) run.liveAtKills++;
        for (const { event } of log) {
          if (event.type === 'task-complete' && !completedBefore.has(`${run.id}:${event.taskId}`)) completedBefore.set(`${run.id}:${event.taskId}`, kills);
        }
      }
    };
    while (kills < SIZE.kills) {
      // a wave of new runs, then a kill at a random moment while they (and any resumed ones) are busy
      const wave = Math.max(0, Math.round(((kills + 1) * SIZE.runs) / SIZE.kills) - runs.length);
      const submitted = await Promise.all(
        Array.from({ length: wave }, async (_, i) => {
          const tag = `r${runs.length + i}`;
          const seed = SEEDS[(runs.length + i) % SEEDS.length]!;
          const response = await fetch(`${gateway!.url}/api/workflows/execute`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', prefer: 'respond-async' },
            body: JSON.stringify({ definition: FAULT_PROBE, parameters: { run: tag, seed } }),
          });
          expect(response.status).toBe(202);
          const { id } = (await response.json()) as { id: string };
          return { tag, seed, id, liveAtKills: 0 };
        }),
      );
      runs.push(...submitted);
      // now and then at once after the 202s, before the runs' first events are logged; a probe run takes 0.5-1.5 s,
      // so a late moment may find the wave done: the last kill comes at once if no kill has caught a run yet
      const lastChance = kills === SIZE.kills - 1 && runs.every((r) => r.liveAtKills === 0);
      await sleep(lastChance || random() < 0.1 ? 0 : 50 + random() * 1200);
      const caughtOften = runs.filter((r) => r.liveAtKills >= MAX_KILLS_PER_RUN);
      if (caughtOften.length > 0) await waitForTerminal(gateway, caughtOften, Date.now() + 30_000);
      await gateway.kill9();
      gateway = undefined;
      await afterKill();

      // large: now and then a kill while the next gateway starts (migrations, claiming and resuming the orphans)
      if (FAULTS_LARGE && kills < SIZE.kills && random() < 0.2 && runs.every((r) => r.liveAtKills < MAX_KILLS_PER_RUN)) {
        const moment = new AbortController();
        const timer = setTimeout(() => moment.abort(), random() * (startMs.at(-1) ?? 1000));
        try {
          const early = await start(moment.signal);
          await early.kill9(); // it was up before the moment came: killed just after it listened
        } catch (error) {
          if (!moment.signal.aborted) throw error;
        } finally {
          clearTimeout(timer);
        }
        startupKills++;
        await afterKill();
      }
      gateway = await start();
    }

    // let every run finish on the last gateway, then stop it cleanly and read the log it left
    const settled = await waitForTerminal(gateway, runs, Date.now() + SIZE.settleMs);
    const replays = new Map<string, Array<{ id: string; event: string }>>();
    for (const run of runs) if (TERMINAL.has(settled.get(run.id) ?? '')) replays.set(run.id, await replay(gateway, run.id));
    await gateway.stop();
    gateway = undefined;
    const rows = new Map<string, ExecutionRecord | null>();
    const logs = await readLogs(runs.map((r) => r.id), rows);

    const problems: string[] = [];
    // what a run lost: the run itself (not completed), a task (missing or wrong result), its seqs (a hole)
    const lost = new Set<string>();
    let duplicated = 0;
    let resumed = 0;
    for (const run of runs) {
      const log = logs.get(run.id) ?? [];
      const events = log.map((e) => e.event);
      const where = `${run.tag} (${run.id}, seed ${run.seed}, live at ${run.liveAtKills} kills)`;
      if (settled.get(run.id) !== 'completed') {
        lost.add(run.id);
        problems.push(`${where}: ended ${settled.get(run.id)}, not completed`);
      }
      if (log.some((e, i) => e.seq !== i + 1)) {
        lost.add(`${run.id}:seqs`);
        problems.push(`${where}: seqs are not 1..${log.length}: ${log.map((e) => e.seq).join(',')}`);
      }
      const starts = events.filter((e) => e.type === 'workflow-start').length;
      const finishes = events.filter((e) => e.type === 'workflow-finish');
      if (starts !== 1 || finishes.length !== 1) {
        if (starts > 1 || finishes.length > 1) duplicated++;
        else lost.add(run.id);
        problems.push(`${where}: ${starts} workflow-start and ${finishes.length} workflow-finish`);
      }
      const finish = finishes.at(-1);
      if (finish?.type === 'workflow-finish') {
        const got = outcomesOf(finish.tasks);
        const want = reference.get(run.seed)!;
        for (const taskId of PROBE_TASK_IDS) {
          if (!isDeepStrictEqual(got[taskId], want[taskId])) {
            lost.add(`${run.id}:${taskId}`);
            problems.push(`${where}: task ${taskId} finished ${JSON.stringify(got[taskId])}, the uninterrupted run ${JSON.stringify(want[taskId])}`);
          }
        }
      }
      // the execution row, as history shows it, is the uninterrupted run's too
      const row = rows.get(run.id);
      if (row?.status !== 'completed' || !isDeepStrictEqual(outcomesOf(row.tasks), reference.get(run.seed))) {
        lost.add(run.id);
        problems.push(`${where}: the execution row says ${row?.status} with tasks ${JSON.stringify(row && outcomesOf(row.tasks))}`);
      }
      for (const taskId of PROBE_TASK_IDS) {
        const terminal = events.filter((e) => isTerminalTaskEvent(e) && e.taskId === taskId).length;
        const settledAt = events.findIndex((e) => isTerminalTaskEvent(e) && e.taskId === taskId);
        if (settledAt >= 0 && events.slice(settledAt).some((e) => e.type === 'task-start' && e.taskId === taskId)) {
          duplicated++;
          problems.push(`${where}: task ${taskId} started again after it had settled`);
        }
        if (terminal !== 1) {
          if (terminal > 1) duplicated += terminal - 1;
          else lost.add(`${run.id}:${taskId}`);
          problems.push(`${where}: ${terminal} terminal events for task ${taskId}`);
        }
      }
      const resumes = events.filter((e) => e.type === 'run-resumed');
      resumed += resumes.length;
      if (run.liveAtKills > 0 && (resumes.length < 1 || resumes.length > run.liveAtKills)) {
        problems.push(`${where}: ${resumes.length} run-resumed events (expected 1..${run.liveAtKills})`);
      }
      if (run.liveAtKills === 0 && resumes.length > 0) problems.push(`${where}: resumed ${resumes.length} times though it had finished before any kill`);
      resumes.forEach((event, i) => {
        if (event.type !== 'run-resumed') return;
        // attempts count claims: one cut short by a kill before it logged anything leaves a gap, never a repeat
        const previous = i === 0 ? 0 : (resumes[i - 1] as { attempt: number }).attempt;
        if (event.attempt <= previous || event.executionId !== run.id) problems.push(`${where}: run-resumed #${i + 1} says attempt ${event.attempt} after ${previous}`);
        // every task complete in the log before the resume is reused, never run again
        const position = events.indexOf(event);
        const completedEarlier = new Set(events.slice(0, position).flatMap((e) => (e.type === 'task-complete' ? [e.taskId] : [])));
        const reused = new Set(event.reusedTasks);
        for (const taskId of completedEarlier) if (!reused.has(taskId)) problems.push(`${where}: run-resumed #${i + 1} does not reuse ${taskId}, complete before it`);
      });
      // what a client following the run over SSE is replayed: the same log, seq for seq
      const replayed = replays.get(run.id);
      if (replayed && JSON.stringify(replayed) !== JSON.stringify(log.map((e) => ({ id: String(e.seq), event: e.event.type })))) {
        problems.push(`${where}: GET /events replayed ${replayed.length} frames (${replayed.map((f) => f.id).join(',')}), the log has ${log.length}`);
      }
      const finishAt = events.findIndex((e) => e.type === 'workflow-finish');
      if (finishAt >= 0 && finishAt !== events.length - 1) problems.push(`${where}: ${events.length - 1 - finishAt} events after workflow-finish`);

      // the tool server's side: keys, repeats, side effects
      for (const taskId of PROBE_TASK_IDS) {
        const key = `${run.id}:${taskId}`;
        const calls = tools.calls.filter((c) => c.args.run === run.tag && c.args.task === taskId);
        const badKeys = calls.filter((c) => c.key !== key);
        if (badKeys.length > 0) problems.push(`${where}: ${taskId} called with Idempotency-Key ${JSON.stringify(badKeys[0]!.key)}, not ${key}`);
        const completedAt = completedBefore.get(key);
        if (completedAt !== undefined) {
          const repeats = calls.filter((c) => c.epoch >= completedAt).length;
          if (repeats > 0) {
            duplicated += repeats;
            problems.push(`${where}: ${taskId} was called ${repeats} more time(s) after its task-complete was in the log`);
          }
        }
        if (EFFECT_TOOLS.has(PROBE_TASK_FUNCTION.get(taskId)!)) {
          const effects = tools.effects.filter((e) => e.args.run === run.tag && e.args.task === taskId).length;
          const want = reference.get(run.seed)![taskId]!.status === 'completed' ? 1 : 0;
          if (effects !== want) {
            if (effects > want) duplicated += effects - want;
            problems.push(`${where}: ${taskId} had ${effects} side effects, expected ${want}`);
          }
        }
      }
    }
    const keys = new Map<string, number>();
    for (const effect of tools.effects) keys.set(String(effect.key), (keys.get(String(effect.key)) ?? 0) + 1);
    const doubledKeys = [...keys].filter(([, n]) => n > 1);
    if (doubledKeys.length > 0) problems.push(`${doubledKeys.length} keys led to more than one side effect, e.g. ${doubledKeys[0]![0]}`);

    const resumedRuns = runs.filter((r) => r.liveAtKills > 0).length;
    console.log(
      `gateway faults: runs ${runs.length}, kills ${kills} (${startupKills} while starting), lost ${lost.size}, duplicated ${duplicated}, resumed ${resumed} (${resumedRuns} runs live at a kill), ` +
        `tool calls ${tools.calls.length - referenceCalls} (${tools.calls.filter((c) => c.key === null).length} without Idempotency-Key), ` +
        `side effects ${tools.effects.length}; gateway starts ${startMs.join('/')} ms, log inspections ${inspectMs} ms, seed ${FAULTS_SEED}`,
    );
    expect(resumedRuns, 'no run was caught mid-way by a kill; the test proved nothing').toBeGreaterThan(0);
    expect(problems.slice(0, 40)).toEqual([]);
    expect({ lost: lost.size, duplicated }).toEqual({ lost: 0, duplicated: 0 });
  }, FAULTS_LARGE ? 30 * 60_000 : 300_000);
});

/** Every run's log (and, into `rows`, its execution row), read from the store on disk while no gateway runs. */
async function readLogs(ids: string[], rows?: Map<string, ExecutionRecord | null>): Promise<Map<string, StoredEvent<WorkflowEvent>[]>> {
  const db = await within(90_000, 'the store to open after a kill', openDatabase({ dataDir }));
  try {
    const store = createExecutionStore(db);
    const logs = new Map<string, StoredEvent<WorkflowEvent>[]>();
    for (const id of ids) {
      logs.set(id, await store.readEvents<WorkflowEvent>(id, USER));
      rows?.set(id, await store.getExecution(id, USER));
    }
    return logs;
  } finally {
    await db.close();
  }
}

/** The frames (id and event name) GET /api/executions/:id/events replays for a finished run, until it ends. */
async function replay(gateway: GatewayProcess, id: string): Promise<Array<{ id: string; event: string }>> {
  const response = await fetch(`${gateway.url}/api/executions/${id}/events`, { headers: { accept: 'text/event-stream' }, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  return text
    .split('\n\n')
    // an SSE field is `name:value` with one optional space after the colon (better-sse writes none)
    .map((block) => Object.fromEntries(block.split('\n').flatMap((line) => {
      const field = /^(id|event): ?(.*)$/.exec(line);
      return field ? [[field[1]!, field[2]!]] : [];
    })))
    .filter((frame): frame is { id: string; event: string } => frame.id !== undefined)
    .map(({ id, event }) => ({ id, event }));
}

/** Polls each run until it is terminal or `deadline` passes; resolves with every run's last status. */
async function waitForTerminal(gateway: GatewayProcess, runs: Run[], deadline: number): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  while (Date.now() < deadline) {
    for (const run of runs) {
      if (TERMINAL.has(statuses.get(run.id) ?? '')) continue;
      const response = await fetch(`${gateway.url}/api/executions/${run.id}`);
      const { status } = (await response.json()) as { status: string };
      statuses.set(run.id, status);
    }
    if (runs.every((r) => TERMINAL.has(statuses.get(r.id) ?? ''))) break;
    await sleep(250);
  }
  return statuses;
}
