/**
 * The soak (issue 10): Sapflow alone under SOAK_CLIENTS (200) useChat clients for SOAK_SECONDS (600), the same
 * turns as the load bench. Every SOAK_SAMPLE_SECONDS (30) it samples the gateway's live heap (after a full
 * collection) and RSS, the turns finished (`sapflow_runs_total`), and the size on disk of its execution log
 * (DATA_DIR) and of its process log; then it fits lines: heap and RSS against time, bytes on disk against turns.
 * `npm run bench soak`; it runs only when named, being long.
 */
import { stat, readdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable } from './engine-table.js';
import { measureLoad } from './load-measure.js';
import { forkBenchChild, probe, type BenchChild } from './load-rig.js';
import { writeResults } from './run.js';
import { startGateway } from './load-gateway-start.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 200);
const SAMPLE_MS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 30) * 1000;

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await sizeOf(join(path, entry));
  return total;
}

async function turnsFinished(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith('sapflow_runs_total{') && line.includes('kind="chat"')) total += Number(line.split(' ').at(-1));
  return total;
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? NaN : num / den;
}

interface Sample { atS: number; heapMB: number; rssMB: number; turns: number; storeMB: number; logMB: number }

const started = Date.now();
const work = await mkdtemp(join(tmpdir(), 'sapflow-bench-soak-'));
const upstream = forkBenchChild('load-upstream.ts');
const urls = await upstream.next<{ openaiUrl: string; toolsUrl: string }>('ready');
let gateway: { child: BenchChild; url: string } | undefined;
const samples: Sample[] = [];
let figures;
try {
  gateway = await startGateway('sapflow', work, urls);
  const g = gateway;
  await measureLoad(g, 20, 3, { label: 'warm' });
  const sample = async (elapsedMs: number) => {
    const probed = await probe(g.child, true);
    samples.push({
      atS: elapsedMs / 1000,
      heapMB: probed.heapUsed / 2 ** 20,
      rssMB: probed.rss / 2 ** 20,
      turns: await turnsFinished(g.url),
      storeMB: (await sizeOf(join(work, 'data'))) / 2 ** 20,
      logMB: (await sizeOf(join(work, 'sapflow.log'))) / 2 ** 20,
    });
    const s = samples.at(-1)!;
    console.log(`  ${s.atS.toFixed(0)} s: heap ${s.heapMB.toFixed(1)} MB, rss ${s.rssMB.toFixed(1)} MB, ${s.turns} turns, store ${s.storeMB.toFixed(1)} MB, log ${s.logMB.toFixed(1)} MB`);
  };
  await sample(0);
  figures = await measureLoad(g, CLIENTS, SECONDS, { label: 'soak', every: { ms: SAMPLE_MS, run: sample } });
  await sample(SECONDS * 1000);
} finally {
  await gateway?.child.stop();
  await upstream.stop();
  await rm(work, { recursive: true, force: true });
}

// the first sample is before the load: growth from idle to loaded is not a leak, so the slopes start at the second
const loaded = samples.slice(1);
const heapSlope = slope(loaded.map((s) => [s.atS / 60, s.heapMB]));
const rssSlope = slope(loaded.map((s) => [s.atS / 60, s.rssMB]));
const storePerTurnKB = (slope(samples.map((s) => [s.turns, s.storeMB])) * 1024);
const logPerTurnKB = (slope(samples.map((s) => [s.turns, s.logMB])) * 1024);
console.log(`\nSoak - Sapflow, ${CLIENTS} clients for ${SECONDS} s; ${cpus().length} cores, shared`);
console.log(formatTable(['at', 'heap (live)', 'rss', 'turns', 'execution log on disk', 'process log'], samples.map((s) => [`${s.atS.toFixed(0)} s`, `${s.heapMB.toFixed(1)} MB`, `${s.rssMB.toFixed(1)} MB`, String(s.turns), `${s.storeMB.toFixed(1)} MB`, `${s.logMB.toFixed(2)} MB`])));
console.log(`\nerrors ${figures!.errors}${figures!.errorSamples.length ? ` (${figures!.errorSamples.join('; ')})` : ''}, ${figures!.turnsPerSecond.toFixed(1)} turns/s, turn p50 ${Math.round(figures!.turnP50Ms)} ms, p99 ${Math.round(figures!.turnP99Ms)} ms`);
console.log(`heap slope ${heapSlope.toFixed(2)} MB/min, rss slope ${rssSlope.toFixed(2)} MB/min (under load, after the first sample)`);
console.log(`on disk per turn: execution log ${storePerTurnKB.toFixed(2)} KB, process log ${logPerTurnKB.toFixed(2)} KB (slope of size against turns)`);
await writeResults('soak', {
  generatedAt: new Date().toISOString(),
  clients: CLIENTS, seconds: SECONDS, errors: figures!.errors, turnsPerSecond: figures!.turnsPerSecond,
  heapSlopeMBPerMin: heapSlope, rssSlopeMBPerMin: rssSlope, storeKBPerTurn: storePerTurnKB, logKBPerTurn: logPerTurnKB, samples,
  elapsedS: Math.round((Date.now() - started) / 1000),
});
