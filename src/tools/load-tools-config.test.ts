import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadToolsConfig, readToolsConfig } from './load-tools-config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sapflow-tools-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const valid = `
tools:
  - name: lookup_client                 # [A-Za-z0-9_-], 1-64 chars
    description: Look up a client by email
    parameters:
      type: object
      properties: { email: { type: string } }
      required: [email]
    url: http://127.0.0.1:8080/tools/lookup_client
    headers: { Authorization: "Bearer \${env.TOOLS_TOKEN}" }
    timeout: 5
    retry_count: 2
    concurrency: 4
    circuit_breaker: { failure_threshold: 5, reset_timeout: 30 }
  - name: ping
    description: Minimal
    parameters: { type: object }
    url: https://tools.example.com/ping
`;

/** One valid entry, spliced with whatever a case needs. */
const entry = (lines: Record<string, string>): string => {
  const fields = {
    name: 'lookup_client',
    description: 'Look up',
    parameters: '{ type: object, properties: { email: { type: string } } }',
    url: 'http://127.0.0.1:8080/x',
    ...lines,
  };
  return Object.entries(fields)
    .filter(([, value]) => value !== '')
    .map(([key, value], i) => `${i === 0 ? '  - ' : '    '}${key}: ${value}`)
    .join('\n');
};

async function failure(content: string, env: Record<string, string> = {}): Promise<{ code: string; message: string }> {
  const path = await file(`case-${Math.random().toString(36).slice(2)}.yaml`, content);
  const error = await loadToolsConfig(path, { env }).then(
    () => {
      throw new Error('expected the config to be rejected');
    },
    (e: { code: string; message: string }) => e,
  );
  expect(error.code).toBe('invalid_tools_config');
  expect(error.message).not.toContain('\n');
  expect(error.message.startsWith(`${path}: `)).toBe(true);
  return { code: error.code, message: error.message.slice(path.length + 2) };
}

describe('loadToolsConfig', () => {
  it('loads the documented YAML format into HTTP tools', async () => {
    const tools = await loadToolsConfig(await file('tools.yaml', valid), { env: { TOOLS_TOKEN: 's3cret' } });
    expect(tools.map((t) => t.name)).toEqual(['lookup_client', 'ping']);
    expect(tools[0]).toMatchObject({
      description: 'Look up a client by email',
      jsonSchema: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] },
      timeout: 5,
      retry_count: 2,
      concurrency: 4,
      circuit_breaker: { failure_threshold: 5, reset_timeout: 30 },
    });
    expect(tools[0]!.parameters.safeParse({ email: 'a@b.com' }).success).toBe(true);
    expect(tools[0]!.parameters.safeParse({}).success).toBe(false);
    expect(tools[1]).toMatchObject({ timeout: undefined, retry_count: undefined });
  });

  it('loads JSON too', async () => {
    const json = JSON.stringify({
      tools: [{ name: 'a', description: 'A', parameters: { type: 'object' }, url: 'http://localhost:1/a' }],
    });
    const tools = await loadToolsConfig(await file('tools.json', json), { env: {} });
    expect(tools.map((t) => t.name)).toEqual(['a']);
  });

  it('accepts an empty tools list', async () => {
    await expect(loadToolsConfig(await file('empty-list.yaml', 'tools: []\n'), { env: {} })).resolves.toEqual([]);
  });

  it('reads ${env.X} from process.env by default', async () => {
    process.env.SAPFLOW_TEST_TOOLS_TOKEN = 'from-process';
    try {
      const path = await file('default-env.yaml', `tools:\n${entry({ headers: '{ X-Token: "${env.SAPFLOW_TEST_TOOLS_TOKEN}" }' })}\n`);
      await expect(loadToolsConfig(path)).resolves.toHaveLength(1);
    } finally {
      delete process.env.SAPFLOW_TEST_TOOLS_TOKEN;
    }
  });

  it('names a missing file', async () => {
    const path = join(dir, 'missing.yaml');
    await expect(loadToolsConfig(path, { env: {} })).rejects.toMatchObject({
      code: 'invalid_tools_config',
      message: `${path}: file not found`,
    });
  });

  it.each([
    ['unparsable YAML', 'tools:\n  - name: a\n    url: [x\n', /^not valid YAML or JSON: .*line \d+, column \d+$/],
    ['an empty file', '', /^expected an object with a "tools" or "mcp_servers" list, got nothing$/],
    ['a list at the top', '- a\n- b\n', /^expected an object with a "tools" or "mcp_servers" list, got a list$/],
    ['a scalar at the top', 'hello\n', /^expected an object with a "tools" or "mcp_servers" list, got a string$/],
    ['an unknown top-level key', 'tools: []\nversion: 2\n', /^unknown key "version" \(only "tools" and "mcp_servers" are allowed\)$/],
    ['tools not a list', 'tools: { a: 1 }\n', /^tools: expected a list, got an object$/],
    ['an entry that is not an object', 'tools:\n  - just a string\n', /^tools\[0\]: expected an object, got a string$/],
    ['a bad name', `tools:\n${entry({ name: '"bad name"' })}\n`, /^tools\[0\] \(bad name\): name: must be 1-64 characters/],
    ['a missing name', `tools:\n${entry({ name: '' })}\n`, /^tools\[0\]: name: is required$/],
    ['a 65-character name', `tools:\n${entry({ name: 'x'.repeat(65) })}\n`, /^tools\[0\] \(x{65}\): name: must be 1-64/],
    ['a bad url', `tools:\n${entry({ url: 'not a url' })}\n`, /^tools\[0\] \(lookup_client\): url: Invalid URL$/],
    ['a non-http url', `tools:\n${entry({ url: 'file:///etc/passwd' })}\n`, /^tools\[0\] \(lookup_client\): url: Invalid URL$/],
    ['a negative timeout', `tools:\n${entry({ timeout: '-1' })}\n`, /^tools\[0\] \(lookup_client\): timeout: must be a positive number of seconds$/],
    ['a fractional retry_count', `tools:\n${entry({ retry_count: '1.5' })}\n`, /^tools\[0\] \(lookup_client\): retry_count: must be a whole number >= 0$/],
    ['a zero concurrency', `tools:\n${entry({ concurrency: '0' })}\n`, /^tools\[0\] \(lookup_client\): concurrency: must be a whole number >= 1$/],
    [
      'an unknown breaker key',
      `tools:\n${entry({ circuit_breaker: '{ threshold: 5 }' })}\n`,
      /^tools\[0\] \(lookup_client\): circuit_breaker: Unrecognized key: "threshold"$/,
    ],
    ['an unknown entry key', `tools:\n${entry({ method: 'GET' })}\n`, /^tools\[0\] \(lookup_client\): Unrecognized key: "method"$/],
    ['a numeric header', `tools:\n${entry({ headers: '{ X-Version: 2 }' })}\n`, /^tools\[0\] \(lookup_client\): headers\.X-Version: must be a string/],
    [
      'parameters not an object schema',
      `tools:\n${entry({ parameters: '{ type: string }' })}\n`,
      /^tools\[0\] \(lookup_client\): parameters\.type: must be a JSON Schema with type: object/,
    ],
    ['parameters not a schema at all', `tools:\n${entry({ parameters: '[a, b]' })}\n`, /^tools\[0\] \(lookup_client\): parameters: /],
    [
      'parameters zod cannot convert',
      `tools:\n${entry({ parameters: '{ type: object, properties: { a: { type: strin } } }' })}\n`,
      /^tools\[0\] \(lookup_client\): parameters: cannot be turned into a validator: Unsupported type: strin$/,
    ],
    [
      'a header value that cannot be sent',
      `tools:\n${entry({ headers: '{ X-Token: "a\\nb" }' })}\n`,
      /^tools\[0\] \(lookup_client\): headers\.X-Token: not a valid HTTP header name or value$/,
    ],
    [
      'a duplicate name',
      `tools:\n${entry({})}\n${entry({ name: 'other' })}\n${entry({})}\n`,
      /^tools\[2\] \(lookup_client\): name: duplicate of tools\[0\]$/,
    ],
    [
      'an unsupported placeholder',
      `tools:\n${entry({ url: '"http://${host}/x"' })}\n`,
      /^tools\[0\] \(lookup_client\): url: unsupported placeholder \$\{host\} \(only \$\{env\.NAME\} is allowed\)$/,
    ],
  ])('rejects %s', async (_case, content, expected) => {
    expect((await failure(content)).message).toMatch(expected);
  });

  it('names an unset environment variable', async () => {
    const content = `tools:\n${entry({ name: 'ok' })}\n${entry({ headers: '{ Authorization: "Bearer ${env.TOOLS_TOKEN}" }' })}\n`;
    expect((await failure(content)).message).toBe(
      'tools[1] (lookup_client): headers.Authorization: environment variable TOOLS_TOKEN is not set',
    );
  });

  it('substitutes ${env.X} in the url before checking it', async () => {
    const content = `tools:\n${entry({ url: '"${env.TOOLS_BASE}/lookup"' })}\n`;
    const path = await file('env-url.yaml', content);
    await expect(loadToolsConfig(path, { env: { TOOLS_BASE: 'http://127.0.0.1:9' } })).resolves.toHaveLength(1);
    expect((await failure(content, { TOOLS_BASE: 'nope' })).message).toBe('tools[0] (lookup_client): url: Invalid URL');
  });
});

/** One valid mcp_servers entry, spliced with whatever a case needs ('' drops a field). */
const server = (lines: Record<string, string>): string => {
  const fields = { name: 'docs', command: 'node', args: '[./mcp/docs-server.js]', ...lines };
  return Object.entries(fields)
    .filter(([, value]) => value !== '')
    .map(([key, value], i) => `${i === 0 ? '  - ' : '    '}${key}: ${value}`)
    .join('\n');
};

describe('readToolsConfig: mcp_servers', () => {
  it('reads the documented stdio and Streamable HTTP entries beside tools', async () => {
    const content = `
