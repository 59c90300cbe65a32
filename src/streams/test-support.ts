import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { Tool } from '../tools/tool.js';
import type { WorkflowEvent } from '../protocol/index.js';

/** Marble tests compare compact labels, so diagrams stay readable. */
export function label(event: WorkflowEvent): string {
  switch (event.type) {
    case 'task-start':
      return `start:${event.taskId}#${event.attempt}`;
    case 'task-retry':
      return `retry:${event.taskId}#${event.attempt}:${event.error.code}:${event.delayMs}`;
    case 'task-progress':
      return `progress:${event.taskId}:${JSON.stringify(event.data)}`;
    case 'task-complete':
      return `done:${event.taskId}:${JSON.stringify(event.result)}`;
    case 'task-failed':
      return `failed:${event.taskId}:${event.error.code}`;
    case 'task-skipped':
      return `skipped:${event.taskId}`;
    case 'circuit-breaker':
      return `breaker:${event.tool}:${event.state}`;
    case 'workflow-start':
      return 'workflow-start';
    case 'workflow-progress':
      return `progress:${event.progressPercentage}`;
    case 'task-approval-request':
      return `ask:${event.taskId}`;
    case 'task-approval':
      return `${event.approved ? 'approved' : 'denied'}:${event.taskId}:${event.by}`;
    case 'workflow-waiting':
      return `waiting:${event.waitingTasks.join(',')}`;
    case 'run-resumed':
      return `resumed#${event.attempt}`;
    case 'workflow-finish':
      return `finish:${event.status}`;
  }
}

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

export function retryableError(message = 'upstream 503'): SapflowError {
  return new SapflowError('http_error', message, { retryable: true, details: { status: 503 } });
}

/** A tool whose behaviour per call is scripted by the test; it records its calls and their signals. */
export function scriptedTool(name: string, behaviour: (args: any, call: number) => unknown, extra: Partial<Tool> = {}) {
  const calls: { args: unknown; signal: AbortSignal; traceparent?: string }[] = [];
  const tool: Tool = {
    name,
    description: `test tool ${name}`,
    parameters: z.object({}).passthrough(),
    execute: (args, ctx) => {
      calls.push({ args, signal: ctx.signal, traceparent: ctx.traceparent });
      return behaviour(args, calls.length) as any;
    },
    ...extra,
  };
  return { tool, calls };
}
