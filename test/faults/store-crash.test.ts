import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createExecutionStore, openDatabase } from '../../src/store/index.js';
import { FAULTS_LARGE, FAULTS_SEED, isolatedEnv, seededRandom, sleep, spawnLines, within, type LineChild } from '../support/faults.js';

const WRITER = fileURLToPath(new URL('../support/store-crash-writer.ts', import.meta.url));
// small in `npm test`, 50 kills in `npm run test:faults`; the budget stops the small one early on a slow machine
const SIZE = FAULTS_LARGE ? { kills: 50, budgetMs: 20 * 60_000 } : { kills: 5, budgetMs: 25_000 };
const OPEN_TIMEOUT_MS = 90_000;

const dataDir = mkdtempSync(join(tmpdir(), 'sapflow-store-crash-'));
let current: LineChild | undefined;
afterAll(async () => {
  await current?.kill9();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * The embedded store under `kill -9` at random moments: a child opens PGlite on a DATA_DIR and appends events in a
 * busy loop, printing each seq once appendEvents has resolved; it is killed, the next child opens the same folder
 * (sometimes killed again while it opens and recovers), and at the end every committed event must be there.
 */
describe('embedded store crash safety', () => {
  it(`opens after every kill -9 and keeps every committed event (up to ${SIZE.kills} kills, seed ${FAULTS_SEED})`, async () => {
    const random = seededRandom(FAULTS_SEED);
    const committed = new Map<string, Map<number, unknown>>();
    const started = Date.now();
    let kills = 0;
    let killedWhileOpening = 0;
    let opens = 0;
    let openMs = 0;

    while (kills < SIZE.kills && (kills < 2 || Date.now() - started < SIZE.budgetMs)) {
      let onReady!: () => void;
      let onCommit!: () => void;
      const ready = new Promise<void>((resolve) => (onReady = resolve));
      const firstCommit = new Promise<void>((resolve) => (onCommit = resolve));
      const spawnedAt = Date.now();
      const child = spawnLines(['--import', 'tsx', WRITER, dataDir, `k${kills}`], isolatedEnv({}), (line) => {
        if (line === 'ready') {
          openMs = Date.now() - spawnedAt; // the latest open's length: the range the next kill-while-opening picks from
          return onReady();
        }
        const found = /^committed (\S+) (\d+) (.*)$/.exec(line);
        if (!found) return;
        const [, executionId, seq, payload] = found;
        if (!committed.has(executionId!)) committed.set(executionId!, new Map());
        committed.get(executionId!)!.set(Number(seq), JSON.parse(payload!));
        onCommit();
      });
      current = child;
      let killing = false;
      const exitedByItself = child.closed.then(({ code, signal }): Promise<never> => {
        if (killing) return new Promise<never>(() => {});
        throw new Error(`the writer exited by itself (code ${code}, signal ${signal}) after ${kills} kills:\n${child.stderr()}`);
      });

      // a kill while the store opens (crash recovery in progress) is one of the moments that must be survivable
      const whileOpening = kills > 0 && openMs > 0 && random() < 0.25;
      if (whileOpening) {
        await Promise.race([sleep(random() * openMs), ready, exitedByItself]);
      } else {
        await within(OPEN_TIMEOUT_MS, `the store to open after ${kills} kills`, Promise.race([ready, exitedByItself]));
        await within(30_000, 'a first commit', Promise.race([firstCommit, exitedByItself]));
        await Promise.race([sleep(20 + random() * 600), exitedByItself]);
      }
      if (await isDone(ready)) opens++;
      else killedWhileOpening++;
      killing = true;
      await child.kill9();
      kills++;
    }

    const db = await within(OPEN_TIMEOUT_MS, `the store to open after ${kills} kills`, openDatabase({ dataDir }));
    let events = 0;
    let lost = 0;
    let altered = 0;
    try {
      const store = createExecutionStore(db);
      for (const [executionId, seqs] of committed) {
        const logged = await store.readEvents<unknown>(executionId, 'local');
        const bySeq = new Map(logged.map((e) => [e.seq, e.event]));
        // the log itself: seqs 1..n with no hole, whatever made it past the kill
        expect(logged.map((e) => e.seq), executionId).toEqual(logged.map((_, i) => i + 1));
        const row = await store.getExecution(executionId, 'local');
        expect(row?.lastSeq, executionId).toBe(logged.length);
        for (const [seq, payload] of seqs) {
          events++;
          if (!bySeq.has(seq)) lost++;
          else if (!isDeepStrictEqual(bySeq.get(seq), payload)) altered++;
        }
      }
    } finally {
      await db.close();
    }
    console.log(
      `store crash: kills ${kills} (${killedWhileOpening} while opening), opens ${opens + 1}, committed events ${events} in ${committed.size} executions, lost ${lost}, altered ${altered}, seed ${FAULTS_SEED}, ${Math.round((Date.now() - started) / 1000)} s`,
    );
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(events).toBeGreaterThan(0);
    expect({ lost, altered }).toEqual({ lost: 0, altered: 0 });
  }, SIZE.budgetMs + 3 * OPEN_TIMEOUT_MS);
});

async function isDone(promise: Promise<void>): Promise<boolean> {
  return Promise.race([promise.then(() => true), sleep(0).then(() => false)]);
}

