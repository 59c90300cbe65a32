import { compileWorkflow, type CompiledWorkflow } from '../src/workflows/index.js';

/**
 * A benchmark DAG: each task sleeps `ms` (0 = answers synchronously) once its `deps` are done; a `held` task waits
 * until the bench opens the gate (to look at a run with every task in flight).
 */
export interface BenchDag {
  name: string;
  tasks: { id: string; ms: number; deps: string[]; held?: boolean }[];
}

/** mulberry32: a tiny seeded generator, so every run of the bench measures the same DAGs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `size` tasks with latencies in [minMs, maxMs]; each depends on 0-3 of the 20 tasks declared just before it, which
 * gives deep, uneven DAGs (15-30 levels of 200 tasks) where a level-by-level plan waits on its slowest member.
 */
export function randomDag(seed: number, size = 200, minMs = 5, maxMs = 50): BenchDag {
  const random = seededRandom(seed);
  const tasks: BenchDag['tasks'] = [];
  for (let i = 0; i < size; i++) {
    const deps = new Set<string>();
    const want = i === 0 ? 0 : Math.floor(random() * 4);
    for (let k = 0; k < want; k++) deps.add(`t${Math.max(0, i - 1 - Math.floor(random() * 20))}`);
    tasks.push({ id: `t${i}`, ms: minMs + Math.floor(random() * (maxMs - minMs + 1)), deps: [...deps] });
  }
  return { name: `random seed ${seed}`, tasks };
}

/** The scheduling case: a 500 ms task beside a chain of four 100 ms tasks, then a 10 ms join. */
export function slowBranchDag(): BenchDag {
  return {
    name: 'slow branch',
    tasks: [
      { id: 'slow', ms: 500, deps: [] },
      { id: 'c1', ms: 100, deps: [] },
      { id: 'c2', ms: 100, deps: ['c1'] },
      { id: 'c3', ms: 100, deps: ['c2'] },
      { id: 'c4', ms: 100, deps: ['c3'] },
      { id: 'join', ms: 10, deps: ['slow', 'c4'] },
    ],
  };
}

export function chainDag(size: number): BenchDag {
  return { name: `chain ${size}`, tasks: Array.from({ length: size }, (_, i) => ({ id: `t${i}`, ms: 0, deps: i === 0 ? [] : [`t${i - 1}`] })) };
}

/** One instant root and `size - 1` tasks that depend on it alone: instant, or `held` until the bench lets them finish. */
export function fanOutDag(size: number, { held = false } = {}): BenchDag {
  const name = held ? `fan-out ${size}, held` : `fan-out ${size}`;
  return { name, tasks: Array.from({ length: size }, (_, i) => ({ id: `t${i}`, ms: 0, deps: i === 0 ? [] : ['t0'], held: held && i > 0 })) };
}

/** The longest path, each task weighted by `weight(id)` (its nominal or its measured duration). */
export function criticalPath(dag: BenchDag, weight: (id: string) => number): number {
  const finish = new Map<string, number>();
  for (const task of dag.tasks) {
    let start = 0;
    for (const dep of task.deps) start = Math.max(start, finish.get(dep)!);
    finish.set(task.id, start + weight(task.id));
  }
  return Math.max(...finish.values());
}

/** Dependency levels: level 0 has no dependencies, level n depends on level n-1 at most. */
export function levels(dag: BenchDag): BenchDag['tasks'][] {
  const level = new Map<string, number>();
  const out: BenchDag['tasks'][] = [];
  for (const task of dag.tasks) {
    const n = task.deps.reduce((max, dep) => Math.max(max, level.get(dep)! + 1), 0);
    level.set(task.id, n);
    (out[n] ??= []).push(task);
  }
  return out;
}

/** The same DAG in the workflow language, compiled as the CLI and the server would. */
export function toWorkflow(dag: BenchDag): CompiledWorkflow {
  const raw = {
    id: 'bench',
    name: dag.name,
    tasks: dag.tasks.map((t) => ({
      id: t.id,
      function: t.held ? 'held' : t.ms > 0 ? 'sleep' : 'instant',
      parameters: t.ms > 0 ? { ms: t.ms } : {},
      dependencies: t.deps,
    })),
  };
  return compileWorkflow(raw, { hasTool: (name) => ['sleep', 'instant', 'held'].includes(name) });
}
