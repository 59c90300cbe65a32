import type { CompiledTask, CompiledWorkflow } from './types.js';

/**
 * A Mermaid `flowchart TD` of the DAG: one node per task labelled with its name and function,
 * an arrow from each dependency to its dependant, conditional tasks as hexagons showing the
 * condition, non-critical tasks dashed, and each `parallel_group` as a subgraph.
 */
export function toMermaid(compiled: CompiledWorkflow): string {
  const lines = ['flowchart TD'];
  // prefixed so a task called `end` or `graph` cannot collide with Mermaid keywords
  const nodeId = new Map(compiled.tasks.map((task) => [task.id, `t_${task.id}`]));
  const groups = new Map<string, CompiledTask[]>();
  const ungrouped: CompiledTask[] = [];
  for (const task of compiled.tasks) {
    if (task.parallel_group === undefined) ungrouped.push(task);
    else groups.set(task.parallel_group, [...(groups.get(task.parallel_group) ?? []), task]);
  }
  for (const task of ungrouped) lines.push(`  ${node(task, nodeId.get(task.id)!)}`);
  [...groups].forEach(([group, tasks], i) => {
    lines.push(`  subgraph g${i}["${escapeLabel(group)}"]`);
    for (const task of tasks) lines.push(`    ${node(task, nodeId.get(task.id)!)}`);
    lines.push('  end');
  });
  for (const task of compiled.tasks) {
    for (const dep of task.dependencies) lines.push(`  ${nodeId.get(dep)} --> ${nodeId.get(task.id)}`);
  }
  const optional = compiled.tasks.filter((task) => !task.critical).map((task) => nodeId.get(task.id)!);
  if (optional.length > 0) {
    lines.push('  classDef optional stroke-dasharray: 5 5');
    lines.push(`  class ${optional.join(',')} optional`);
  }
  return `${lines.join('\n')}\n`;
}

function node(task: CompiledTask, id: string): string {
  const label = [escapeLabel(task.name), escapeLabel(task.function)];
  if (task.condition === undefined) return `${id}["${label.join('<br/>')}"]`;
  label.push(`if ${escapeLabel(task.condition)}`);
  return `${id}{{"${label.join('<br/>')}"}}`;
}

/**
 * Text inside a quoted Mermaid label, as entity codes: quotes would end the label, `<`/`>`/`&` would
 * be read as HTML, `#` starts an entity, and a leading backtick turns the label into markdown.
 */
export function escapeLabel(text: string): string {
  return text.replace(/[#"<>&`|\\{}[\]]/g, (ch) => `#${ch.charCodeAt(0)};`).replace(/\r?\n/g, '<br/>');
}
