import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { SapflowError } from '../../../src/errors/index.js';
import { defineTool, type Tool } from '../../../src/tools/tool.js';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });

/**
 * Tools for the journeys the legal templates cannot stage on demand: a lookup slow enough to watch, and a filing
 * tool that fails on its first call only (so Retry of the failed run then completes).
 */
export function e2eTools(): Tool[] {
  let filingCalls = 0;
  return [
    defineTool({
      name: 'e2e_slow_lookup',
      description: 'Looks something up in the sample matter file, slowly (e2e test tool).',
      parameters: z.object({ what: z.string(), matter: z.string() }),
      async execute(args, ctx) {
        await sleep(900, ctx.signal);
        return { what: args.what, matter: args.matter, found: true, source: 'e2e sample file' };
      },
    }),
    defineTool({
      name: 'e2e_flaky_filing',
      description: 'Files a note on the matter; the first call fails (e2e test tool).',
      parameters: z.object({ matter: z.string() }),
      retry_count: 0,
      async execute(args, ctx) {
        filingCalls += 1;
        await sleep(300, ctx.signal);
        if (filingCalls === 1) throw new SapflowError('tool_error', 'The court filing service refused the note (e2e: first call fails)');
        return { filed: true, matter: args.matter, reference: `NOTE-${filingCalls}` };
      },
    }),
  ];
}

const lookups = (matter: string) => `
  - id: lookup_client
    name: Look up client
    function: e2e_slow_lookup
    parameters: { what: client, matter: '${matter}' }
  - id: lookup_matter
    name: Look up matter
    function: e2e_slow_lookup
    parameters: { what: matter, matter: '${matter}' }`;

/** A WORKFLOWS_DIR with the e2e templates: two slow lookups in parallel, then a step that fails once. */
export function e2eWorkflowsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sapflow-e2e-workflows-'));
  writeFileSync(
    join(dir, 'e2e_flaky_filing.yaml'),
    `id: e2e_flaky_filing
name: File a matter note (e2e)
description: Looks up the client and the matter in parallel, then files a note; the filing fails on its first try.
inputs:
  matter: { type: string, required: true, default: Smith v. Northwind, description: The matter to file the note on }
tasks:${lookups('${matter}')}
  - id: file_note
    name: File the note
    function: e2e_flaky_filing
    dependencies: [lookup_client, lookup_matter]
    parameters: { matter: '\${matter}' }
`,
  );
  writeFileSync(
    join(dir, 'e2e_slow_lookups.yaml'),
    `id: e2e_slow_lookups
name: Slow lookups (e2e)
description: Two slow lookups in parallel and a third after them, for watching a stream survive a dropped connection.
inputs:
  matter: { type: string, required: true, default: Smith v. Northwind, description: The matter to look up }
tasks:${lookups('${matter}')}
  - id: lookup_documents
    name: Look up documents
    function: e2e_slow_lookup
    dependencies: [lookup_client, lookup_matter]
    parameters: { what: documents, matter: '\${matter}' }
`,
  );
  return dir;
}
