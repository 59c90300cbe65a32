import pc from 'picocolors';
import type { Observable } from 'rxjs';
import { loadConfig } from '../config.js';
import { createRuntime } from '../runtime/create-runtime.js';
import type { LoggableEvent, StoredEvent } from '../store/index.js';
import type { TaskApprovalRequestEvent, WorkflowEvent } from '../protocol/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT, exitCodeForStatus } from './exit-codes.js';
import { parseCommandArgs } from './parse-command-args.js';
import { createProgressView } from './progress-view.js';
import { renderWaiting } from './render-waiting.js';
import { followRun } from './run-command.js';

const USAGE = 'sapflow approve <executionId> <taskId> [--deny] [--reason text] [--json]';

/**
 * `sapflow approve`: decides on a task a run waits for (as the local user, on this store), then carries the run on
 * here and follows it to its end - or to the next approval it waits for. Exit codes as `sapflow run`.
 */
export async function approveCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { deny: { type: 'boolean', default: false }, reason: { type: 'string' }, json: { type: 'boolean', default: false } },
    { positionals: [2, 2], usage: USAGE },
  );
  const [executionId, taskId] = positionals as [string, string];
  const json = values.json === true;
  const config = loadConfig(ctx.env);
  const runtime = await createRuntime(config, { log: { to: ctx.stderr, level: ctx.env.LOG_LEVEL ?? 'warn' }, metrics: false });
  try {
    const colors = pc.createColors(ctx.stdout.isTTY === true && !json && !ctx.env.NO_COLOR);
    const before = await runtime.runs.decide(executionId, 'local', { taskId, approved: !values.deny, ...(values.reason ? { reason: values.reason } : {}) });
    if (!json) ctx.stdout.write(`${values.deny ? colors.red('✗ denied') : colors.green('✓ approved')} ${taskId} of execution ${executionId}\n`);
    // the whole log, so the picture is complete; a parking logged before this decision is history, not the end
    const events = runtime.hub.follow<WorkflowEvent & LoggableEvent>(executionId, 'local', 0) as unknown as Observable<StoredEvent<WorkflowEvent>>;
    const view = json ? undefined : createProgressView({ out: ctx.stdout, live: false, colors });
    const asked = new Map<string, TaskApprovalRequestEvent>();
    const end = await followRun(events, (event) => {
      if (event.type === 'task-approval-request') asked.set(event.taskId, event);
      if (json) ctx.stdout.write(`${JSON.stringify(event)}\n`);
      else view!.update(event);
    }, { ignoreWaitingUpTo: before.lastSeq });
    view?.close();
    await runtime.runs.settled(executionId);
    if (end.type === 'workflow-finish') return exitCodeForStatus(end.status);
    if (!json) ctx.stdout.write(`\n${renderWaiting(end, asked, colors, `http://localhost:${config.PORT}`)}`);
    return EXIT.waiting;
  } finally {
    await runtime.close();
  }
}
