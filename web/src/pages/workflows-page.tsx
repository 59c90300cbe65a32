import { useEffect, useState } from 'react';
import { gateway, type WorkflowDefinition, type WorkflowSummary } from '../api/gateway-client.js';
import { InputsForm } from '../components/inputs-form.js';
import { WorkflowDag } from '../components/workflow-dag.js';
import type { TaskSnapshot } from '../react/index.js';
import { navigate } from '../use-hash-route.js';

const previewTasks = (definition: WorkflowDefinition): TaskSnapshot[] =>
  definition.tasks.map((task) => ({
    id: task.id,
    name: task.name ?? task.id,
    function: task.function,
    status: 'pending',
    dependencies: task.dependencies ?? [],
    parallelGroup: task.parallel_group,
    attempts: 0,
  }));

/** The workflow templates; pick one, fill in its inputs, run it and watch it live. */
export function WorkflowsPage({ workflowId }: { workflowId?: string }) {
  const [workflows, setWorkflows] = useState<WorkflowSummary[] | null>(null);
  const [definition, setDefinition] = useState<WorkflowDefinition | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  useEffect(() => {
    gateway.workflows().then(setWorkflows, (err: Error) => setError(err.message));
  }, []);

  const selectedId = workflowId ?? workflows?.[0]?.id;
  useEffect(() => {
    setDefinition(null);
    if (!selectedId) return;
    gateway.workflow(selectedId).then(setDefinition, (err: Error) => setError(err.message));
  }, [selectedId]);

  async function run(parameters: Record<string, unknown>) {
    if (!selectedId) return;
    setSubmitting(true);
    setError(null);
    try {
      const started = await gateway.execute(selectedId, parameters);
      navigate(`/executions/${encodeURIComponent(started.id)}?from=workflows`);
    } catch (err) {
      const e = err as Error & { code?: string };
      setError(e.code ? `${e.code}: ${e.message}` : e.message);
      setSubmitting(false);
    }
  }

  return (
    <div className="page workflows-page">
      <div className="page-head">
        <div>
          <h1>Workflows</h1>
          <p className="muted">Templates the gateway can run. Independent tasks run in parallel; you can watch them live.</p>
        </div>
      </div>
      {error && <p className="error-box" role="alert">{error}</p>}
      <div className="workflows-layout">
        <nav className="template-list" aria-label="Workflow templates">
          {workflows === null && !error && <p className="muted">Loading templates…</p>}
          {workflows?.map((workflow) => (
            <a
              key={workflow.id}
              href={`#/workflows/${encodeURIComponent(workflow.id)}`}
              className={`template${workflow.id === selectedId ? ' template-selected' : ''}`}
              aria-current={workflow.id === selectedId ? 'page' : undefined}
              data-workflow-id={workflow.id}
            >
              <span className="template-name">{workflow.name}</span>
              <code className="template-id">{workflow.id}</code>
              {workflow.description && <span className="template-description">{workflow.description}</span>}
            </a>
          ))}
        </nav>
        {definition && (
          <section className="card template-detail" aria-label={definition.name}>
            <h2>{definition.name}</h2>
            {definition.description && <p className="lead">{definition.description}</p>}
            <div className="template-body">
              <div className="template-form">
                <h3 className="card-title">Inputs</h3>
                <InputsForm key={definition.id} inputs={definition.inputs ?? {}} submitting={submitting} onSubmit={run} />
              </div>
              <div className="template-graph">
                <h3 className="card-title">{definition.tasks.length} tasks</h3>
                <div className="dag-scroll">
                  <WorkflowDag tasks={previewTasks(definition)} />
                </div>
              </div>
            </div>
          </section>
        )}
      </div>
    </div>
  );
}
