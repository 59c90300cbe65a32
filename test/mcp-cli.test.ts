import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSapflow } from './support/cli-process.js';
import { readStdioRecords, stdioTestEntry } from './support/mcp-stdio-entry.js';

/** `sapflow validate` checks `function: docs__echo` against the tools the MCP server lists, then stops the server and exits. */

let dir: string;
let env: Record<string, string>;
let logFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sapflow-mcp-cli-'));
  logFile = join(dir, 'records.jsonl');
  await writeFile(join(dir, 'tools.json'), JSON.stringify({ mcp_servers: [stdioTestEntry(logFile)] }));
  await writeFile(join(dir, 'uses-mcp.yaml'), 'tasks:\n  - { id: a, function: docs__echo, parameters: { text: hi } }\n');
  await writeFile(join(dir, 'typo.yaml'), 'tasks:\n  - { id: a, function: docs__ecko, parameters: { text: hi } }\n');
  env = { TOOLS_CONFIG: join(dir, 'tools.json') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sapflow validate with MCP servers', () => {
  it('accepts a workflow naming a tool the server lists, and exits', async () => {
    const result = await runSapflow(['validate', join(dir, 'uses-mcp.yaml')], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok/);
    expect(await readStdioRecords(logFile)).toEqual([]); // listed, never called
  }, 90_000);

  it('rejects a tool name the server does not list with unknown_function', async () => {
    const result = await runSapflow(['validate', join(dir, 'typo.yaml')], { env });
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/unknown_function/);
    expect(result.stderr).toMatch(/docs__ecko/);
  }, 90_000);
});
