import { describe, expect, it } from 'vitest';
import { estimateRemaining, type EstimatedTask } from './estimate-remaining.js';

const task = (id: string, status: EstimatedTask['status'], dependencies: string[] = [], startedAtMs?: number, fn = 'tool'): EstimatedTask => ({
  id,
  function: fn,
  status,
  dependencies,
  startedAtMs,
});
const means: Record<string, number> = { tool: 100, slow: 1000 };
const estimate = (fn: string) => means[fn];

describe('estimateRemaining', () => {
  it('is 0 when nothing is left', () => {
    expect(estimateRemaining([task('a', 'completed'), task('b', 'skipped'), task('c', 'failed')], 0, estimate, 4)).toBe(0);
    expect(estimateRemaining([], 0, estimate, 4)).toBe(0);
  });

  it('is null while an unfinished task has no estimate', () => {
    expect(estimateRemaining([task('a', 'running', [], 0), task('b', 'pending', [], undefined, 'unknown')], 0, estimate, 4)).toBeNull();
    // a settled task without an estimate does not matter
    expect(estimateRemaining([task('a', 'completed', [], undefined, 'unknown'), task('b', 'pending')], 0, estimate, 4)).toBe(100);
  });

  it('counts only what is left of a running task, never below zero', () => {
    expect(estimateRemaining([task('a', 'running', [], 1000)], 1030, estimate, 4)).toBe(70);
    expect(estimateRemaining([task('a', 'running', [], 1000)], 1500, estimate, 4)).toBe(0);
  });

  it('follows the critical path through dependencies', () => {
    // a (running, 40 left) -> b (100) -> d (100); c (slow, 1000) alone
    const tasks = [task('a', 'running', [], 0), task('c', 'pending', [], undefined, 'slow'), task('b', 'pending', ['a']), task('d', 'pending', ['b', 'c'])];
    expect(estimateRemaining(tasks, 60, estimate, 10)).toBe(1100);
  });

  it('spreads the remaining work over the parallel slots when that is longer', () => {
    const tasks = Array.from({ length: 10 }, (_, i) => task(`t${i}`, 'pending'));
    expect(estimateRemaining(tasks, 0, estimate, 2)).toBe(500);
    expect(estimateRemaining(tasks, 0, estimate, 20)).toBe(100);
  });

  it('stays linear on a wide fan-in', () => {
    const roots = Array.from({ length: 10_000 }, (_, i) => task(`r${i}`, 'pending'));
    const sink = task('sink', 'pending', roots.map((r) => r.id));
    const started = performance.now();
    expect(estimateRemaining([...roots, sink], 0, estimate, 10_000)).toBe(200);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
