/**
 * The chat bench (issues 3 and 8): one tool-calling chat turn, side by side in one process - Sapflow (POST /api/chat
 * over a real socket, through the run pipeline: the turn logged with its text on the embedded store on disk, its
 * `finish` held until the log is durable), the Vercel AI SDK v7 `streamText` with the same tools, and a sequential
 * baseline (the "before") - all served by the same scripted OpenAI-compatible upstream and the same HTTP tool service.
 * Medians of 7 turns each, interleaved, after a warm-up. Run it with `npm run bench chat` (or `npx tsx bench/chat.ts`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { arch, cpus, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSapflow } from '../src/server.js';
import { startChatToolServer, writeToolsConfig } from '../test/support/chat-tool-server.js';
import { startScriptedOpenAI } from '../test/support/scripted-openai.js';
import { runAiSdkTurn, runSapflowTurn, runSequentialTurn, type BenchUpstream, type TurnTiming } from './chat-runners.js';
import { benchScript, physicalLimit, SCENES, type ChatScene } from './chat-scenes.js';
import { formatTable } from './engine-table.js';
import { writeResults } from './run.js';
import { cleanRedis, testRedisPrefix } from '../test/support/cluster.js';
import { createTestDatabase } from '../test/support/test-database.js';

const TURNS = 7;
const TARGETS = { vsAiSdk: 1, vsAiSdkSceneB: 0.85, speedupVsSequential: 1.5 };
type Runner = 'sapflow' | 'aiSdk' | 'sequential' | 'cluster';
/**
 * `cluster`: a second Sapflow gateway in cluster mode (REDIS_URL, Postgres) beside the embedded one, when this
 * machine's Redis and Postgres answer; a chat turn there runs on the gateway that holds the client, as in one process.
 */
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const TARGET_CLUSTER_VS_SINGLE = 1.05;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (ms: number) => Math.round(ms * 10) / 10;

const started = Date.now();
const modelRequests: number[] = [];
const openai = await startScriptedOpenAI({
  script: (body: Parameters<typeof benchScript>[0]) => {
    modelRequests.push(Date.now());
    return benchScript(body);
  },
});
const tools = await startChatToolServer();
const config = await writeToolsConfig(tools, SCENES.flatMap((scene) => scene.tools.map((t) => ({ name: t.name, behaviour: { ms: t.ms } }))));
// the gateway's default store: PGlite in a folder on disk, so every turn pays for its durable log as it would in use
const dataDir = await mkdtemp(join(tmpdir(), 'sapflow-bench-chat-'));
const sapflow = await startSapflow({
  port: 0,
  host: '127.0.0.1',
  env: { DATA_DIR: dataDir, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: openai.url, TOOLS_CONFIG: config.path, SAPFLOW_SEED_SAMPLE_DATA: 'false' },
});
const clusterDatabase = await createTestDatabase(DATABASE_URL).catch((error: unknown) => {
  console.log(`no cluster runner: Postgres at ${DATABASE_URL} does not answer (${error instanceof Error ? error.message : String(error)})`);
  return undefined;
});
const clusterPrefix = testRedisPrefix();
const clustered = clusterDatabase
  ? await startSapflow({
      port: 0,
      host: '127.0.0.1',
      env: {
        DATABASE_URL: clusterDatabase.url, REDIS_URL, REDIS_PREFIX: clusterPrefix,
        OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: openai.url, TOOLS_CONFIG: config.path, SAPFLOW_SEED_SAMPLE_DATA: 'false',
      },
    })
  : undefined;
const LABELS: Record<Runner, string> = { sapflow: 'Sapflow', aiSdk: 'AI SDK v7', sequential: 'sequential', cluster: 'Sapflow cluster' };
const RUNNERS: Runner[] = clustered ? ['sapflow', 'aiSdk', 'sequential', 'cluster'] : ['sapflow', 'aiSdk', 'sequential'];
const upstream: BenchUpstream = { openaiUrl: openai.url, tools, modelRequests };
const run = (runner: Runner, scene: ChatScene): Promise<TurnTiming> =>
  runner === 'sapflow' ? runSapflowTurn(upstream, sapflow.url, scene)
  : runner === 'cluster' ? runSapflowTurn(upstream, clustered!.url, scene)
  : runner === 'aiSdk' ? runAiSdkTurn(upstream, scene) : runSequentialTurn(upstream, scene);

