/**
 * The load bench (issue 10, "Load, fairness and overload"): at 100, 200 and 1000 concurrent useChat clients, each
 * sending turns in a loop for LOAD_SECONDS (20), side by side: Sapflow (the real gateway on its embedded store on
 * disk), the Vercel AI SDK v7 `streamText` with the same tools, and a trivial server answering the same SSE shape
 * at once (the floor of this harness on this machine). Every turn asks the scripted upstream for three parallel HTTP
 * tools of 200 ms. Gateways, upstream, load generators and the health poll each run in processes of their own.
 * `npm run bench load`; LOAD_SECONDS, LOAD_SIZES (100,200,1000) and LOAD_GATEWAYS (floor,aisdk,sapflow) narrow it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { arch, cpus, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable } from './engine-table.js';
import { measureLoad, LOAD_PROCESSES, type LoadFigures } from './load-measure.js';
import { startGateway, type Gateway } from './load-gateway-start.js';
import { forkBenchChild, type BenchChild } from './load-rig.js';
import { TOOL_MS } from './load-scene.js';
import { writeResults } from './run.js';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 20);
const SIZES = (process.env.LOAD_SIZES ?? '100,200,1000').split(',').map(Number);
const GATEWAYS = (process.env.LOAD_GATEWAYS ?? 'floor,aisdk,sapflow').split(',') as Gateway[];
const LABELS: Record<Gateway, string> = { floor: 'floor (trivial server)', aisdk: 'AI SDK v7 streamText', sapflow: 'Sapflow' };
const HEALTH_AT = 1000;

const started = Date.now();
const work = await mkdtemp(join(tmpdir(), 'sapflow-bench-load-'));
const upstream = forkBenchChild('load-upstream.ts');
const urls = await upstream.next<{ openaiUrl: string; toolsUrl: string }>('ready');

const results: Array<{ gateway: Gateway; figures: LoadFigures }> = [];
const gateways = new Map<Gateway, { child: BenchChild; url: string }>();
try {
  for (const kind of GATEWAYS) {
    const gateway = await startGateway(kind, work, urls);
    gateways.set(kind, gateway);
    await measureLoad(gateway, 20, 3, { label: 'warm' }); // warm-up: connections, JIT
  }
  for (const clients of SIZES) {
    for (const kind of GATEWAYS) {
      const figures = await measureLoad(gateways.get(kind)!, clients, SECONDS, { health: clients === HEALTH_AT, label: `${kind}${clients}-` });
      results.push({ gateway: kind, figures });
      console.log(`  ${LABELS[kind]} at ${clients} clients: ${figures.turnsPerSecond.toFixed(1)} turns/s, ${figures.errors} errors${figures.errorSamples.length ? ` (${figures.errorSamples.join('; ')})` : ''}`);
    }
  }
} finally {
  await Promise.all([...gateways.values()].map((g) => g.child.stop()));
  await upstream.stop();
  await rm(work, { recursive: true, force: true });
}

const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : v === Infinity ? 'missed' : '-');
console.log(`\nLoad - C clients each sending useChat turns in a loop for ${SECONDS} s (3 parallel HTTP tools of ${TOOL_MS} ms per turn); ${LOAD_PROCESSES} load processes; ${cpus().length} cores, shared`);
console.log(
  formatTable(
    ['clients', 'gateway', 'turns/s', 'errors', 'first byte p50', 'first byte p99', 'turn p50', 'turn p99', 'peak loop delay', 'CPU / turn', 'heap / open stream', 'health p99 (misses)'],
    results.map(({ gateway, figures: f }) => [
      String(f.clients), LABELS[gateway], f.turnsPerSecond.toFixed(1),
      f.errors === 0 ? '0' : `${f.errors} (${Object.entries(f.errorKinds).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ')})`,
      ms(f.firstByteP50Ms), ms(f.firstByteP99Ms), ms(f.turnP50Ms), ms(f.turnP99Ms), ms(f.peakLoopDelayMs),
      Number.isFinite(f.cpuPerTurnMs) ? `${f.cpuPerTurnMs.toFixed(1)} ms` : '-',
      Number.isFinite(f.heapPerOpenStreamKB) ? `${f.heapPerOpenStreamKB.toFixed(1)} KB (${f.openStreamsAtSample} open)` : '-',
      f.health ? `${ms(f.health.p99Ms)} (${f.health.misses}/${f.health.polls})` : '',
    ]),
  ),
);

const at = (gateway: Gateway, clients: number) => results.find((r) => r.gateway === gateway && r.figures.clients === clients)?.figures;
const targets: Array<{ target: string; value: string; met: boolean | null }> = [];
const check = (target: string, value: number | undefined, met: (v: number) => boolean, show: (v: number) => string) =>
  targets.push({ target, value: value === undefined || Number.isNaN(value) ? 'not measured' : show(value), met: value === undefined || Number.isNaN(value) ? null : met(value) });
for (const clients of SIZES) check(`0 errors at ${clients} (Sapflow)`, at('sapflow', clients)?.errors, (v) => v === 0, String);
const s200 = at('sapflow', 200);
const a200 = at('aisdk', 200);
const s1000 = at('sapflow', 1000);
const a1000 = at('aisdk', 1000);
const ratio = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : a / b);
check('200: Sapflow turns/s >= 1.5 x AI SDK', ratio(s200?.turnsPerSecond, a200?.turnsPerSecond), (v) => v >= 1.5, (v) => `${v.toFixed(2)}x`);
check('200: Sapflow first byte p99 <= 0.5 x AI SDK', ratio(s200?.firstByteP99Ms, a200?.firstByteP99Ms), (v) => v <= 0.5, (v) => `${v.toFixed(2)}x`);
check('200: Sapflow turn p99 <= 2 x its turn p50', ratio(s200?.turnP99Ms, s200?.turnP50Ms), (v) => v <= 2, (v) => `${v.toFixed(2)}x`);
check('1000: Sapflow turn p99 <= AI SDK', ratio(s1000?.turnP99Ms, a1000?.turnP99Ms), (v) => v <= 1, (v) => `${v.toFixed(2)}x`);
check('1000: Sapflow heap <= 64 KB per open stream', s1000?.heapPerOpenStreamKB, (v) => v <= 64, (v) => `${v.toFixed(1)} KB`);
check('1000: Sapflow GET /api/health p99 <= 1 s, no miss', s1000?.health?.p99Ms, (v) => v <= 1_000, ms);
const floor200 = at('floor', 200);
console.log('');
console.log(formatTable(['target', 'value', 'met'], targets.map((t) => [t.target, t.value, t.met === null ? '-' : t.met ? 'yes' : 'NO'])));
if (s200 && floor200) {
  console.log(`\nSapflow's distance from the floor at 200 clients: first byte p99 ${ms(s200.firstByteP99Ms)} vs ${ms(floor200.firstByteP99Ms)}, turns/s ${s200.turnsPerSecond.toFixed(1)} vs ${floor200.turnsPerSecond.toFixed(1)}`);
}

const elapsedS = Math.round((Date.now() - started) / 1000);
await writeResults('load', {
  generatedAt: new Date().toISOString(),
  environment: { node: process.version, platform: `${platform()}-${arch()}`, cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, note: 'shared machine: other work ran beside the bench' },
  seconds: SECONDS,
  toolMs: TOOL_MS,
  results,
  targets,
  elapsedS,
});
console.log(`\nload bench: ${elapsedS} s; figures in bench/results.json (load)`);