tools:
${entry({ name: 'lookup_client' })}
mcp_servers:
  - name: docs
    command: node
    args: [./mcp/docs-server.js]
    env: { DOCS_ROOT: ./documents, DOCS_TOKEN: "\${env.DOCS_TOKEN}" }
    needs_approval: false
    tools: { delete_document: { needs_approval: true } }
  - name: crm
    url: http://127.0.0.1:8931/mcp
    headers: { Authorization: "Bearer \${env.CRM_TOKEN}" }
    timeout: 20
    retry_count: 1
    concurrency: 4
    circuit_breaker: { failure_threshold: 3, reset_timeout: 10 }
`;
    const config = await readToolsConfig(await file('mcp.yaml', content), { env: { CRM_TOKEN: 'c', DOCS_TOKEN: 'd' } });
    expect(config.tools.map((t) => t.name)).toEqual(['lookup_client']);
    expect(config.mcpServers).toEqual([
      {
        name: 'docs', command: 'node', args: ['./mcp/docs-server.js'], env: { DOCS_ROOT: './documents', DOCS_TOKEN: 'd' },
        needs_approval: false, tools: { delete_document: { needs_approval: true } },
      },
      {
        name: 'crm', url: 'http://127.0.0.1:8931/mcp', headers: { Authorization: 'Bearer c' }, timeout: 20, retry_count: 1, concurrency: 4,
        circuit_breaker: { failure_threshold: 3, reset_timeout: 10 },
      },
    ]);
  });

  it('takes a file with mcp_servers alone; loadToolsConfig then has no HTTP tools', async () => {
    const path = await file('mcp-only.yaml', `mcp_servers:\n${server({})}\n`);
    await expect(loadToolsConfig(path, { env: {} })).resolves.toEqual([]);
    expect((await readToolsConfig(path, { env: {} })).mcpServers.map((s) => s.name)).toEqual(['docs']);
  });

  it.each([
    ['neither list', 'version: 1\n', /^unknown key "version"/],
    ['an empty object', '{}\n', /^expected a "tools" or "mcp_servers" list, got neither$/],
    ['mcp_servers not a list', 'mcp_servers: { docs: 1 }\n', /^mcp_servers: expected a list, got an object$/],
    ['an entry that is not an object', 'mcp_servers:\n  - docs\n', /^mcp_servers\[0\]: expected an object, got a string$/],
    ['a missing name', `mcp_servers:\n${server({ name: '' })}\n`, /^mcp_servers\[0\]: name: is required$/],
    ['a name with __', `mcp_servers:\n${server({ name: 'my__docs' })}\n`, /^mcp_servers\[0\] \(my__docs\): name: must be characters of .*no "__"/],
    ['a name with a space', `mcp_servers:\n${server({ name: '"my docs"' })}\n`, /^mcp_servers\[0\] \(my docs\): name: must be characters/],
    ['a name ending in _', `mcp_servers:\n${server({ name: 'docs_' })}\n`, /^mcp_servers\[0\] \(docs_\): name: must be characters/],
    ['a 33-character name', `mcp_servers:\n${server({ name: 'x'.repeat(33) })}\n`, /^mcp_servers\[0\] \(x{33}\): name: must be at most 32 characters$/],
    ['neither command nor url', `mcp_servers:\n${server({ command: '', args: '' })}\n`, /^mcp_servers\[0\] \(docs\): needs either command \(a stdio server\) or url/],
    ['both command and url', `mcp_servers:\n${server({ url: 'http://127.0.0.1:1/mcp' })}\n`, /^mcp_servers\[0\] \(docs\): has both command and url/],
    ['an empty command', `mcp_servers:\n${server({ command: '""' })}\n`, /^mcp_servers\[0\] \(docs\): command: must not be empty$/],
    ['args not a list', `mcp_servers:\n${server({ args: './x.js' })}\n`, /^mcp_servers\[0\] \(docs\): args: /],
    ['a numeric env value', `mcp_servers:\n${server({ env: '{ PORT: 8080 }' })}\n`, /^mcp_servers\[0\] \(docs\): env\.PORT: must be a string/],
    ['env on a url server', `mcp_servers:\n${server({ command: '', args: '', url: 'http://127.0.0.1:1/mcp', env: '{ A: b }' })}\n`, /^mcp_servers\[0\] \(docs\): env: is for stdio servers/],
    ['headers on a stdio server', `mcp_servers:\n${server({ headers: '{ A: b }' })}\n`, /^mcp_servers\[0\] \(docs\): headers: is for Streamable HTTP servers/],
    ['a bad url', `mcp_servers:\n${server({ command: '', args: '', url: 'ftp://x/mcp' })}\n`, /^mcp_servers\[0\] \(docs\): url: Invalid URL$/],
    ['a header that cannot be sent', `mcp_servers:\n${server({ command: '', args: '', url: 'http://127.0.0.1:1/mcp', headers: '{ X-Token: "a\\nb" }' })}\n`, /^mcp_servers\[0\] \(docs\): headers\.X-Token: not a valid HTTP header name or value$/],
    ['a zero timeout', `mcp_servers:\n${server({ timeout: '0' })}\n`, /^mcp_servers\[0\] \(docs\): timeout: must be a positive number of seconds$/],
    ['a negative retry_count', `mcp_servers:\n${server({ retry_count: '-1' })}\n`, /^mcp_servers\[0\] \(docs\): retry_count: must be a whole number >= 0$/],
    ['a fractional concurrency', `mcp_servers:\n${server({ concurrency: '1.5' })}\n`, /^mcp_servers\[0\] \(docs\): concurrency: must be a whole number >= 1$/],
    ['an unknown breaker key', `mcp_servers:\n${server({ circuit_breaker: '{ threshold: 1 }' })}\n`, /^mcp_servers\[0\] \(docs\): circuit_breaker: Unrecognized key: "threshold"$/],
    ['needs_approval not a boolean', `mcp_servers:\n${server({ needs_approval: 'yes please' })}\n`, /^mcp_servers\[0\] \(docs\): needs_approval: must be true or false$/],
    ['a per-tool setting that is not an object', `mcp_servers:\n${server({ tools: '{ send: true }' })}\n`, /^mcp_servers\[0\] \(docs\): tools\.send: /],
    ['an unknown per-tool key', `mcp_servers:\n${server({ tools: '{ send: { timeout: 3 } }' })}\n`, /^mcp_servers\[0\] \(docs\): tools\.send: Unrecognized key: "timeout"$/],
    ['a per-tool needs_approval that is not a boolean', `mcp_servers:\n${server({ tools: '{ send: { needs_approval: 1 } }' })}\n`, /^mcp_servers\[0\] \(docs\): tools\.send\.needs_approval: must be true or false$/],
    ['an unknown entry key', `mcp_servers:\n${server({ transport: 'stdio' })}\n`, /^mcp_servers\[0\] \(docs\): Unrecognized key: "transport"$/],
    ['a duplicate name', `mcp_servers:\n${server({})}\n${server({ name: 'crm' })}\n${server({})}\n`, /^mcp_servers\[2\] \(docs\): name: duplicate of mcp_servers\[0\]$/],
    ['an unset variable in env', `mcp_servers:\n${server({ env: '{ TOKEN: "${env.NOPE}" }' })}\n`, /^mcp_servers\[0\] \(docs\): env\.TOKEN: environment variable NOPE is not set$/],
    ['an unsupported placeholder in a header', `mcp_servers:\n${server({ command: '', args: '', url: 'http://127.0.0.1:1/mcp', headers: '{ A: "${secret}" }' })}\n`, /^mcp_servers\[0\] \(docs\): headers\.A: unsupported placeholder/],
    [
      'an HTTP tool named into a server\'s space',
      `tools:\n${entry({ name: 'docs__search' })}\nmcp_servers:\n${server({})}\n`,
      /^tools\[0\] \(docs__search\): name: docs__\* is where the tools of mcp_servers\[0\] go$/,
    ],
  ])('rejects %s', async (_case, content, expected) => {
    expect((await failure(content)).message).toMatch(expected);
  });
});
