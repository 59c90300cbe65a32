import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Tools that change something in the world; the others only compute. */
export const EFFECT_TOOLS = new Set(['charge', 'notify']);
export const TOOL_NAMES = ['score', 'combine', 'charge', 'notify'] as const;

export interface ToolCall {
  tool: string;
  /** The `Idempotency-Key` header, or null when the caller sent none. */
  key: string | null;
  args: Record<string, unknown>;
  /** `server.epoch` when the call arrived (the fault test counts its kills there). */
  epoch: number;
  /** Whether this call applied the side effect (false for pure tools and for a repeat of a key already applied). */
  applied: boolean;
}

export interface SideEffect {
  key: string | null;
  tool: string;
  args: Record<string, unknown>;
  epoch: number;
}

export interface IdempotentToolServer {
  url: string;
  calls: ToolCall[];
  /** Every side effect applied, in order; a key that was applied before is answered without another. */
  effects: SideEffect[];
  /** Stamped on each call; the test moves it on. */
  epoch: number;
  close(): Promise<void>;
}

/**
 * The deterministic answer of `tool` to `args`: the same arguments give the same result whichever process asks and
 * however often. `run` (which run asked) is left out, so runs given the same inputs expect the same results.
 */
export function toolResult(tool: string, args: Record<string, unknown>): { value: number; even: boolean } {
  const { run: _run, ...rest } = args;
  const digest = createHash('sha256').update(`${tool}\n${stableJson(rest)}`).digest();
  const value = digest.readUInt32BE(0) % 1000;
  return { value, even: value % 2 === 0 };
}

/**
 * HTTP tools on 127.0.0.1:<random port> (`POST /tools/<name>`, JSON arguments) that answer `toolResult` after a
 * random latency, count calls by `Idempotency-Key` and, for `EFFECT_TOOLS`, apply a side effect at most once per
 * key: the effect is applied when the call arrives (as a real service commits before it answers), so a caller that
 * dies while waiting and asks again with the same key gets the answer without a second effect.
 */
export async function startIdempotentToolServer({
  latencyMs = [100, 300],
  random = Math.random,
}: { latencyMs?: [number, number]; random?: () => number } = {}): Promise<IdempotentToolServer> {
  const appliedKeys = new Set<string>();
  const state: IdempotentToolServer = { url: '', calls: [], effects: [], epoch: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const tool = /^\/tools\/([\w-]+)$/.exec(req.url ?? '')?.[1] ?? '';
      const text = await readBody(req);
      const json = (status: number, body: unknown) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || !(TOOL_NAMES as readonly string[]).includes(tool)) return json(404, { error: `no tool ${tool}` });
      let args: Record<string, unknown>;
      try {
        args = JSON.parse(text || '{}') as Record<string, unknown>;
      } catch {
        return json(400, { error: 'body is not JSON' });
      }
      const header = req.headers['idempotency-key'];
      const key = typeof header === 'string' && header !== '' ? header : null;
      const effectful = EFFECT_TOOLS.has(tool);
      const applied = effectful && (key === null || !appliedKeys.has(key));
      if (applied) {
        if (key !== null) appliedKeys.add(key);
        state.effects.push({ key, tool, args, epoch: state.epoch });
      }
      state.calls.push({ tool, key, args, epoch: state.epoch, applied });
      const [min, max] = latencyMs;
      const timer = setTimeout(() => json(200, toolResult(tool, args)), min + random() * (max - min));
      res.on('close', () => clearTimeout(timer));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A TOOLS_CONFIG file (YAML) declaring the server's tools as HTTP tools. */
export function idempotentToolsConfig(url: string, { timeout = 10 }: { timeout?: number } = {}): string {
  const description: Record<(typeof TOOL_NAMES)[number], string> = {
    score: 'Scores a number (pure)',
    combine: 'Combines parts into one value (pure)',
    charge: 'Charges an amount (side effect, once per Idempotency-Key)',
    notify: 'Sends a notice (side effect, once per Idempotency-Key)',
  };
  return [
    'tools:',
    ...TOOL_NAMES.flatMap((name) => [
      `  - name: ${name}`,
      `    description: ${description[name]}`,
      '    parameters: { type: object }',
      `    url: ${url}/tools/${name}`,
      `    timeout: ${timeout}`,
      '    retry_count: 0',
    ]),
    '',
  ].join('\n');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}
