import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState, ChatTurnEvent, TaskInfo } from '../protocol/index.js';

export type RunKind = 'chat' | 'workflow';

/** What the run pipeline knows of a run as it launches it. */
export interface RunMeta {
  kind: RunKind;
  /** The `workflow` label: a template id, `chat`, or `inline` for a definition sent with the request. */
  workflow: string;
  /** The run's tasks, so a task event (which carries only its task id) is counted under its tool. */
  tasks?: readonly Pick<TaskInfo, 'id' | 'function'>[];
}

/** Fed with every event of one run, once, in order; `end` when the run ends or stops here (hand-over). */
export interface RunObserver {
  event(event: ChatTurnEvent): void;
  end(): void;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
/** A tool name the model made up is not a label value: one per typo would explode the series. */
const UNKNOWN_TOOL = '(unknown)';

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;
type GaugeChild = ReturnType<Gauge<string>['labels']>;

/** One tool's series, made once: the per-event path does map lookups and `inc`/`observe`, nothing else. */
interface ToolSeries {
  tasks: Record<'completed' | 'failed' | 'skipped' | 'cancelled', CounterChild>;
  durations: Record<'completed' | 'failed' | 'cancelled', HistogramChild>;
  retries: CounterChild;
  breaker: GaugeChild;
}

interface RunSeries {
  active: GaugeChild;
  duration: HistogramChild;
  speedup: HistogramChild;
  statuses: Map<string, CounterChild>;
}

/** The run, task, tool and breaker metrics, and the observer that feeds them from a run's events. */
export function createRunMetrics(registry: Registry) {
  const registers = [registry];
  const runsActive = new Gauge({ name: 'sapflow_runs_active', help: 'Runs in progress in this process', labelNames: ['kind'], registers });
  const runsTotal = new Counter({ name: 'sapflow_runs_total', help: 'Runs finished, by final status', labelNames: ['kind', 'workflow', 'status'], registers });
  const runDuration = new Histogram({
    name: 'sapflow_run_duration_seconds', help: 'Wall time of a run from its start to its final event', labelNames: ['kind', 'workflow'], registers,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300],
  });
  const runSpeedup = new Histogram({
    name: 'sapflow_run_parallel_speedup', help: 'Sum of a run\'s task durations / its wall time (1 means sequential); runs without tasks are not observed',
    labelNames: ['kind', 'workflow'], registers, buckets: [0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16],
  });
  const tasksTotal = new Counter({ name: 'sapflow_tasks_total', help: 'Tasks and chat tool calls settled, by outcome', labelNames: ['tool', 'outcome'], registers });
  const toolDuration = new Histogram({
    name: 'sapflow_tool_call_duration_seconds', help: 'Duration of a tool call from its first attempt to its outcome, retries included',
    labelNames: ['tool', 'outcome'], registers, buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  const toolRetries = new Counter({ name: 'sapflow_tool_retries_total', help: 'Tool call attempts that failed and were retried', labelNames: ['tool'], registers });
  const breakerState = new Gauge({ name: 'sapflow_circuit_breaker_state', help: 'A tool\'s circuit breaker as last seen: 0 closed, 1 half-open, 2 open', labelNames: ['tool'], registers });

  // both kinds show from the first scrape, at 0, so a dashboard or an alert does not see "no data"
  runsActive.labels('chat').set(0);
  runsActive.labels('workflow').set(0);

  const tools = new Map<string, ToolSeries>();
  const toolSeries = (tool: string): ToolSeries => {
    let series = tools.get(tool);
    if (!series) {
      series = {
        tasks: { completed: tasksTotal.labels(tool, 'completed'), failed: tasksTotal.labels(tool, 'failed'), skipped: tasksTotal.labels(tool, 'skipped'), cancelled: tasksTotal.labels(tool, 'cancelled') },
        durations: { completed: toolDuration.labels(tool, 'completed'), failed: toolDuration.labels(tool, 'failed'), cancelled: toolDuration.labels(tool, 'cancelled') },
        retries: toolRetries.labels(tool),
        breaker: breakerState.labels(tool),
      };
      tools.set(tool, series);
    }
    return series;
  };

  const runs = new Map<string, RunSeries>();
  const runSeries = (kind: RunKind, workflow: string): RunSeries => {
    const key = `${kind}\u0000${workflow}`;
    let series = runs.get(key);
    if (!series) {
      series = { active: runsActive.labels(kind), duration: runDuration.labels(kind, workflow), speedup: runSpeedup.labels(kind, workflow), statuses: new Map() };
      runs.set(key, series);
    }
    return series;
  };

  // task id -> tool, once per task list (a template's list is the same array for every run of it)
  const toolsByTaskList = new WeakMap<object, ReadonlyMap<string, string>>();
  const toolsOf = (tasks: RunMeta['tasks']): ReadonlyMap<string, string> => {
    if (!tasks) return new Map();
    let map = toolsByTaskList.get(tasks);
    if (!map) {
      map = new Map(tasks.map((t) => [t.id, t.function]));
      toolsByTaskList.set(tasks, map);
    }
    return map;
  };

  /** Starts counting one run: it is active until `end`; its final event counts it and its duration. */
  const observeRun = (meta: RunMeta): RunObserver => {
    const series = runSeries(meta.kind, meta.workflow);
    // a chat turn learns its tools from the model as it goes, so it gets a map of its own
    const chatTools = meta.kind === 'chat' ? new Map<string, string>() : undefined;
    const taskTools = chatTools ?? toolsOf(meta.tasks);
    const toolOf = (taskId: string) => toolSeries(taskTools.get(taskId) ?? UNKNOWN_TOOL);
    let taskMs = 0;
    let ended = false;
    series.active.inc();
    return {
      event(event) {
        switch (event.type) {
          case 'tool-input-available':
            chatTools?.set(event.toolCallId, event.toolName);
            return;
          case 'task-retry':
            toolOf(event.taskId).retries.inc();
            return;
          case 'task-complete': {
            // a result reused from an earlier run was not a call of this one
            if (event.reused) return;
            const tool = toolOf(event.taskId);
            tool.tasks.completed.inc();
            tool.durations.completed.observe(event.durationMs / 1000);
            taskMs += event.durationMs;
            return;
          }
          case 'task-failed': {
            const outcome = event.error.code === 'cancelled' ? 'cancelled' : 'failed';
            const tool = event.error.code === 'unknown_tool' ? toolSeries(UNKNOWN_TOOL) : toolOf(event.taskId);
            tool.tasks[outcome].inc();
            tool.durations[outcome].observe(event.durationMs / 1000);
            taskMs += event.durationMs;
            return;
          }
          case 'task-skipped':
            toolOf(event.taskId).tasks.skipped.inc();
            return;
          case 'circuit-breaker':
            toolSeries(event.tool).breaker.set(BREAKER_VALUE[event.state]);
            return;
          case 'workflow-finish': {
            let status = series.statuses.get(event.status);
            if (!status) {
              status = runsTotal.labels(meta.kind, meta.workflow, event.status);
              series.statuses.set(event.status, status);
            }
            status.inc();
            series.duration.observe(event.durationMs / 1000);
            if (taskMs > 0 && event.durationMs > 0) series.speedup.observe(taskMs / event.durationMs);
            return;
          }
        }
      },
      end() {
        if (ended) return;
        ended = true;
        series.active.dec();
      },
    };
  };

  return { observeRun };
}
