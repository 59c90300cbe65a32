import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import nodemailer from 'nodemailer';
import { assertClusterConfig, type Config } from '../config.js';
import { createOfflineDemoModel, createOpenAIModels, type ChatModel } from '../model/index.js';
import {
  createEventHub, createExecutionStore, createLogWriter, openDatabase,
  type Database, type EventHub, type ExecutionStore, type LogWriter,
} from '../store/index.js';
import { createEngine, type Engine } from '../streams/index.js';
import { createGatewayMetrics, type GatewayMetrics } from '../telemetry/index.js';
import { createLegalTools, seedSampleFirm } from '../tools/legal/index.js';
import type { ToolRegistry } from '../tools/index.js';
import type { McpServerSet } from '../tools/mcp/index.js';
import { loadToolsAndCatalog } from './load-tools-and-catalog.js';
import type { CatalogProblem, WorkflowCatalog } from './workflow-catalog.js';
import { createRecovery, type Recovery } from './recover-runs.js';
import { createAdmission } from './admission.js';
import { createTurnGate, type TurnGateOptions } from './turn-gate.js';
import { assertChatToolsExist, chatToolsOf } from './chat-tools.js';
import { createRunPipeline, type Runs } from './run-pipeline.js';
import { workflowAsTool } from './workflow-tools.js';
import { createCluster, type Cluster, type ProcessRole } from './cluster/create-cluster.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTracing } from '../telemetry/tracing.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { observeToolCalls } from './observe-tool-calls.js';
import { createMonitoring, type Monitoring } from './monitoring/create-monitoring.js';

export interface Runtime {
  config: Config;
  db: Database;
  store: ExecutionStore;
  hub: EventHub;
  writer: LogWriter;
  engine: Engine;
  /** Every tool: built-in legal tools, TOOLS_CONFIG tools, the tools of its MCP servers, and one tool per workflow template. */
  tools: ToolRegistry;
  /** TOOLS_CONFIG's MCP servers: their status for `/api/health`; closed (children stopped) with the runtime. */
  mcp: McpServerSet;
  catalog: WorkflowCatalog;
  /** Starts, resumes and cancels every run of this process, chat or workflow. */
  runs: Runs;
  /** Claims and resumes runs whose process went away; started by the gateway (`startSapflow`), not by the CLI. */
  recovery: Recovery;
  model: ChatModel;
  /** This process's Prometheus metrics; undefined when WORKFLOW_ENABLE_TELEMETRY is false. */
  metrics?: GatewayMetrics;
  /** What start-up wants the operator to know: local auth, sample data, templates that did not load (the model is announced by its kind). */
  notices: string[];
  catalogProblems: CatalogProblem[];
  /** Cluster mode (REDIS_URL, and started as a gateway or worker): queue, live fan-out, remote cancel. */
  cluster?: Cluster;
  /** Lines about runs (executionId, taskId, traceId as fields). */
  logger: Logger;
  /** The Monitoring page's figures: runs from the store, this process's queues and breakers. */
  monitoring: Monitoring;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Replaces the model the config would choose (tests, benchmarks). */
  model?: ChatModel;
  /** Extra tools registered beside the built-in ones (tests). */
  extraTools?: import('../tools/tool.js').Tool[];
  /** Pins the legal tools' clock (tests, demos). */
  now?: () => Date;
  /**
   * What this process is in a cluster: with REDIS_URL, a gateway or worker joins the cluster. Without a role (the
   * CLI) the runtime runs its runs itself whatever the environment says.
   */
  role?: ProcessRole;
  /** Where spans go instead of OTEL_EXPORTER_OTLP_ENDPOINT (tests: the SDK's InMemorySpanExporter). */
  spanExporter?: SpanExporter;
  /** Replaces the log (JSON lines on stdout, readable ones on a terminal). */
  logger?: Logger;
  /** Where the log goes and from which level, when it is not replaced (the CLI: stderr, warnings up). */
  log?: { to?: NodeJS.WritableStream; level?: string };
  /** false: no Prometheus metrics whatever WORKFLOW_ENABLE_TELEMETRY says (the CLI, which serves no GET /metrics). */
  metrics?: boolean;
  /** The turn gate's limits (tests pin them); its lag threshold is TURN_QUEUE_LAG_MS. */
  turnGate?: Pick<TurnGateOptions, 'initial' | 'min' | 'max'>;
  /** Overrides for the MCP server connections (tests: a faster restart backoff). */
  mcpConnection?: import('./load-tools-and-catalog.js').LoadToolsOptions['mcpConnection'];
}

/**
 * Wires the layers together from the configuration: one per process, shared by the HTTP server and the CLI.
 * A bad TOOLS_CONFIG stops start-up (it throws); a bad template file is reported and skipped.
 */
