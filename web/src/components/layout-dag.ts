import dagre, { type Edge } from '@dagrejs/dagre';
import type { TaskSnapshot } from '../../../src/protocol/index.js';

export interface DagNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface DagEdge {
  from: string;
  to: string;
  points: Array<{ x: number; y: number }>;
}
export interface DagGroup {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface DagLayout {
  width: number;
  height: number;
  nodes: DagNode[];
  edges: DagEdge[];
  groups: DagGroup[];
}

export const nodeSize = { width: 210, height: 54 };

/**
 * Drops an edge a -> c when c also depends on some b that itself (transitively) depends on a: "c starts after a"
 * is already drawn through b. Templates list (or infer) every direct reference, and without this the picture
 * is a tangle of long edges.
 */
export function reduceEdges(tasks: Pick<TaskSnapshot, 'id' | 'dependencies'>[]): Array<[string, string]> {
  const depsOf = new Map(tasks.map((task) => [task.id, task.dependencies.filter((dep) => dep !== task.id)]));
  const ancestors = new Map<string, Set<string>>();
  const ancestorsOf = (id: string, visiting = new Set<string>()): Set<string> => {
    const known = ancestors.get(id);
    if (known) return known;
    const found = new Set<string>();
    visiting.add(id);
    for (const dep of depsOf.get(id) ?? []) {
      if (!depsOf.has(dep) || visiting.has(dep)) continue;
      found.add(dep);
      for (const further of ancestorsOf(dep, visiting)) found.add(further);
    }
    visiting.delete(id);
    ancestors.set(id, found);
    return found;
  };
  const edges: Array<[string, string]> = [];
  for (const task of tasks) {
    const deps = (depsOf.get(task.id) ?? []).filter((dep) => depsOf.has(dep));
    for (const dep of new Set(deps)) {
      const implied = deps.some((other) => other !== dep && ancestorsOf(other).has(dep));
      if (!implied) edges.push([dep, task.id]);
    }
  }
  return edges;
}

/** Top-to-bottom layered layout by dagre: dependencies above, tasks that can run together side by side. */
export function layoutDag(tasks: Pick<TaskSnapshot, 'id' | 'dependencies' | 'parallelGroup'>[]): DagLayout {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 40, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const task of tasks) graph.setNode(task.id, { ...nodeSize });
  for (const [from, to] of reduceEdges(tasks)) graph.setEdge(from, to);
  dagre.layout(graph);

  const nodes = tasks.map((task) => {
    const node = graph.node(task.id);
    return { id: task.id, x: node.x - nodeSize.width / 2, y: node.y - nodeSize.height / 2, ...nodeSize };
  });
  const edges = graph.edges().map((edge: Edge) => ({ from: edge.v, to: edge.w, points: graph.edge(edge).points ?? [] }));

  const byGroup = new Map<string, DagNode[]>();
  tasks.forEach((task, index) => {
    if (!task.parallelGroup) return;
    byGroup.set(task.parallelGroup, [...(byGroup.get(task.parallelGroup) ?? []), nodes[index]!]);
  });
  const pad = 10;
  const groups = [...byGroup]
    .filter(([, members]) => members.length > 1)
    .map(([name, members]) => {
      const left = Math.min(...members.map((node) => node.x)) - pad;
      // the label sits under the nodes, away from the edges coming in from above
      const top = Math.min(...members.map((node) => node.y)) - pad;
      const right = Math.max(...members.map((node) => node.x + node.width)) + pad;
      const bottom = Math.max(...members.map((node) => node.y + node.height)) + pad + 14;
      return { name, x: left, y: top, width: right - left, height: bottom - top };
    });

  const label = graph.graph();
  const height = Math.max(label.height ?? 0, ...groups.map((group) => group.y + group.height + 4));
  return { width: label.width ?? 0, height, nodes, edges, groups };
}
