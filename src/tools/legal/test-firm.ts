import { openDatabase, type Database } from '../../store/index.js';
import type { Tool, ToolContext } from '../tool.js';
import { createLegalTools } from './create-legal-tools.js';
import type { LegalToolsOptions } from './legal-deps.js';
import { seedSampleFirm } from './sample-firm.js';

/** A Wednesday afternoon: the sample inbox, timesheets and deadlines are laid out around it. */
export const TEST_NOW = new Date('2025-03-12T15:00:00Z');

export interface TestFirm {
  db: Database;
  tools: Tool[];
  /** Runs a tool as the runner would; each call is its own task (and key) unless `ctx.taskId` says otherwise. */
  call<T = any>(name: string, args: unknown, ctx?: Partial<ToolContext>): Promise<T>;
  /** Every `ctx.progress` report, by tool call. */
  progress: { tool: string; data: unknown }[];
  close(): Promise<void>;
}

/**
 * An in-memory store (or the Postgres at `databaseUrl`), migrated and seeded with the sample firm, and the legal
 * tools over it (test support).
 */
export async function openTestFirm({ databaseUrl, ...options }: Partial<LegalToolsOptions> & { databaseUrl?: string } = {}): Promise<TestFirm> {
  const db = await openDatabase({ databaseUrl, dataDir: ':memory:' });
  await seedSampleFirm(db, { now: TEST_NOW });
  const tools = createLegalTools({ now: TEST_NOW, ...options, db });
  const progress: TestFirm['progress'] = [];
  let calls = 0;
  return {
    db,
    tools,
    progress,
    async call(name, args, ctx = {}) {
      const tool = tools.find((t) => t.name === name);
      if (!tool) throw new Error(`no tool ${name}`);
      const ids = { executionId: 'exec-test', taskId: `task-${++calls}`, ...ctx };
      return (await tool.execute(args, {
        signal: new AbortController().signal,
        progress: (data) => progress.push({ tool: name, data }),
        user: 'tester',
        // as the pipeline builds it (src/streams/invoke-tool.ts)
        idempotencyKey: `${ids.executionId}:${ids.taskId}`,
        ...ids,
      })) as any;
    },
    close: () => db.close(),
  };
}
