/**
 * A scripted stand-in for the Sapflow gateway's HTTP contracts (REST, event SSE, /api/chat), serving web/dist.
 * For working on the UI without the backend: `npx tsx test/e2e/support/fake-gateway.ts` then open the printed URL.
 * The real journeys in test/e2e run against src/server.ts, not this.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

interface FakeTask { id: string; name: string; function: string; dependencies: string[]; parallel_group?: string; ms: number }
const templates = [
  {
    id: 'legal_intake',
    name: 'Legal intake',
    description: 'New client intake: read the enquiry, extract the client, check conflicts, draft a retainer letter, then confirm and file.',
    inputs: {
      email: { type: 'string', required: true, description: "The prospective client's email address", default: 'john@example.com' },
      matter_type: { type: 'string', required: false, enum: ['litigation', 'corporate', 'employment'], default: 'litigation', description: 'Kind of matter' },
      urgent: { type: 'boolean', required: false, default: false, description: 'Flag the matter as urgent' },
    },
    tasks: [
      { id: 'list_emails', name: 'List emails', function: 'list_emails', dependencies: [], ms: 700 },
      { id: 'extract_client', name: 'Extract client info', function: 'extract_legal_info', dependencies: ['list_emails'], ms: 900 },
      { id: 'conflict_check', name: 'Conflict check', function: 'check_conflicts', dependencies: ['extract_client'], ms: 1100 },
      { id: 'retainer_letter', name: 'Retainer letter', function: 'generate_retainer_letter', dependencies: ['conflict_check'], ms: 1000 },
      { id: 'confirmation_email', name: 'Confirmation email', function: 'send_email', dependencies: ['retainer_letter'], parallel_group: 'notify', ms: 1300 },
      { id: 'update_record', name: 'Update client record', function: 'update_client_record', dependencies: ['retainer_letter'], parallel_group: 'notify', ms: 900 },
    ] as FakeTask[],
  },
  {
    id: 'email_batch',
    name: 'Email batch',
    description: "Triage, summarise and find deadlines in today's emails in parallel, then one digest.",
    inputs: { since: { type: 'string', required: false, default: 'today', description: 'Which emails' } },
    tasks: [
      { id: 'triage', name: 'Triage emails', function: 'triage_emails', dependencies: [], parallel_group: 'read', ms: 1200 },
      { id: 'summarize', name: 'Summarize emails', function: 'summarize_emails', dependencies: [], parallel_group: 'read', ms: 1600 },
      { id: 'deadlines', name: 'Detect deadlines', function: 'detect_deadlines', dependencies: [], parallel_group: 'read', ms: 900 },
      { id: 'digest', name: 'Aggregate digest', function: 'generate_summary', dependencies: ['triage', 'summarize', 'deadlines'], ms: 600 },
    ] as FakeTask[],
  },
];

interface Run {
  id: string; workflowId: string; input: Record<string, unknown>; status: string; startedAt: string; finishedAt: string | null;
  durationMs: number | null; log: Array<{ seq: number; event: Record<string, unknown> }>; listeners: Set<() => void>; results: Record<string, unknown>;
}
const runs = new Map<string, Run>();
let counter = 0;

function startRun(workflowId: string, input: Record<string, unknown>, reuse: Record<string, unknown> = {}): Run {
  const template = templates.find((t) => t.id === workflowId)!;
  const id = `run-${String(++counter).padStart(4, '0')}-${Math.random().toString(36).slice(2, 8)}`;
  const t0 = Date.now();
  const run: Run = { id, workflowId, input, status: 'running', startedAt: new Date(t0).toISOString(), finishedAt: null, durationMs: null, log: [], listeners: new Set(), results: {} };
  runs.set(id, run);
  const emit = (event: Record<string, unknown>) => {
    run.log.push({ seq: run.log.length + 1, event: { executionId: id, at: new Date().toISOString(), ...event } });
    for (const listener of run.listeners) listener();
  };
  const state = new Map<string, string>(template.tasks.map((t) => [t.id, 'pending']));
  const failing = String(input.fail ?? '');
  emit({ type: 'workflow-start', workflowId, name: template.name, input, tasks: template.tasks.map((t) => ({ id: t.id, name: t.name, function: t.function, dependencies: t.dependencies, parallelGroup: t.parallel_group, critical: true })) });
  const progress = () => {
    const by = (s: string) => [...state].filter(([, v]) => v === s).map(([k]) => k);
    const done = by('completed').length + by('failed').length + by('skipped').length;
    emit({ type: 'workflow-progress', currentTasks: by('running'), completedTasks: by('completed'), pendingTasks: by('pending'), failedTasks: by('failed'), skippedTasks: by('skipped'), progressPercentage: Math.floor((done / state.size) * 100), estimatedTimeRemainingMs: (state.size - done) * 800 });
  };
  const tick = () => {
    if ([...state.values()].every((s) => s !== 'pending' && s !== 'running')) {
      const failed = [...state.values()].includes('failed');
      run.status = failed ? 'partial' : 'completed';
      run.finishedAt = new Date().toISOString();
      run.durationMs = Date.now() - t0;
      emit({ type: 'workflow-finish', status: run.status, tasks: {}, durationMs: run.durationMs });
      return;
    }
    for (const task of template.tasks) {
      if (state.get(task.id) !== 'pending') continue;
      const deps = task.dependencies.map((d) => state.get(d));
      if (deps.some((s) => s === 'failed' || s === 'skipped')) {
        state.set(task.id, 'skipped');
        emit({ type: 'task-skipped', taskId: task.id, reason: `dependency ${task.dependencies.find((d) => state.get(d) !== 'completed')} did not complete` });
        continue;
      }
      if (!deps.every((s) => s === 'completed')) continue;
      state.set(task.id, 'running');
      emit({ type: 'task-start', taskId: task.id, function: task.function, attempt: 1 });
      if (task.id in reuse) {
        state.set(task.id, 'completed');
        run.results[task.id] = reuse[task.id];
        emit({ type: 'task-complete', taskId: task.id, result: reuse[task.id], durationMs: 0, attempts: 0, reused: true });
        continue;
      }
      const started = Date.now();
      setTimeout(() => {
        if (task.id === failing) {
          state.set(task.id, 'failed');
          emit({ type: 'task-failed', taskId: task.id, error: { code: 'tool_failed', message: `${task.function}: SMTP server refused the connection` }, durationMs: Date.now() - started, attempts: 3 });
        } else {
          state.set(task.id, 'completed');
          const result = { tool: task.function, ok: true, client: 'John Smith', matter: 'Smith v. Northwind', items: [1, 2, 3], note: 'Sample data' };
          run.results[task.id] = result;
          emit({ type: 'task-complete', taskId: task.id, result, durationMs: Date.now() - started, attempts: 1 });
        }
        progress();
        tick();
      }, task.ms);
    }
    progress();
  };
  setTimeout(tick, 50);
  return run;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const readBody = async (req: IncomingMessage) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : {};
};

function followEvents(req: IncomingMessage, res: ServerResponse, run: Run) {
  const url = new URL(req.url!, 'http://x');
  let sent = Number(req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? 0);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  const flush = () => {
    for (const { seq, event } of run.log.slice(sent)) {
      res.write(`id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      sent = seq;
      if (event.type === 'workflow-finish') {
        run.listeners.delete(flush);
        res.end();
        return;
      }
    }
  };
  run.listeners.add(flush);
  req.on('close', () => run.listeners.delete(flush));
  flush();
}

async function chat(res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-vercel-ai-ui-message-stream': 'v1' });
  const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const t0 = new Date().toISOString();
  const calls = [
    { id: 'call_1', tool: 'triage_emails', input: { since: 'today' }, ms: 900, output: { urgent: 2, normal: 5, low: 3, top: 'Court filing deadline moved to Friday' } },
    { id: 'call_2', tool: 'scan_billable_time', input: { period: 'this_week' }, ms: 1400, output: { hours: 31.5, unbilled: 6.25, matters: 4 } },
    { id: 'call_3', tool: 'detect_deadlines', input: { since: 'today' }, ms: 600, error: 'tool_failed: mail index is rebuilding' },
  ];
  const tasks = calls.map((c) => ({ id: c.id, name: c.tool, function: c.tool, status: 'running', dependencies: [], attempts: 1, startedAt: t0 } as Record<string, unknown>));
  const snapshot = () => {
    const counts = { total: 3, pending: 0, running: 0, completed: 0, failed: 0, skipped: 0 } as Record<string, number>;
    for (const t of tasks) counts[t.status as string]! += 1;
    const done = counts.completed! + counts.failed!;
    return { executionId: 'chat-1', name: 'Tool calls', status: done === 3 ? 'partial' : 'running', tasks, counts, progressPercentage: Math.floor((done / 3) * 100), estimatedTimeRemainingMs: done === 3 ? 0 : 800 };
  };
  send({ type: 'start' });
  send({ type: 'start-step' });
  send({ type: 'text-start', id: 't1' });
  send({ type: 'text-delta', id: 't1', delta: 'Looking at your emails and time entries now.' });
  send({ type: 'text-end', id: 't1' });
  for (const c of calls) send({ type: 'tool-input-available', toolCallId: c.id, toolName: c.tool, input: c.input });
  send({ type: 'data-workflow', id: 'wf-1', data: snapshot() });
  await Promise.all(calls.map(async (c) => {
    await wait(c.ms);
    const task = tasks.find((t) => t.id === c.id)!;
    task.durationMs = c.ms;
    task.finishedAt = new Date().toISOString();
    if (c.error) {
      task.status = 'failed';
      task.error = { code: 'tool_failed', message: c.error };
      send({ type: 'tool-output-error', toolCallId: c.id, errorText: c.error });
    } else {
      task.status = 'completed';
      send({ type: 'tool-output-available', toolCallId: c.id, output: c.output });
    }
    send({ type: 'data-workflow', id: 'wf-1', data: snapshot() });
  }));
  send({ type: 'finish-step' });
  send({ type: 'start-step' });
  send({ type: 'text-start', id: 't2' });
  send({ type: 'text-delta', id: 't2', delta: 'You have 2 urgent emails - the court filing deadline moved to Friday. This week shows 31.5 hours recorded, 6.25 of them not yet billed across 4 matters. I could not check deadlines: the mail index is rebuilding.' });
  send({ type: 'text-end', id: 't2' });
  send({ type: 'finish-step' });
  send({ type: 'finish', finishReason: 'stop' });
  res.end('data: [DONE]\n\n');
}

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

export function startFakeGateway(port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://x');
    const path = url.pathname;
    let m: RegExpMatchArray | null;
    if (path === '/api/health') return json(res, 200, { status: 'ok', model: 'offline-demo', auth: 'local', tools: 15, workflows: templates.length });
    if (path === '/api/workflows') return json(res, 200, { workflows: templates.map(({ tasks: _t, ...rest }) => rest) });
    if ((m = path.match(/^\/api\/workflows\/([^/]+)$/)) && m[1] !== 'execute') {
      const t = templates.find((x) => x.id === decodeURIComponent(m![1]!));
      return t ? json(res, 200, t) : json(res, 404, { error: { code: 'unknown_workflow', message: 'No such workflow' } });
    }
    if (path === '/api/workflows/execute' && req.method === 'POST') {
      const body = await readBody(req);
      if (!templates.some((t) => t.id === body.workflow_id)) return json(res, 404, { error: { code: 'unknown_workflow', message: `No workflow ${body.workflow_id}` } });
      const run = startRun(body.workflow_id, body.parameters ?? {});
      return json(res, 202, { id: run.id, status: 'running' });
    }
    if (path === '/api/executions') {
      const list = [...runs.values()].reverse().map(({ log: _l, listeners: _s, results: _r, ...rest }) => ({ ...rest, kind: 'workflow' }));
      return json(res, 200, { executions: list, nextCursor: null });
    }
    if ((m = path.match(/^\/api\/executions\/([^/]+)(\/events|\/retry|\/cancel)?$/))) {
      const run = runs.get(decodeURIComponent(m[1]!));
      if (!run) return json(res, 404, { error: { code: 'not_found', message: 'No such execution' } });
      if (m[2] === '/events') return followEvents(req, res, run);
      if (m[2] === '/retry') {
        const next = startRun(run.workflowId, { ...run.input, fail: undefined }, run.results);
        return json(res, 202, { id: next.id, reused: Object.keys(run.results) });
      }
      if (m[2] === '/cancel') return json(res, 202, { id: run.id });
      const { log: _l, listeners: _s, results: _r, ...rest } = run;
      return json(res, 200, { ...rest, kind: 'workflow', tasks: {} });
    }
    if (path === '/api/chat' && req.method === 'POST') {
      await readBody(req);
      return chat(res);
    }
    if (path.startsWith('/api/')) return json(res, 404, { error: { code: 'not_found', message: 'No such route' } });
    let file = normalize(join(dist, path));
    if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) file = join(dist, 'index.html');
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${address.port}`,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
      });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  void startFakeGateway(Number(process.env.PORT ?? 3100)).then(({ url }) => console.log(`fake gateway on ${url}`));
}
