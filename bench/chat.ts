/**
 * The chat bench (issue 3): one tool-calling chat turn, side by side in one process - Sapflow (POST /api/chat over a
 * real socket), the Vercel AI SDK v7 `streamText` with the same tools, and a sequential baseline (the "before") -
 * all served by the same scripted OpenAI-compatible upstream and the same HTTP tool service. Medians of 7 turns each,
 * interleaved, after a warm-up. Run it with `npm run bench chat` (or `npx tsx bench/chat.ts`).
 */
import { arch, cpus, platform } from 'node:os';
import { startSapflow } from '../src/server.js';
import { startChatToolServer, writeToolsConfig } from '../test/support/chat-tool-server.js';
import { startScriptedOpenAI } from '../test/support/scripted-openai.js';
import { runAiSdkTurn, runSapflowTurn, runSequentialTurn, type BenchUpstream, type TurnTiming } from './chat-runners.js';
import { benchScript, physicalLimit, SCENES, type ChatScene } from './chat-scenes.js';
import { formatTable } from './engine-table.js';
import { writeResults } from './run.js';

const TURNS = 7;
const TARGETS = { vsAiSdk: 1, vsAiSdkSceneB: 0.85, speedupVsSequential: 1.5 };
type Runner = 'sapflow' | 'aiSdk' | 'sequential';
const RUNNERS: Runner[] = ['sapflow', 'aiSdk', 'sequential'];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (ms: number) => Math.round(ms * 10) / 10;

const started = Date.now();
const openai = await startScriptedOpenAI({ script: benchScript });
const tools = await startChatToolServer();
const config = await writeToolsConfig(tools, SCENES.flatMap((scene) => scene.tools.map((t) => ({ name: t.name, behaviour: { ms: t.ms } }))));
const sapflow = await startSapflow({
  port: 0,
  host: '127.0.0.1',
  env: { DATA_DIR: ':memory:', OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: openai.url, TOOLS_CONFIG: config.path },
});
const upstream: BenchUpstream = { openaiUrl: openai.url, tools };
const run = (runner: Runner, scene: ChatScene): Promise<TurnTiming> =>
  runner === 'sapflow' ? runSapflowTurn(upstream, sapflow.url, scene) : runner === 'aiSdk' ? runAiSdkTurn(upstream, scene) : runSequentialTurn(upstream, scene);

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
  sapflowVsAiSdk: number;
  sapflowVsLimit: number;
  aiSdkVsLimit: number;
  sequentialVsLimit: number;
  speedupVsSequential: number;
}

const results: SceneResult[] = [];
try {
  for (const scene of SCENES) {
    for (const runner of RUNNERS) await run(runner, scene); // warm-up: connections, JIT
    const timings: Record<Runner, TurnTiming[]> = { sapflow: [], aiSdk: [], sequential: [] };
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
      sapflowVsAiSdk: medianMs.sapflow / medianMs.aiSdk,
      sapflowVsLimit: medianMs.sapflow / limit.limitMs,
      aiSdkVsLimit: medianMs.aiSdk / limit.limitMs,
      sequentialVsLimit: medianMs.sequential / limit.limitMs,
      speedupVsSequential: medianMs.sequential / medianMs.sapflow,
    });
  }
} finally {
  await sapflow.close();
  await Promise.all([openai.close(), tools.close(), config.remove()]);
}

console.log(`Chat turn - one tool-calling model step, the tools, the final step; median of ${TURNS} turns per runner, interleaved, after a warm-up`);
console.log(
  formatTable(
    ['scene', 'physical limit', 'Sapflow', 'AI SDK v7', 'sequential', 'Sapflow / AI SDK', 'Sapflow / limit', 'AI SDK / limit', 'sequential / Sapflow'],
    results.map((r) => [
      `(${r.scene}) ${r.title}`, `${r.physicalLimitMs} ms`, `${r.medianMs.sapflow.toFixed(1)} ms`, `${r.medianMs.aiSdk.toFixed(1)} ms`,
      `${r.medianMs.sequential.toFixed(1)} ms`, r.sapflowVsAiSdk.toFixed(3), r.sapflowVsLimit.toFixed(3), r.aiSdkVsLimit.toFixed(3),
      `${r.speedupVsSequential.toFixed(2)}x`,
    ]),
  ),
);
console.log('physical limit = max over tools of (its last argument fragment + its duration) + the final step, from the script\n');

console.log('When each tool started (ms after the request; median), against when its arguments were complete');
console.log(
  formatTable(
    ['scene', 'arguments complete', 'Sapflow', 'AI SDK v7', 'sequential'],
    results.map((r) => [`(${r.scene})`, r.lastArgumentFragmentMs.join(' / '), ...RUNNERS.map((k) => r.medianToolStartMs[k].map((v) => v.toFixed(0)).join(' / '))]),
  ),
);
console.log('');

const worstVsAiSdk = Math.max(...results.map((r) => r.sapflowVsAiSdk));
const sceneB = results.find((r) => r.scene === 'b')!;
const worstSpeedup = Math.min(...results.map((r) => r.speedupVsSequential));
const targets = {
  neverSlowerThanAiSdk: { target: `<= ${TARGETS.vsAiSdk} x AI SDK in every scene`, worst: worstVsAiSdk, met: worstVsAiSdk <= TARGETS.vsAiSdk },
  sceneB: { target: `<= ${TARGETS.vsAiSdkSceneB} x AI SDK in scene (b)`, value: sceneB.sapflowVsAiSdk, met: sceneB.sapflowVsAiSdk <= TARGETS.vsAiSdkSceneB },
  vsSequential: {
    target: `>= 50% faster than sequential (sequential / Sapflow >= ${TARGETS.speedupVsSequential}) in every scene`,
    worst: worstSpeedup,
    met: worstSpeedup >= TARGETS.speedupVsSequential,
  },
};
console.log(
  formatTable(
    ['target', 'value', 'met'],
    [
      [targets.neverSlowerThanAiSdk.target, worstVsAiSdk.toFixed(3), targets.neverSlowerThanAiSdk.met ? 'yes' : 'NO'],
      [targets.sceneB.target, sceneB.sapflowVsAiSdk.toFixed(3), targets.sceneB.met ? 'yes' : 'NO'],
      [targets.vsSequential.target, `${worstSpeedup.toFixed(2)}x`, targets.vsSequential.met ? 'yes' : 'NO'],
    ],
  ),
);

const elapsedS = Math.round((Date.now() - started) / 1000);
await writeResults('chat', {
  generatedAt: new Date().toISOString(),
  environment: { node: process.version, platform: `${platform()}-${arch()}`, cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length },
  turns: TURNS,
  targets,
  scenes: results,
  elapsedS,
});
console.log(`\nchat bench: ${elapsedS} s; figures in bench/results.json (chat)`);
