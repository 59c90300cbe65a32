import { describe, expect, it } from 'vitest';
import { layoutDag, nodeSize } from './layout-dag.js';

const task = (id: string, dependencies: string[] = [], parallelGroup?: string) => ({ id, dependencies, parallelGroup });

describe('layoutDag', () => {
  it('puts dependencies above and independent tasks side by side', () => {
    const layout = layoutDag([
      task('list'),
      task('extract', ['list']),
      task('email', ['extract'], 'notify'),
      task('record', ['extract'], 'notify'),
    ]);
    const at = Object.fromEntries(layout.nodes.map((node) => [node.id, node]));
    expect(at.list!.y).toBeLessThan(at.extract!.y);
    expect(at.extract!.y).toBeLessThan(at.email!.y);
    expect(at.email!.y).toBe(at.record!.y);
    expect(Math.abs(at.email!.x - at.record!.x)).toBeGreaterThanOrEqual(nodeSize.width);
    expect(layout.edges.map((edge) => `${edge.from}->${edge.to}`).sort()).toEqual(['extract->email', 'extract->record', 'list->extract']);
    expect(layout.groups).toHaveLength(1);
    expect(layout.groups[0]!.name).toBe('notify');
    for (const node of layout.nodes) {
      expect(node.x + node.width).toBeLessThanOrEqual(layout.width);
      expect(node.y + node.height).toBeLessThanOrEqual(layout.height);
    }
  });

  it('draws only the edges not implied through another dependency', () => {
    const layout = layoutDag([
      task('list'),
      task('extract', ['list']),
      task('check', ['extract']),
      task('letter', ['check', 'extract']),
      task('confirm', ['letter', 'extract', 'list']),
      task('record', ['letter', 'check']),
    ]);
    expect(layout.edges.map((edge) => `${edge.from}->${edge.to}`).sort()).toEqual([
      'check->letter',
      'extract->check',
      'letter->confirm',
      'letter->record',
      'list->extract',
    ]);
  });

  it('ignores dependencies on tasks it was not given', () => {
    const layout = layoutDag([task('a', ['missing'])]);
    expect(layout.edges).toEqual([]);
    expect(layout.nodes).toHaveLength(1);
  });
});
