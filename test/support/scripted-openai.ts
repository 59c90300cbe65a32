import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted OpenAI-compatible server for tests and the benchmark: real sockets, real
 * `chat.completion.chunk` SSE, tool-call arguments streamed in fragments keyed by `index` as OpenAI does.
 */

export interface ScriptedToolCall {
  /** Defaults to `call_<request>_<position>`. */
  id?: string;
  name: string;
  /** Objects are JSON-encoded; strings are sent as they are (so invalid JSON can be scripted too). */
  arguments: string | Record<string, unknown>;
  /** Explicit argument fragments; otherwise the arguments are cut into `fragmentSize` pieces. */
  fragments?: string[];
  /** Delay before each of this call's fragments, overriding the reply's. */
  delayMs?: number;
}

export interface ScriptedReply {
  /** A string is cut into `fragmentSize` pieces; an array is sent piece by piece as given. */
  text?: string | string[];
  toolCalls?: ScriptedToolCall[];
  /** Default: `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** Sent as the last chunk when the request asks for usage; `false` sends none. */
  usage?: { prompt_tokens: number; completion_tokens: number } | false;
  /** Delay before each fragment (text piece or arguments piece). */
  delayMs?: number;
  /** Delay before the response headers. */
  latencyMs?: number;
  /** Characters per fragment when cutting text and arguments (default 8). */
  fragmentSize?: number;
  /** Stop after this many fragments: keep the connection open and silent, or destroy the socket. */
  interrupt?: { afterFragments: number; mode: 'hang' | 'drop' };
}

export interface ScriptedFailure {
  fail: { status: number; message?: string; type?: string; code?: string; headers?: Record<string, string> };
}

/** Never answer, not even the headers. */
export interface ScriptedHang {
  hang: true;
}

export type ScriptStep = ScriptedReply | ScriptedFailure | ScriptedHang;

/** Steps by request number (0-based), or a function of the request body and number. */
export type Script = ScriptStep[] | ((body: any, requestNumber: number) => ScriptStep);

export interface ScriptedRequest {
  number: number;
  body: any;
  headers: IncomingMessage['headers'];
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
  /** Resolves when the connection for this request has closed, whoever closed it. */
  closed: Promise<void>;
}

