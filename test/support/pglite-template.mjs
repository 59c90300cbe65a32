// Plain JS (no tsx needed), so a child process can load it with `node --import` before bin/*.js registers tsx.
import { Buffer } from 'node:buffer';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { URL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/** Where the test run's template is found, in the test workers and in the processes the tests spawn. */
export const PGLITE_TEMPLATE_ENV = 'SAPFLOW_TEST_PGLITE_TEMPLATE';

/** `node --import` this in a spawned gateway or CLI to give it the template too (with PGLITE_TEMPLATE_ENV set). */
export const PGLITE_TEMPLATE_PRELOAD = new URL('./pglite-template-preload.mjs', import.meta.url).href;

// bump when the tarball is made differently, so an old one in the temp folder is not reused
const TEMPLATE_FORMAT = 2;
// the package does not export its package.json: find it beside its entry point
const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
const { version } = JSON.parse(readFileSync(join(dirname(pgliteEntry), '..', 'package.json'), 'utf8'));

/**
 * A tarball of a freshly initdb'd PGlite data directory, built once per PGlite version and kept in the temp folder.
 * initdb is the costly part of `PGlite.create()` (it boots a second instance to run it), and its output is the same
 * every time, so a test run makes it once instead of once per store. The cluster is shut down cleanly before it is
 * packed (a dump of a running instance would make every store start with crash recovery).
 */
export async function buildPgliteTemplate() {
  const path = join(tmpdir(), `sapflow-test-pglite-${version}-${TEMPLATE_FORMAT}.tar`);
  if (existsSync(path)) return path;
  const dataDir = mkdtempSync(join(tmpdir(), 'sapflow-test-pglite-'));
  try {
    await (await PGlite.create(dataDir)).close();
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, tarOf(dataDir));
    renameSync(partial, path);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return path;
}

/** The folder as a ustar archive of its files and folders, names relative to it: what `loadDataDir` unpacks. */
function tarOf(root) {
  const blocks = [];
  const walk = (relative) => {
    const names = readdirSync(join(root, relative)).sort();
    // PG_VERSION last: a process killed while it unpacks into a DATA_DIR leaves a folder that PGlite still sees as new
    if (!relative) names.push(...names.splice(names.indexOf('PG_VERSION'), 1));
    for (const name of names) {
      const entry = relative ? `${relative}/${name}` : name;
      const stats = statSync(join(root, entry));
      if (stats.isDirectory()) {
        blocks.push(tarHeader(`${entry}/`, stats, 0, '5'));
        walk(entry);
      } else if (stats.isFile()) {
        const data = readFileSync(join(root, entry));
        blocks.push(tarHeader(entry, stats, data.length, '0'), data, Buffer.alloc((512 - (data.length % 512)) % 512));
      }
    }
  };
  walk('');
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function tarHeader(name, stats, size, type) {
  if (Buffer.byteLength(name) > 99) throw new Error(`the PGlite template cannot hold the long name ${name}`);
  const header = Buffer.alloc(512);
  const octal = (value, offset, length) => header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
  header.write(name, 0, 100, 'utf8');
  octal(stats.mode & 0o7777, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(Math.floor(stats.mtimeMs / 1000), 136, 12);
  header.write(type, 156, 1, 'ascii');
  header.write('ustar\u000000', 257, 8, 'ascii');
  header.fill(' ', 148, 156); // the checksum is summed with its own field as spaces
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

/**
 * Makes `PGlite.create()` start a new database from the template instead of running initdb: in memory, or in a
 * data folder that has no database yet. Everything else (an existing folder, custom initdb settings, an explicit
 * tarball) goes through unchanged. Idempotent.
 */
export function usePgliteTemplate(path = process.env[PGLITE_TEMPLATE_ENV]) {
  if (!path || PGlite.create.usesTemplate) return;
  let tarball; // read on the first new store: most test files never open one
  const create = PGlite.create.bind(PGlite);
  const templated = (dataDirOrOptions, maybeOptions) => {
    const options = typeof dataDirOrOptions === 'string' ? { ...maybeOptions, dataDir: dataDirOrOptions } : { ...(dataDirOrOptions ?? maybeOptions) };
    if (!fresh(options)) return create(options);
    tarball ??= asTarFile(readFileSync(path));
    return create({ ...options, loadDataDir: tarball });
  };
  templated.usesTemplate = true;
  PGlite.create = templated;
}

// what PGlite reads of a Blob (it only unpacks the bytes, never changes them): one copy of 40 MB for every store,
// not the two a Node Blob's arrayBuffer() makes, chunk by chunk
function asTarFile(bytes) {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return { type: 'application/x-tar', size: buffer.byteLength, arrayBuffer: async () => buffer };
}

function fresh(options) {
  if (options.noInitDb || options.loadDataDir || options.fs || options.username || options.database || options.initDbStartParams) return false;
  const dataDir = options.dataDir;
  if (dataDir === undefined || dataDir === '' || dataDir.startsWith('memory://')) return true;
  if (dataDir.includes('://')) return false; // idb://, opfs-ahp://: not Node's file system
  const path = dataDir.startsWith('file://') ? dataDir.slice('file://'.length) : dataDir;
  return !existsSync(join(path, 'PG_VERSION'));
}