interface SceneResult {
  scene: string;
  title: string;
  physicalLimitMs: number;
  modelTurnMs: number;
  finalStepMs: number;
  lastArgumentFragmentMs: number[];
  medianMs: Record<Runner, number>;
  /** Median time after the start at which each tool request reached the tool service, in stream order. */
  medianToolStartMs: Record<Runner, number[]>;
  runsMs: Record<Runner, number[]>;
  /** Median time after the start at which the first model request reached the upstream. */
  medianFirstModelRequestMs: Record<Runner, number>;
  /** Median time from the final model request (the step after the tools) to the end of the turn. */
  medianAfterLastModelRequestMs: Record<Runner, number>;
  sapflowVsAiSdk: number;
  /** The cluster-mode gateway's median over the single-process one's; null without Redis and Postgres. */
  clusterVsSingle: number | null;
  sapflowVsLimit: number;
  aiSdkVsLimit: number;
  sequentialVsLimit: number;
  speedupVsSequential: number;
}

const results: SceneResult[] = [];
let loggedTurns = 0;
try {
  for (const scene of SCENES) {
    for (const runner of RUNNERS) await run(runner, scene); // warm-up: connections, JIT
    const timings: Record<Runner, TurnTiming[]> = { sapflow: [], aiSdk: [], sequential: [], cluster: [] };
    for (let i = 0; i < TURNS; i += 1) {
      // rotate the order so no runner always goes first after an idle moment
      for (let k = 0; k < RUNNERS.length; k += 1) {
        const runner = RUNNERS[(i + k) % RUNNERS.length]!;
        timings[runner].push(await run(runner, scene));
      }
    }
    const limit = physicalLimit(scene);
    const medianMs = Object.fromEntries(RUNNERS.map((r) => [r, round(median(timings[r].map((t) => t.wallMs)))])) as Record<Runner, number>;
    const medianToolStartMs = Object.fromEntries(
      RUNNERS.map((r) => [r, scene.tools.map((_, i) => round(median(timings[r].map((t) => [...t.toolStartsMs].sort((a, b) => a - b)[i] ?? NaN))))]),
    ) as Record<Runner, number[]>;
    const perRunner = (of: (t: TurnTiming) => number) =>
      Object.fromEntries(RUNNERS.map((r) => [r, round(median(timings[r].map(of)))])) as Record<Runner, number>;
    results.push({
      scene: scene.id,
      title: scene.title,
      physicalLimitMs: limit.limitMs,
      modelTurnMs: limit.turnMs,
      finalStepMs: limit.finalStepMs,
      lastArgumentFragmentMs: limit.lastFragmentMs,
      medianMs,
      medianToolStartMs,
      runsMs: Object.fromEntries(RUNNERS.map((r) => [r, timings[r].map((t) => round(t.wallMs))])) as Record<Runner, number[]>,
      medianFirstModelRequestMs: perRunner((t) => t.modelRequestsMs[0] ?? NaN),
      medianAfterLastModelRequestMs: perRunner((t) => t.wallMs - (t.modelRequestsMs.at(-1) ?? NaN)),
      sapflowVsAiSdk: medianMs.sapflow / medianMs.aiSdk,
      clusterVsSingle: clustered ? medianMs.cluster / medianMs.sapflow : null,
      sapflowVsLimit: medianMs.sapflow / limit.limitMs,
      aiSdkVsLimit: medianMs.aiSdk / limit.limitMs,
      sequentialVsLimit: medianMs.sequential / limit.limitMs,
      speedupVsSequential: medianMs.sequential / medianMs.sapflow,
    });
  }
  loggedTurns = await checkTurnsLogged();
} finally {
  await sapflow.close();
  await clustered?.close();
  await clusterDatabase?.drop().catch(() => {});
  await cleanRedis(clusterPrefix).catch(() => {});
  await Promise.all([openai.close(), tools.close(), config.remove()]);
  await rm(dataDir, { recursive: true, force: true });
}

/** Every Sapflow turn is in the log, durable: its text, its tool results, its `finish` (else the figures would not count the log). */
async function checkTurnsLogged(): Promise<number> {
  const expected = SCENES.length * (TURNS + 1);
  const { store } = sapflow.runtime;
  const turns = [];
  for (let cursor: string | undefined, page; (page = await store.listExecutions('local', { kind: 'chat', limit: 100, cursor })); cursor = page.nextCursor) {
    turns.push(...page.items);
    if (!page.nextCursor) break;
  }
  if (turns.length !== expected) throw new Error(`${turns.length} chat turns in the log, expected ${expected}`);
  for (const turn of turns) {
    const types = (await store.readEvents<{ type: string }>(turn.id, 'local')).map((s) => s.event.type);
    if (!types.includes('text-delta') || !types.includes('task-complete') || types.at(-1) !== 'finish') {
      throw new Error(`chat turn ${turn.id} is not fully logged: ${types.join(', ')}`);
    }
  }
  return turns.length;
}

