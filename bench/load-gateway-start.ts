import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { forkBenchChild, type BenchChild } from './load-rig.js';
import { LOAD_TOOLS, TOOL_MS, TOOL_SCHEMA } from './load-scene.js';

export type Gateway = 'floor' | 'aisdk' | 'sapflow';

/**
 * Starts a gateway process of the load bench (load-gateway.ts). Sapflow gets its store on disk in `<dir>/data`, the
 * three HTTP tools in a TOOLS_CONFIG, offered to the model alone (CHAT_TOOLS) as the AI SDK gateway offers them, and
 * its log (stdout, JSON lines at LOG_LEVEL info) in `<dir>/sapflow.log`.
 */
export async function startGateway(kind: Gateway, dir: string, { openaiUrl, toolsUrl }: { openaiUrl: string; toolsUrl: string }): Promise<{ child: BenchChild; url: string }> {
  const env: Record<string, string> = { OPENAI_BASE_URL: openaiUrl, TOOLS_URL: toolsUrl };
  if (kind === 'sapflow') {
    const toolsConfig = join(dir, 'tools.json');
    const tools = LOAD_TOOLS.map((name) => ({ name, description: `Bench tool ${name}`, url: `${toolsUrl}/sleep/${TOOL_MS}`, parameters: TOOL_SCHEMA, timeout: 30 }));
    await writeFile(toolsConfig, JSON.stringify({ tools }));
    Object.assign(env, { DATA_DIR: join(dir, 'data'), OPENAI_API_KEY: 'sk-bench', TOOLS_CONFIG: toolsConfig, CHAT_TOOLS: LOAD_TOOLS.join(','), SAPFLOW_SEED_SAMPLE_DATA: 'false', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' });
  }
  // LOAD_PROFILE=<dir>: a CPU profile of each gateway process, written there when it stops
  const execArgv = process.env.LOAD_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LOAD_PROFILE}`] : [];
  const child = forkBenchChild('load-gateway.ts', { args: [kind], env, logFile: join(dir, `${kind}.log`), execArgv });
  const { url } = await child.next<{ url: string }>('ready');
  return { child, url };
}
