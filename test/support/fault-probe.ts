import type { WorkflowEvent } from '../../src/protocol/index.js';
import { toolResult } from './idempotent-tool-server.js';

/**
 * The workflow both fault tests run (gateway-crash and cluster), inline over the idempotent tool server: data
 * passing, a fan-out of three (one with a side effect), a join, a condition each way and a task after one branch.
 */
export const FAULT_PROBE = {
  id: 'fault_probe',
  name: 'Fault probe',
  inputs: { run: { type: 'string', required: true }, seed: { type: 'integer', required: true } },
  tasks: [
    { id: 'lookup', function: 'score', parameters: { run: '${run}', task: 'lookup', n: '${seed}' } },
    { id: 'part_a', function: 'score', parameters: { run: '${run}', task: 'part_a', n: '${lookup.result.value}', salt: 1 } },
    { id: 'part_b', function: 'score', parameters: { run: '${run}', task: 'part_b', n: '${lookup.result.value}', salt: 2 } },
    { id: 'part_c', function: 'charge', parameters: { run: '${run}', task: 'part_c', amount: '${lookup.result.value}' } },
    {
      id: 'join',
      function: 'combine',
      parameters: { run: '${run}', task: 'join', parts: ['${part_a.result.value}', '${part_b.result.value}', '${part_c.result.value}'] },
    },
    { id: 'when_even', function: 'notify', condition: 'join.result.even == true', parameters: { run: '${run}', task: 'when_even', total: '${join.result.value}' } },
    { id: 'when_odd', function: 'notify', condition: 'join.result.even == false', parameters: { run: '${run}', task: 'when_odd', total: '${join.result.value}' } },
    // after a conditional task: runs with it, skipped with it
    { id: 'settle', function: 'charge', dependencies: ['when_even'], parameters: { run: '${run}', task: 'settle', amount: '${join.result.value}' } },
  ],
};
export const PROBE_TASK_IDS = FAULT_PROBE.tasks.map((t) => t.id);
export const PROBE_TASK_FUNCTION = new Map(FAULT_PROBE.tasks.map((t) => [t.id, t.function]));

export type Outcomes = Record<string, { status: string; result?: unknown }>;

/** What FAULT_PROBE comes to for `seed`, worked out from the tool server's function instead of a run. */
export function expectedProbeOutcomes(seed: number): Outcomes {
  const done = (result: unknown) => ({ status: 'completed', result });
  const lookup = toolResult('score', { task: 'lookup', n: seed });
  const partA = toolResult('score', { task: 'part_a', n: lookup.value, salt: 1 });
  const partB = toolResult('score', { task: 'part_b', n: lookup.value, salt: 2 });
  const partC = toolResult('charge', { task: 'part_c', amount: lookup.value });
  const joined = toolResult('combine', { task: 'join', parts: [partA.value, partB.value, partC.value] });
  const total = joined.value;
  return {
    lookup: done(lookup),
    part_a: done(partA),
    part_b: done(partB),
    part_c: done(partC),
    join: done(joined),
    when_even: joined.even ? done(toolResult('notify', { task: 'when_even', total })) : { status: 'skipped' },
    when_odd: joined.even ? { status: 'skipped' } : done(toolResult('notify', { task: 'when_odd', total })),
    settle: joined.even ? done(toolResult('charge', { task: 'settle', amount: total })) : { status: 'skipped' },
  };
}

/** Task states reduced to what an uninterrupted run fixes: the status, and the result of a completed task. */
export function outcomesOf(tasks: Record<string, { status: string; result?: unknown }>): Outcomes {
  return Object.fromEntries(
    Object.entries(tasks).map(([id, t]) => [id, t.status === 'completed' ? { status: t.status, result: t.result } : { status: t.status }]),
  );
}

export function isTerminalTaskEvent(event: WorkflowEvent): event is Extract<WorkflowEvent, { taskId: string }> {
  return event.type === 'task-complete' || event.type === 'task-failed' || event.type === 'task-skipped';
}