export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const notices: string[] = [];
  if (options.role) assertClusterConfig(config);
  const logger = options.logger ?? createLogger({ level: options.log?.level ?? config.LOG_LEVEL, destination: options.log?.to });
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  let cluster: Cluster | undefined;
  let mcp: McpServerSet | undefined;
  try {
    const embedded = !config.DATABASE_URL;
    if (config.SAPFLOW_SEED_SAMPLE_DATA ?? embedded) {
      const seeded = await seedSampleFirm(db, { now: options.now });
      if (seeded.seeded) notices.push('Seeded the sample firm "Sample & Partners LLP (demo data)" - demo data, not a real firm.');
    }
    const store = createExecutionStore(db);
    const owner = `sapflow-${options.role ?? 'local'}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    if (config.REDIS_URL && options.role) cluster = await createCluster(config, { role: options.role, origin: owner });
    const hub = createEventHub(store, { relay: cluster?.relay });
    const writer = createLogWriter(store, {
      hub,
      onError: (error, { executionId, events, dropped }) =>
        logger.error({ executionId, code: error.code, events: events.length, dropped }, `execution log ${executionId}: ${error.message} (${dropped ? 'events dropped' : 'kept, will retry'})`),
    });
    const tracing = config.WORKFLOW_ENABLE_TELEMETRY
      ? createTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, exporter: options.spanExporter, serviceName: config.OTEL_SERVICE_NAME })
      : undefined;
    // in a cluster a tool's breaker opens, and its concurrency limit holds, for every process at once
    const engine = createEngine({
      maxParallel: config.WORKFLOW_MAX_PARALLEL_TASKS, defaultTimeout: config.WORKFLOW_DEFAULT_TIMEOUT, tracer: observeToolCalls(tracing, logger),
      ...(cluster ? { breakers: cluster.toolState.breakers, limiters: cluster.toolState.limiters } : {}),
    });

    const openai = config.OPENAI_API_KEY
      ? createOpenAIModels({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, model: config.OPENAI_MODEL })
      : undefined;
    const model = options.model ?? openai?.model ?? createOfflineDemoModel();

    const legalTools = createLegalTools({
      db,
      now: options.now,
      extractor: openai?.extractor,
      mailer: config.SMTP_URL ? nodemailer.createTransport(config.SMTP_URL) : undefined,
    });
    const loaded = await loadToolsAndCatalog(config, legalTools, options.extraTools, { log: logger, mcpConnection: options.mcpConnection });
    const { tools, catalog, problems } = loaded;
    mcp = loaded.mcp;
    for (const server of mcp.health()) {
      if (server.status !== 'ready') notices.push(`MCP server ${server.name} not reachable at start (${server.error ?? server.status}); retrying in the background, its tools fail with tool_unavailable meanwhile.`);
    }
    for (const p of problems) notices.push(`Workflow ${p.file} not loaded: [${p.code}] ${p.path ? `${p.path}: ` : ''}${p.message}`);
    const metrics = config.WORKFLOW_ENABLE_TELEMETRY && options.metrics !== false ? createGatewayMetrics() : undefined;
    const limiters = engine.limiters;
    if (metrics && limiters.waiting) metrics.queueDepthSource('tool_calls', () => limiters.waiting!());
    const turnGate = config.TURN_QUEUE_LAG_MS > 0 ? createTurnGate({ lagMs: config.TURN_QUEUE_LAG_MS, max: config.MAX_ACTIVE_TURNS, ...options.turnGate }) : undefined;
    if (metrics && turnGate) metrics.queueDepthSource('chat_turns', () => turnGate.waiting);
    const runs = createRunPipeline({
      engine, tools, chatTools: chatToolsOf(tools, config.CHAT_TOOLS), model, store, writer, hub, owner,
      observe: metrics?.observeRun,
      // an inline definition's id is the client's to choose: one label for all of them, not one series per id
      workflowLabel: (workflow) => (catalog.get(workflow.id) ? workflow.id : 'inline'),
      ...(cluster ? { dispatch: cluster, remoteCancel: (id: string) => cluster!.requestCancel(id), announceListener: (id: string) => cluster!.announceListener(id), announceDecision: (id: string) => cluster!.announceDecision(id) } : {}),
      leaseTtlMs: config.RUN_LEASE_MS, maxResumes: config.RUN_MAX_RESUMES, maxSteps: config.MAX_STEPS, chatGraceMs: config.CHAT_RESUME_GRACE_MS,
      admission: createAdmission(config.MAX_ACTIVE_TURNS), turnGate,
      tracing, logger, modelName: openai && !options.model ? config.OPENAI_MODEL : undefined,
    });
    for (const workflow of catalog.list()) tools.register(workflowAsTool(workflow, runs));
    assertChatToolsExist(config.CHAT_TOOLS, (name) => tools.has(name), loaded.mcp.health().map((server) => server.name));
    // a gateway that leaves workflow runs to workers resumes only the chat turns of processes that went away
    const recovery = createRecovery({
      store, runs, embedded, kinds: cluster && !cluster.runsWorkflows ? ['chat'] : undefined,
      onError: (error) => logger.error({ err: error }, `crash recovery: ${error instanceof Error ? error.message : String(error)}`),
      onRecovered: () => logger.info('crash recovery: the store answers again'),
    });
    await cluster?.start(runs, store);
    if (cluster) notices.push(`Cluster mode (${options.role}): ${cluster.runsWorkflows ? `takes workflow runs off the queue, ${config.WORKER_CONCURRENCY} at a time` : 'queues workflow runs for the workers (RUN_WORKFLOWS=false)'}.`);
    const joined = cluster;

    const monitoring = createMonitoring({ store, breakers: engine.breakers });
    if (limiters.waiting) monitoring.queueSource('tool_calls', () => limiters.waiting!());
    if (turnGate) monitoring.queueSource('chat_turns', () => turnGate.waiting);

    return {
      config, db, store, hub, writer, engine, tools, mcp: loaded.mcp, catalog, runs, recovery, model, metrics, notices, catalogProblems: problems, logger, cluster: joined, monitoring,
      async close() {
        metrics?.stop();
        monitoring.stop();
        // a stopping process hands its runs over (the next one resumes them), it does not cancel them
        recovery.stop();
        await joined?.stopTaking().catch(() => {});
        await runs.handOver();
        turnGate?.close();
        // after the hand-over, so no call of ours is still waiting on a server; stops stdio children
        await loaded.mcp.close();
        await joined?.close().catch(() => {});
        await tracing?.shutdown().catch(() => {});
        await writer.close();
        await db.close();
      },
    };
  } catch (error) {
    await mcp?.close().catch(() => {});
    await cluster?.close().catch(() => {});
    await db.close().catch(() => {});
    throw error;
  }
}
