import { map, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { TaskOutcome, WorkflowEvent, WorkflowFinishEvent } from '../protocol/index.js';
import { createEngine, runWorkflow } from '../streams/index.js';
import { testScheduler } from '../streams/test-support.js';
import type { Tool } from '../tools/tool.js';
import { compileWorkflow } from '../workflows/index.js';
import { chatResumePoint, workflowResumePoint } from './resume-point.js';

// intake-shaped: data passing, a condition that is false, a failing non-critical branch, a join after it
const WORKFLOW = compileWorkflow(
  {
    id: 'resumable',
    inputs: { email: { type: 'string', required: true } },
    tasks: [
      { id: 'fetch', function: 'work', parameters: { ms: 30, value: { client: '${email}', risky: false } } },
      { id: 'conflicts', function: 'work', parameters: { ms: 50, value: '${fetch.result.client}' }, dependencies: ['fetch'] },
      { id: 'billing', function: 'work', parameters: { ms: 20 }, dependencies: ['fetch'] },
      { id: 'flaky', function: 'work', parameters: { ms: 10, fail: true }, dependencies: ['fetch'], critical: false },
      { id: 'escalate', function: 'work', parameters: { ms: 10 }, dependencies: ['fetch'], condition: 'fetch.result.risky == true' },
      { id: 'after_flaky', function: 'work', parameters: { ms: 10 }, dependencies: ['flaky'], critical: false },
      { id: 'letter', function: 'work', parameters: { ms: 40, value: 'letter for ${conflicts.result}' }, dependencies: ['conflicts', 'billing'] },
    ],
  },
  { hasTool: (name) => name === 'work' },
);

function tools() {
  const calls: string[] = [];
  const tool: Tool = {
    name: 'work',
    description: 'simulated work',
    parameters: z.object({ ms: z.number(), fail: z.boolean().default(false), value: z.unknown().optional() }),
    execute: (args, ctx) => {
      calls.push(ctx.taskId);
      return timer(args.ms).pipe(map(() => {
        if (args.fail) throw new SapflowError('tool_error', 'simulated failure');
        return args.value ?? args.ms;
      }));
    },
  };
  return { registry: { get: (name: string) => (name === 'work' ? tool : undefined) }, calls };
}

function collect(resume?: Parameters<typeof runWorkflow>[2]['resume']) {
  const events: WorkflowEvent[] = [];
  const { registry, calls } = tools();
  testScheduler().run(({ flush }) => {
    runWorkflow(WORKFLOW, createEngine({ progressIntervalMs: 0 }), { tools: registry, inputs: { email: 'a@b.c' }, executionId: 'e1', resume }).subscribe((e) => events.push(e));
    flush();
  });
  return { events, calls };
}

const terminal = (e: WorkflowEvent) => e.type === 'task-complete' || e.type === 'task-failed' || e.type === 'task-skipped';
const withoutTimes = (tasks: Record<string, TaskOutcome>) => Object.fromEntries(Object.entries(tasks).map(([id, { durationMs: _d, ...rest }]) => [id, rest]));

describe('resuming a workflow run from its log', () => {
  const reference = collect().events;
  const finish = reference.at(-1) as WorkflowFinishEvent;

  it('the reference run is partial: one branch failed, one was skipped by its condition, one by its dependency', () => {
    expect(finish.status).toBe('partial');
    expect(finish.tasks.escalate.status).toBe('skipped');
    expect(finish.tasks.after_flaky.status).toBe('skipped');
    expect(finish.tasks.letter.result).toBe('letter for a@b.c');
  });

  // a crash after each logged event in turn: the log is that prefix, the resumed run appends to it
  it.each(reference.map((_e, i) => i).filter((i) => i < reference.length - 1))('cut after event %i: same finish, settled tasks neither run nor announced again', (cut) => {
    const log = reference.slice(0, cut + 1);
    const point = workflowResumePoint(log);
    const { events: resumed, calls } = collect({ ...point, attempt: 1 });
    expect(resumed[0]).toMatchObject({ type: 'run-resumed', attempt: 1, reusedTasks: Object.keys(point.settled) });
    expect(resumed.some((e) => e.type === 'workflow-start')).toBe(point.startedAt === undefined);
    const whole = [...log, ...resumed];
    const end = whole.at(-1) as WorkflowFinishEvent;
    expect(end.type).toBe('workflow-finish');
    expect(end.status).toBe(finish.status);
    expect(withoutTimes(end.tasks)).toEqual(withoutTimes(finish.tasks));
    // settled-in-the-log tasks keep their logged outcome, durations included
    for (const [id, outcome] of Object.entries(point.settled)) expect(end.tasks[id]).toEqual(outcome);
    // one terminal event per task across log + resume; no tool called again for a task the log had settled
    const terminals = whole.filter(terminal).map((e) => (e as { taskId: string }).taskId).sort();
    expect(terminals).toEqual(WORKFLOW.tasks.map((t) => t.id).sort());
    for (const id of Object.keys(point.settled)) expect(calls).not.toContain(id);
    expect(whole.filter((e) => e.type === 'workflow-start')).toHaveLength(1);
  });
});

describe('chatResumePoint', () => {
  it('keeps finished steps as messages, and a cut step with calls as its calls and text', () => {
    const point = chatResumePoint([{ role: 'user', content: 'go' }], [
      { type: 'workflow-start', executionId: 'x', at: '2030-01-01T00:00:00.000Z', workflowId: 'chat', name: 'Chat turn', input: {}, tasks: [] },
      { type: 'step-start', step: 1 },
      { type: 'tool-input-available', toolCallId: 'a', toolName: 't', input: { q: 1 } },
      { type: 'task-complete', executionId: 'x', at: 'z', taskId: 'a', result: 'A', durationMs: 5, attempts: 1 },
      { type: 'step-finish', finishReason: 'tool-calls' },
      { type: 'step-start', step: 2 },
      { type: 'text-delta', delta: 'Next ' },
      { type: 'tool-input-available', toolCallId: 'b', toolName: 't', input: 'not json' },
    ]);
    expect(point).toMatchObject({ step: 2, cut: { text: 'Next ', calls: [{ id: 'b', name: 't', arguments: 'not json' }] }, startedAt: Date.parse('2030-01-01T00:00:00.000Z') });
    expect(point.messages).toEqual([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'a', name: 't', arguments: '{"q":1}' }] },
      { role: 'tool', toolCallId: 'a', content: '"A"' },
    ]);
  });

  it('keeps the calls held for approval held, by their approval ids', () => {
    const point = chatResumePoint([], [
      { type: 'step-start', step: 1 },
      { type: 'tool-input-available', toolCallId: 'a', toolName: 'send_email', input: { q: 1 } },
      { type: 'tool-approval-request', toolCallId: 'a', toolName: 'send_email', approvalId: 'apr_1' },
      { type: 'tool-input-available', toolCallId: 'b', toolName: 't', input: {} },
    ]);
    expect(point).toMatchObject({ step: 1, held: { a: 'apr_1' }, settled: {} });
    expect(point.cut?.calls.map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('asks a step cut off before any tool call again from its start, and starts at step 1 on an empty log', () => {
    const cut = chatResumePoint([], [{ type: 'step-start', step: 1 }, { type: 'text-delta', delta: 'Hal' }]);
    expect(cut).toMatchObject({ step: 1, messages: [] });
    expect(cut.cut).toBeUndefined();
    expect(chatResumePoint([], [])).toMatchObject({ step: 1, settled: {} });
  });
});
