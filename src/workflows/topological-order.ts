import { SapflowError } from '../errors/index.js';

export interface DependencyNode {
  id: string;
  dependencies: readonly string[];
}

/**
 * Orders tasks so each comes after its dependencies, keeping declaration order where the graph
 * allows. A cycle throws `cycle` naming its tasks in dependency order, `a -> b -> c -> a` meaning
 * a depends on b, b on c and c on a, starting from the earliest declared; `pathOf(a, b)` says
 * where a's dependency on b was declared.
 */
export function topologicalOrder<T extends DependencyNode>(nodes: readonly T[], pathOf: (from: string, to: string) => string): T[] {
  const index = new Map(nodes.map((node, i) => [node.id, i]));
  const edges = nodes.map((node) => node.dependencies.map((id) => index.get(id)!));
  const state = new Uint8Array(nodes.length); // 0 unseen, 1 on the current path, 2 placed
  const order: T[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root] !== 0) continue;
    // iterative depth-first search: a 10,000-task chain must not exhaust the call stack
    const stack: Array<{ node: number; next: number }> = [{ node: root, next: 0 }];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const deps = edges[top.node]!;
      if (top.next < deps.length) {
        const dep = deps[top.next++]!;
        if (state[dep] === 0) {
          state[dep] = 1;
          stack.push({ node: dep, next: 0 });
        } else if (state[dep] === 1) {
          const members = stack.slice(stack.findIndex((frame) => frame.node === dep)).map((frame) => frame.node);
          throw cycleError(members, nodes, pathOf);
        }
      } else {
        state[top.node] = 2;
        order.push(nodes[top.node]!);
        stack.pop();
      }
    }
  }
  return order;
}

function cycleError(members: number[], nodes: readonly DependencyNode[], pathOf: (from: string, to: string) => string): SapflowError {
  const first = members.indexOf(members.reduce((a, b) => Math.min(a, b)));
  const ids = [...members.slice(first), ...members.slice(0, first)].map((i) => nodes[i]!.id);
  const path = pathOf(ids[0]!, ids[1] ?? ids[0]!);
  const chain = [...ids, ids[0]].join(' -> ');
  return new SapflowError('cycle', `Dependency cycle at ${path}: ${chain} (each task depends on the next)`, {
    details: { path, cycle: ids },
  });
}
