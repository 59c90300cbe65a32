import { useMemo } from 'react';
import type { TaskSnapshot } from '../../../src/protocol/index.js';
import { formatDuration, taskStatusLabel } from '../react/format.js';
import { layoutDag } from './layout-dag.js';

interface WorkflowDagProps {
  tasks: TaskSnapshot[];
  selectedId?: string | null;
  onSelect?: (taskId: string) => void;
  reusedTaskIds?: string[];
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function edgePath(points: Array<{ x: number; y: number }>): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points;
  return `M${first!.x},${first!.y} ${rest.map((point) => `L${point.x},${point.y}`).join(' ')}`;
}

/** The run's DAG laid out by dagre; each node carries its status as colour, icon and word. */
export function WorkflowDag({ tasks, selectedId, onSelect, reusedTaskIds = [] }: WorkflowDagProps) {
  // the layout depends only on the graph's shape, not on statuses, so it stays put while the run moves
  const shapeKey = tasks.map((task) => `${task.id}<${task.dependencies.join(',')}|${task.parallelGroup ?? ''}`).join(';');
  const layout = useMemo(() => layoutDag(tasks), [shapeKey]); // tasks are read only through shapeKey's fields
  const byId = new Map(tasks.map((task) => [task.id, task]));

  if (tasks.length === 0) return <p className="muted">Waiting for the run's task list…</p>;

  return (
    <svg
      className="dag"
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      // shrinks to fit a narrow column, never grows past its natural size
      style={{ width: '100%', maxWidth: layout.width, height: 'auto' }}
      role="group"
      aria-label="Workflow graph"
    >
      <defs>
        <marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" className="dag-arrow" />
        </marker>
      </defs>
      {layout.groups.map((group) => (
        <g key={group.name} className="dag-group">
          <rect x={group.x} y={group.y} width={group.width} height={group.height} rx={10} />
          <text x={group.x + 10} y={group.y + group.height - 7}>parallel · {group.name}</text>
        </g>
      ))}
      {layout.edges.map((edge) => (
        <path
          key={`${edge.from}->${edge.to}`}
          className={`dag-edge dag-edge-${byId.get(edge.from)?.status ?? 'pending'}`}
          d={edgePath(edge.points)}
          markerEnd="url(#dag-arrow)"
        />
      ))}
      {layout.nodes.map((node) => {
        const task = byId.get(node.id)!;
        const label = taskStatusLabel[task.status];
        const detail = reusedTaskIds.includes(task.id)
          ? 'reused'
          : task.status === 'completed' || task.status === 'failed'
            ? formatDuration(task.durationMs)
            : task.status === 'running' && task.attempts > 1
              ? `attempt ${task.attempts}`
              : '';
        return (
          <g
            key={node.id}
            className={`dag-node dag-node-${task.status}${selectedId === node.id ? ' dag-node-selected' : ''}`}
            transform={`translate(${node.x},${node.y})`}
            data-task-id={node.id}
            data-status={task.status}
            role="button"
            tabIndex={0}
            aria-label={`${task.name}: ${label.word}${detail ? `, ${detail}` : ''}`}
            aria-pressed={selectedId === node.id}
            onClick={() => onSelect?.(node.id)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                onSelect?.(node.id);
              }
            }}
          >
            <title>{`${task.name} (${task.function}) - ${label.word}`}</title>
            <rect width={node.width} height={node.height} rx={8} />
            <text x={12} y={22} className="dag-node-name">{truncate(task.name, 27)}</text>
            <text x={12} y={42} className="dag-node-status">
              {label.icon} {label.word}
              {detail && <tspan className="dag-node-detail"> · {detail}</tspan>}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
