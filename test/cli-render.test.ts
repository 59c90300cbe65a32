import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { SapflowError } from '../src/errors/index.js';
import { exitCodeForError, exitCodeForStatus } from '../src/cli/exit-codes.js';
import { formatDuration } from '../src/cli/format-duration.js';
import { formatError } from '../src/cli/format-error.js';
import { parseInputPairs } from '../src/cli/parse-input-pairs.js';
import { renderSummary } from '../src/cli/render-summary.js';
import { renderTaskLine, type TaskLineOptions } from '../src/cli/render-task-line.js';
import { shortJson } from '../src/cli/short-json.js';
import type { TaskSnapshot, WorkflowFinishEvent } from '../src/protocol/index.js';

const plain = pc.createColors(false);
const options = (extra: Partial<TaskLineOptions> = {}): TaskLineOptions => ({ colors: plain, now: Date.parse('2025-01-01T00:00:01.500Z'), idWidth: 6, width: 80, ...extra });
const task = (patch: Partial<TaskSnapshot>): TaskSnapshot => ({ id: 'fetch', name: 'fetch', function: 'echo', status: 'pending', dependencies: [], attempts: 0, ...patch });

describe('renderTaskLine', () => {
  it('says what a waiting task waits for', () => {
    const statusOf = (id: string) => (id === 'a' ? 'running' : 'completed') as TaskSnapshot['status'];
    expect(renderTaskLine(task({ dependencies: ['a', 'b'] }), options({ statusOf }))).toBe('· fetch   waiting for a');
  });

  it('shows a running task with its spinner frame, elapsed time and retry', () => {
    const running = task({ status: 'running', startedAt: '2025-01-01T00:00:00.300Z', attempts: 2, error: { code: 'http_error', message: 'POST x answered 503' } });
    expect(renderTaskLine(running, options({ frame: 1, width: 100 }))).toBe('⠙ fetch   running 1.2s (attempt 2) retrying after [http_error] POST x answered 503');
    expect(renderTaskLine(running, options()).startsWith('> fetch')).toBe(true);
  });

  it('shows done, failed and skipped tasks, cut to the width', () => {
    expect(renderTaskLine(task({ status: 'completed', durationMs: 120, attempts: 1 }), options())).toBe('✓ fetch   done 120ms');
    const failed = task({ status: 'failed', durationMs: 2500, attempts: 1, error: { code: 'timeout', message: 'echo did not finish within 2s '.repeat(5) } });
    const line = renderTaskLine(failed, options({ width: 60 }));
    expect(line).toMatch(/^✗ fetch {3}failed after 2\.5s \[timeout\] echo did not finish.*…$/);
    expect(line.length).toBeLessThanOrEqual(60);
    expect(renderTaskLine(task({ status: 'skipped', reason: 'dependency a failed' }), options())).toBe('↷ fetch   skipped: dependency a failed');
  });
});

describe('renderSummary', () => {
  it('gives the status, the counts and each task result as short JSON', () => {
    const finish: WorkflowFinishEvent = {
      type: 'workflow-finish', executionId: 'x', at: '', status: 'partial', durationMs: 1234,
      tasks: {
        a: { status: 'completed', result: { n: 1 }, attempts: 1 },
        bb: { status: 'failed', error: { code: 'http_error', message: 'answered 400' }, attempts: 1 },
        c: { status: 'skipped', reason: 'dependency bb failed', attempts: 0 },
      },
    };
    expect(renderSummary(finish, plain, 80).split('\n')).toEqual([
      'partial in 1.2s · 3 tasks: 1 done, 1 failed, 1 skipped',
      '  a   {"n":1}',
      '  bb  [http_error] answered 400',
      '  c   skipped: dependency bb failed',
    ]);
  });
});

describe('small formatters', () => {
  it('formatDuration', () => {
    expect([formatDuration(0), formatDuration(999), formatDuration(1500), formatDuration(125_000)]).toEqual(['0ms', '999ms', '1.5s', '2m05s']);
  });

  it('shortJson cuts long values and survives what JSON cannot show', () => {
    expect(shortJson({ a: 'x'.repeat(50) }, 20)).toBe('{"a":"xxxxxxxxxxxxx…');
    expect(shortJson(undefined)).toBe('null');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(shortJson(loop)).toBe('[object Object]');
  });

  it('parseInputPairs keeps everything after the first =', () => {
    expect(parseInputPairs(['q=a=b', 'n=3', 'empty='])).toEqual({ q: 'a=b', n: '3', empty: '' });
    expect(() => parseInputPairs(['novalue'])).toThrow(/--input expects name=value/);
    expect(() => parseInputPairs(['=x'])).toThrow(SapflowError);
  });

  it('formatError and exit codes', () => {
    const error = new SapflowError('cycle', 'a -> b -> a', { details: { path: 'tasks[0].dependencies[0]' } });
    expect(formatError(error)).toBe('[cycle] tasks[0].dependencies[0]: a -> b -> a');
    expect(formatError(new SapflowError('store_error', 'down'))).toBe('[store_error] down');
    expect(['cycle', 'missing_input', 'invalid_input', 'not_found', 'unknown_workflow', 'invalid_tools_config', 'invalid_config', 'usage'].map((code) => exitCodeForError(new SapflowError(code, 'x')))).toEqual(Array(8).fill(64));
    expect(exitCodeForError(new SapflowError('store_error', 'x'))).toBe(1);
    expect(exitCodeForError(new SapflowError('internal_error', 'x'))).toBe(1);
    expect(['completed', 'partial', 'failed', 'cancelled'].map((s) => exitCodeForStatus(s as WorkflowFinishEvent['status']))).toEqual([0, 2, 1, 1]);
  });
});
