import pc from 'picocolors';
import type { Observable } from 'rxjs';
import { loadConfig } from '../config.js';
import { SapflowError } from '../errors/index.js';
import { createRuntime } from '../runtime/create-runtime.js';
import type { StoredEvent } from '../store/index.js';
import type { TaskApprovalRequestEvent, WorkflowEvent, WorkflowFinishEvent, WorkflowWaitingEvent } from '../protocol/index.js';
import { resolveInputs } from '../workflows/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT, exitCodeForStatus } from './exit-codes.js';
import { renderWaiting } from './render-waiting.js';
import { loadDefinitions } from './load-definitions.js';
import { loadWorkflowTarget } from './load-workflow-target.js';
import { parseCommandArgs } from './parse-command-args.js';
import { parseInputPairs } from './parse-input-pairs.js';
import { createProgressView } from './progress-view.js';

const USAGE = 'sapflow run <file|template-id> [--input name=value]... [--json]';

/**
 * `sapflow run`: one logged run (through the runtime's WorkflowRuns, so it shows in the history) with live progress,
 * or with `--json` every event as one JSON line - the machine interface. Ctrl-C cancels the run; twice quits at once.
 */
export async function runCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { input: { type: 'string', short: 'i', multiple: true }, json: { type: 'boolean', default: false } },
    { positionals: [1, 1], usage: USAGE },
  );
  const rawInputs = parseInputPairs(values.input ?? []);
  const json = values.json === true;
  const config = loadConfig(ctx.env);
  // definition and inputs are checked before the store opens (seconds for PGlite), so a typo fails at once
  const definitions = await loadDefinitions(config);
  const workflow = await loadWorkflowTarget(positionals[0]!, { hasTool: (name) => definitions.tools.has(name), catalog: async () => definitions.catalog });
  const inputs = resolveInputs(workflow.definition, rawInputs, { coerceStrings: true });
  // stdout is the command's own output (--json is one event per line): the log goes to stderr, warnings up; and
  // one run in a terminal keeps no metrics, nobody scrapes them
  const runtime = await createRuntime(config, { log: { to: ctx.stderr, level: ctx.env.LOG_LEVEL ?? 'warn' }, metrics: false });
  try {
    // redrawing needs the terminal's size; a pseudo-terminal without one (CI, `script`) gets plain lines
    const live = !json && ctx.stdout.isTTY === true && ctx.stdout.columns > 0 && ctx.stdout.rows > 0;
    const tty = ctx.stdout.isTTY === true;
    const colors = pc.createColors(tty && !json && !ctx.env.NO_COLOR);
    if (!json) {
      for (const notice of runtime.notices) ctx.stderr.write(`${colors.dim(`note: ${notice}`)}\n`);
    }

    const run = await runtime.runs.startWorkflow({ workflow, inputs, user: 'local' });
    const view = json ? undefined : createProgressView({ out: ctx.stdout, live, colors });
    if (!json) ctx.stdout.write(`${colors.bold(workflow.name)} (${workflow.id}) · execution ${run.executionId}\n`);
    let interrupts = 0;
    const stopListening = ctx.onInterrupt(() => {
      interrupts += 1;
      if (interrupts > 1) {
        view?.close();
        ctx.exitNow(130);
      }
      void runtime.runs.cancel(run.executionId, 'local');
      const text = 'cancelling the run - Ctrl-C again to quit at once';
      if (view) view.note(text);
      else ctx.stderr.write(`${text}\n`);
    });
    try {
      const asked = new Map<string, TaskApprovalRequestEvent>();
      const end = await followRun(run.events, (event) => {
        if (event.type === 'task-approval-request') asked.set(event.taskId, event);
        if (json) ctx.stdout.write(`${JSON.stringify(event)}\n`);
        else view!.update(event);
      });
      if (end.type === 'workflow-finish') return exitCodeForStatus(end.status);
      view?.close();
      if (!json) ctx.stdout.write(`\n${renderWaiting(end, asked, colors, `http://localhost:${config.PORT}`)}`);
      return EXIT.waiting;
    } finally {
      stopListening();
      view?.close();
    }
  } finally {
    await runtime.close();
  }
}

/** Follows the run to its finish, or to its parking for an approval (then it stops following: the run waits in the store). */
export function followRun(
  events: Observable<StoredEvent<WorkflowEvent>>,
  onEvent: (event: WorkflowEvent) => void,
  { ignoreWaitingUpTo = 0 }: { ignoreWaitingUpTo?: number } = {},
): Promise<WorkflowFinishEvent | WorkflowWaitingEvent> {
  return new Promise((resolve, reject) => {
    let finish: WorkflowFinishEvent | undefined;
    const subscription = events.subscribe({
      next: ({ seq, event }) => {
        if (event.type === 'workflow-finish') finish = event;
        try {
          onEvent(event);
        } catch (error) {
          reject(error);
        }
        if (event.type === 'workflow-waiting' && seq > ignoreWaitingUpTo) {
          resolve(event);
          queueMicrotask(() => subscription.unsubscribe());
        }
      },
      error: reject,
      complete: () => (finish ? resolve(finish) : reject(new SapflowError('internal_error', 'The run ended without a workflow-finish event'))),
    });
  });
}
