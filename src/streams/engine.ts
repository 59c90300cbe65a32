import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { CircuitBreakers, type BreakerRegistry } from './circuit-breaker.js';
import { ToolLimiters, type LimiterRegistry } from './concurrency-limiter.js';
import { DurationStats } from './duration-stats.js';
import type { ToolCallTracer } from './tool-call-tracer.js';

/**
 * What every run in a process shares: the clock, breakers, per-tool limiters and duration statistics.
 * Tests make their own on a TestScheduler; the server and the CLI make one at start-up.
 */
export interface Engine {
  scheduler: SchedulerLike;
  backoff: BackoffOptions;
  /** Per process by default; a cluster passes its shared ones (runtime/cluster/create-shared-tool-state.ts). */
  breakers: BreakerRegistry;
  limiters: LimiterRegistry;
  stats: DurationStats;
  /** Global limit of tasks in flight per run (WORKFLOW_MAX_PARALLEL_TASKS). */
  maxParallel: number;
  /** Seconds, for tools and tasks that name no timeout (WORKFLOW_DEFAULT_TIMEOUT). */
  defaultTimeout: number;
  /** Minimum ms between two `workflow-progress` events of a run; 0 sends one on every change. */
  progressIntervalMs: number;
  /** Sees every tool call begin and end (a span per call); none by default. */
  tracer?: ToolCallTracer;
}

export interface EngineOptions extends Partial<Omit<Engine, 'backoff'>> {
  backoff?: Partial<BackoffOptions>;
}

export function createEngine(options: EngineOptions = {}): Engine {
  return {
    scheduler: options.scheduler ?? asyncScheduler,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    breakers: options.breakers ?? new CircuitBreakers(),
    limiters: options.limiters ?? new ToolLimiters(),
    stats: options.stats ?? new DurationStats(),
    maxParallel: options.maxParallel ?? 5,
    defaultTimeout: options.defaultTimeout ?? 30,
    progressIntervalMs: options.progressIntervalMs ?? 50,
    tracer: options.tracer,
  };
}
