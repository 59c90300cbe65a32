/**
 * Child process for the store crash test: opens the embedded store on `argv[2]` (a DATA_DIR), then creates
 * executions and appends events to them as fast as it can, in a few concurrent writers, until it is killed.
 *
 * stdout, one line each (the parent trusts only complete lines):
 *   ready
 *   committed <executionId> <seq> <payload JSON>     printed only after appendEvents resolved
 * `argv[3]` (optional) is a prefix for this child's execution ids, so children never share an execution.
 */
import { randomUUID } from 'node:crypto';
import { createExecutionStore, openDatabase, type LoggableEvent } from '../../src/store/index.js';

const dataDir = process.argv[2];
const prefix = process.argv[3] ?? randomUUID().slice(0, 8);
const WRITERS = 4;
if (!dataDir) {
  console.error('usage: store-crash-writer <DATA_DIR> [id-prefix]');
  process.exit(2);
}

const db = await openDatabase({ dataDir });
const store = createExecutionStore(db);
process.stdout.write('ready\n');

let executions = 0;

/** One execution's worth of events in batches of 1-4, as the log writer sends them; then the next execution. */
async function writer(w: number): Promise<never> {
  for (;;) {
    const executionId = `${prefix}-${w}-${executions++}`;
    await store.createExecution({ id: executionId, workflowId: 'crash_probe', userId: 'local', input: { w } });
    const at = () => new Date().toISOString();
    const events: LoggableEvent[] = [
      { type: 'workflow-start', executionId, at: at(), workflowId: 'crash_probe', name: 'crash probe', input: {}, tasks: [{ id: 'a', name: 'a', function: 'f', dependencies: [], critical: true }] } as LoggableEvent,
    ];
    for (let n = 0; n < 20; n++) {
      events.push({ type: 'task-progress', executionId, at: at(), taskId: 'a', data: { n, pad: 'x'.repeat(n * 37), r: Math.random() } } as LoggableEvent);
    }
    events.push({ type: 'task-complete', executionId, at: at(), taskId: 'a', result: { ok: executions }, durationMs: 1, attempts: 1 } as LoggableEvent);
    events.push({ type: 'workflow-finish', executionId, at: at(), status: 'completed', tasks: { a: { status: 'completed', attempts: 1 } }, durationMs: 1 } as LoggableEvent);
    while (events.length > 0) {
      const batch = events.splice(0, 1 + Math.floor(Math.random() * 4));
      const stored = await store.appendEvents(executionId, batch);
      process.stdout.write(stored.map((s) => `committed ${executionId} ${s.seq} ${JSON.stringify(s.event)}\n`).join(''));
    }
  }
}

await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