export interface ScriptedOpenAI {
  /** Base URL including `/v1`, for `new OpenAI({ baseURL })`. */
  url: string;
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

export interface ScriptedOpenAIOptions {
  script: Script;
  /** Default delay before each fragment, for replies that do not set one. */
  delayMs?: number;
}

/** A `multi_tool_use.parallel` pseudo call wrapping several real calls, as some OpenAI models emit. */
export function multiToolUse(
  uses: Array<{ name: string; parameters: Record<string, unknown> }>,
  id?: string,
): ScriptedToolCall {
  return {
    id,
    name: 'multi_tool_use.parallel',
    arguments: { tool_uses: uses.map((use) => ({ recipient_name: `functions.${use.name}`, parameters: use.parameters })) },
  };
}

const DEFAULT_MESSAGES: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Invalid request.', type: 'invalid_request_error', code: null },
  401: {
    message: 'Incorrect API key provided: sk-test-***key. You can find your API key at https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  },
  429: { message: 'Rate limit reached for requests.', type: 'requests', code: 'rate_limit_exceeded' },
  500: { message: 'The server had an error while processing your request.', type: 'server_error', code: null },
  503: { message: 'The engine is currently overloaded.', type: 'server_error', code: null },
};

export async function startScriptedOpenAI(options: ScriptedOpenAIOptions): Promise<ScriptedOpenAI> {
  const requests: ScriptedRequest[] = [];
  const pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let closing = false;

  const sleep = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const entry = { timer: setTimeout(() => (pending.delete(entry), resolve()), ms), resolve };
          pending.add(entry);
        });

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      return sendError(res, { status: 404, message: `Unknown path ${req.method} ${req.url}` });
    }
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      return sendError(res, { status: 400, message: 'Request body is not JSON' });
    }
    const number = requests.length;
    let dropped = false;
    let resolveClosed!: () => void;
    const record: ScriptedRequest = {
      number,
      body,
      headers: req.headers,
      aborted: false,
      closed: new Promise((resolve) => (resolveClosed = resolve)),
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished && !dropped && !closing) record.aborted = true;
      resolveClosed();
    });

    const step = typeof options.script === 'function' ? options.script(body, number) : options.script[number];
    if (!step) return sendError(res, { status: 500, message: `scripted server: no step for request ${number}` });
    if ('hang' in step) return;
    if ('fail' in step) return sendError(res, step.fail);

    const reply = step;
    await sleep(reply.latencyMs ?? 0);
    if (res.destroyed) return;
    const completionId = `chatcmpl-scripted-${number}`;
    const model = typeof body.model === 'string' ? body.model : 'gpt-4o';
    const calls = (reply.toolCalls ?? []).map((call, i) => ({
      ...call,
      id: call.id ?? `call_${number}_${i}`,
      argumentsText: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    }));
    const finishReason = reply.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop');
    const usage = reply.usage === false ? undefined : (reply.usage ?? { prompt_tokens: 50, completion_tokens: 20 });
    const fullUsage = usage && { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
    const size = reply.fragmentSize ?? 8;
    const textPieces = reply.text === undefined ? [] : Array.isArray(reply.text) ? reply.text : cut(reply.text, size);

    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: completionId,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model,
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: textPieces.length > 0 ? textPieces.join('') : null,
                refusal: null,
                ...(calls.length > 0 && {
                  tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.argumentsText } })),
                }),
              },
              logprobs: null,
              finish_reason: finishReason,
            },
          ],
          ...(fullUsage && { usage: fullUsage }),
        }),
      );
      return;
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({
        id: completionId,
        object: 'chat.completion.chunk',
        created: Math.floor(Date.now() / 1000),
        model,
        system_fingerprint: 'fp_scripted',
        choices,
        ...(includeUsage && { usage: null }),
        ...extra,
      })}\n\n`;
    const delta = (d: Record<string, unknown>, finish: string | null = null) =>
      chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);

    // each fragment is one SSE event, sent after its delay
    const fragments: Array<{ frame: string; delayMs: number }> = [];
    const baseDelay = reply.delayMs ?? options.delayMs ?? 0;
    for (const piece of textPieces) fragments.push({ frame: delta({ content: piece }), delayMs: baseDelay });
    calls.forEach((call, index) => {
      const callDelay = call.delayMs ?? baseDelay;
      fragments.push({
        frame: delta({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }),
        delayMs: callDelay,
      });
      for (const piece of call.fragments ?? cut(call.argumentsText, size)) {
        fragments.push({ frame: delta({ tool_calls: [{ index, function: { arguments: piece } }] }), delayMs: callDelay });
      }
    });

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    res.write(delta({ role: 'assistant', content: '', refusal: null }));
    let sent = 0;
    for (const fragment of fragments) {
      if (reply.interrupt && sent === reply.interrupt.afterFragments) break;
      await sleep(fragment.delayMs);
      if (res.destroyed) return;
      await new Promise<void>((resolve) => res.write(fragment.frame, () => resolve()));
      sent += 1;
    }
    if (reply.interrupt && sent === reply.interrupt.afterFragments) {
      if (reply.interrupt.mode === 'drop') {
        dropped = true;
        res.socket?.destroy();
      }
      return;
    }
    res.write(delta({}, finishReason));
    if (includeUsage && fullUsage) res.write(chunk([], { usage: fullUsage }));
    res.end('data: [DONE]\n\n');
  }

  // the load bench opens thousands of connections at once; the default backlog (511) would drop SYNs
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      closing = true;
      for (const entry of pending) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      pending.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendError(res: ServerResponse, fail: ScriptedFailure['fail']): void {
  const known = DEFAULT_MESSAGES[fail.status] ?? { message: `Scripted error ${fail.status}`, type: 'server_error', code: null };
  res.writeHead(fail.status, { 'content-type': 'application/json', ...fail.headers });
  res.end(
    JSON.stringify({
      error: {
        message: fail.message ?? known.message,
        type: fail.type ?? known.type,
        param: null,
        code: fail.code ?? known.code,
      },
    }),
  );
}

function cut(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (piece: string) => (data += piece));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