console.log(`Chat turn - one tool-calling model step, the tools, the final step; median of ${TURNS} turns per runner, interleaved, after a warm-up`);
console.log(`Sapflow on its embedded store on disk: all ${loggedTurns} turns found in the log with their text, tool results and finish`);
console.log(
  formatTable(
    ['scene', 'physical limit', ...RUNNERS.map((k) => LABELS[k]), 'Sapflow / AI SDK', 'Sapflow / limit', 'AI SDK / limit', 'sequential / Sapflow', 'cluster / single'],
    results.map((r) => [
      `(${r.scene}) ${r.title}`, `${r.physicalLimitMs} ms`, ...RUNNERS.map((k) => `${r.medianMs[k].toFixed(1)} ms`),
      r.sapflowVsAiSdk.toFixed(3), r.sapflowVsLimit.toFixed(3), r.aiSdkVsLimit.toFixed(3),
      `${r.speedupVsSequential.toFixed(2)}x`, r.clusterVsSingle === null ? '-' : r.clusterVsSingle.toFixed(3),
    ]),
  ),
);
console.log('physical limit = max over tools of (its last argument fragment + its duration) + the final step, from the script\n');

console.log('When each tool started (ms after the request; median), against when its arguments were complete');
console.log(
  formatTable(
    ['scene', 'arguments complete', ...RUNNERS.map((k) => LABELS[k])],
    results.map((r) => [`(${r.scene})`, r.lastArgumentFragmentMs.join(' / '), ...RUNNERS.map((k) => r.medianToolStartMs[k].map((v) => v.toFixed(0)).join(' / '))]),
  ),
);
console.log('');

console.log('Around the model (ms; median): when the first model request reached the upstream, and from the last model request to the end of the turn');
console.log('(Sapflow creates the execution row before it asks the model, and holds the turn\'s finish until its log is durable)');
console.log(
  formatTable(
    ['scene', ...RUNNERS.map((k, i) => (i === 0 ? `first request: ${LABELS[k]}` : LABELS[k])), ...RUNNERS.map((k, i) => (i === 0 ? `last request to end: ${LABELS[k]}` : LABELS[k]))],
    results.map((r) => [
      `(${r.scene})`, ...RUNNERS.map((k) => r.medianFirstModelRequestMs[k].toFixed(0)), ...RUNNERS.map((k) => r.medianAfterLastModelRequestMs[k].toFixed(0)),
    ]),
  ),
);
console.log('');

const worstVsAiSdk = Math.max(...results.map((r) => r.sapflowVsAiSdk));
const sceneB = results.find((r) => r.scene === 'b')!;
const worstSpeedup = Math.min(...results.map((r) => r.speedupVsSequential));
const worstCluster = clustered ? Math.max(...results.map((r) => r.clusterVsSingle!)) : null;
const targets = {
  neverSlowerThanAiSdk: { target: `<= ${TARGETS.vsAiSdk} x AI SDK in every scene`, worst: worstVsAiSdk, met: worstVsAiSdk <= TARGETS.vsAiSdk },
  sceneB: { target: `<= ${TARGETS.vsAiSdkSceneB} x AI SDK in scene (b)`, value: sceneB.sapflowVsAiSdk, met: sceneB.sapflowVsAiSdk <= TARGETS.vsAiSdkSceneB },
  vsSequential: {
    target: `>= 50% faster than sequential (sequential / Sapflow >= ${TARGETS.speedupVsSequential}) in every scene`,
    worst: worstSpeedup,
    met: worstSpeedup >= TARGETS.speedupVsSequential,
  },
  clusterVsSingle: {
    target: `cluster mode <= ${TARGET_CLUSTER_VS_SINGLE} x one process in every scene`,
    worst: worstCluster,
    met: worstCluster !== null && worstCluster <= TARGET_CLUSTER_VS_SINGLE,
  },
};
console.log(
  formatTable(
    ['target', 'value', 'met'],
    [
      [targets.neverSlowerThanAiSdk.target, worstVsAiSdk.toFixed(3), targets.neverSlowerThanAiSdk.met ? 'yes' : 'NO'],
      [targets.sceneB.target, sceneB.sapflowVsAiSdk.toFixed(3), targets.sceneB.met ? 'yes' : 'NO'],
      [targets.vsSequential.target, `${worstSpeedup.toFixed(2)}x`, targets.vsSequential.met ? 'yes' : 'NO'],
      [targets.clusterVsSingle.target, worstCluster === null ? 'not measured (no Redis/Postgres)' : worstCluster.toFixed(3), targets.clusterVsSingle.met ? 'yes' : 'NO'],
    ],
  ),
);

const elapsedS = Math.round((Date.now() - started) / 1000);
await writeResults('chat', {
  generatedAt: new Date().toISOString(),
  environment: { node: process.version, platform: `${platform()}-${arch()}`, cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length },
  turns: TURNS,
  store: 'PGlite on disk (DATA_DIR)',
  loggedTurns,
  targets,
  scenes: results,
  elapsedS,
});
console.log(`\nchat bench: ${elapsedS} s; figures in bench/results.json (chat)`);
