/**
 * Bundles the handlers' TypeScript sources into one ES module each, as the CDK's NodejsFunction does
 * (same esbuild options), so a local execution environment loads one file in a fraction of the time
 * a TypeScript loader takes. All functions are bundled at once, at start-up (one esbuild run: the
 * shared sources are parsed once), and cached on disk by the content of every input: a warm start
 * only checks the inputs, a changed source rebuilds them all.
 *
 * One difference from the CDK's bundles: code two or more functions share (the SDK clients, the
 * platform modules) goes into chunk files that their entries import, instead of into a copy per
 * function. Each execution environment is a worker thread with its own module instances, so a chunk
 * is loaded and initialised once per environment as the copy would be; esbuild writes the shared
 * code once instead of 30 times (on a fresh clone's first start: 0.5 s instead of 2.4-3.9 s, most
 * of `npm start`'s time). The bundles the bench measures are the CDK's own (infra/aws/bundling.ts).
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { BUNDLED_FILES, ESM_REQUIRE_BANNER, EXTERNAL_MODULES } from '../aws/bundling.ts';
import { cacheDir } from './cache.ts';

/**
 * esbuild's options as NodejsFunction sets them (infra/aws/function.ts), plus `splitting` (see
 * above); part of the cache key.
 */
const OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: 'linked',
  sourcesContent: false,
  banner: { js: ESM_REQUIRE_BANNER },
  external: EXTERNAL_MODULES,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  // Beside the entries: code that reads a bundled file beside its module finds it there too.
  chunkNames: 'shared-[hash]',
  logLevel: 'silent',
} as const satisfies esbuild.BuildOptions;

/** A build's inputs as last seen: a cheap stat check first, the content hash when the stat moved. */
interface CacheRecord {
  dir: string;
  inputs: Record<string, { mtimeMs: number; size: number; sha256: string }>;
}

export interface Bundles {
  /** The bundle of each function (absolute path of an `.mjs` file). */
  files: Record<string, string>;
  /** Whether this call ran esbuild (false: every input was unchanged). */
  built: boolean;
  ms: number;
}

/** Where bundles (and V8's compile cache of them) are kept between runs. */
export function bundleCacheDir(root: string): string {
  return cacheDir('jif-functions', root);
}

/** Build directories not current for this long are removed (a running cloud may still load from one). */
const STALE_BUILD_MS = 6 * 3600_000;

const pending = new Map<string, Promise<Bundles>>();

/**
 * Up-to-date bundles of `entries` (function name to entry path relative to `root`), built at most
 * once per process and change. Several processes (test files in parallel) may build at once: each
 * writes a directory of its own and the record is replaced atomically.
 */
export function bundleFunctions(root: string, entries: Readonly<Record<string, string>>): Promise<Bundles> {
  const names = Object.keys(entries).sort();
  const key = sha256(JSON.stringify({ OPTIONS, BUNDLED_FILES, entries: names.map((n) => [n, entries[n]]) }));
  let result = pending.get(key);
  if (!result) {
    result = bundle(root, entries, key.slice(0, 16));
    pending.set(key, result);
    // A failed build is tried again on the next call.
    result.catch(() => pending.delete(key));
  }
  return result;
}

async function bundle(
  root: string,
  entries: Readonly<Record<string, string>>,
  key: string,
): Promise<Bundles> {
  const started = performance.now();
  const cache = bundleCacheDir(root);
  mkdirSync(cache, { recursive: true });
  const recordFile = join(cache, `record-${key}.json`);
  const filesIn = (dir: string) =>
    Object.fromEntries(Object.keys(entries).map((name) => [name, join(cache, dir, `${name}.mjs`)]));

  const record = readRecord(recordFile);
  if (record && existsSync(join(cache, record.dir)) && unchanged(root, record)) {
    return { files: filesIn(record.dir), built: false, ms: performance.now() - started };
  }

  const dir = `build-${key}-${Date.now().toString(36)}-${process.pid}`;
  const result = await esbuild.build({
    ...OPTIONS,
    absWorkingDir: root,
    entryPoints: Object.fromEntries(
      Object.entries(entries).map(([name, entry]) => [name, resolve(root, entry)]),
    ),
    outdir: join(cache, dir),
    metafile: true,
  });
  // Files the handlers read beside their bundle, copied as the CDK's bundling hook copies them.
  for (const file of BUNDLED_FILES) copyFileSync(join(root, file), join(cache, dir, basename(file)));
  const inputs: CacheRecord['inputs'] = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = resolve(root, input);
    const stat = statSync(path);
    inputs[input] = { mtimeMs: stat.mtimeMs, size: stat.size, sha256: sha256(readFileSync(path)) };
  }
  for (const file of BUNDLED_FILES) {
    const stat = statSync(join(root, file));
    inputs[file] = { mtimeMs: stat.mtimeMs, size: stat.size, sha256: sha256(readFileSync(join(root, file))) };
  }
  const scratch = `${recordFile}.${process.pid}.tmp`;
  writeFileSync(scratch, JSON.stringify({ dir, inputs } satisfies CacheRecord));
  renameSync(scratch, recordFile);
  removeStaleBuilds(cache, key, dir);
  return { files: filesIn(dir), built: true, ms: performance.now() - started };
}

function readRecord(file: string): CacheRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CacheRecord;
  } catch {
    return undefined;
  }
}

/** Every input has the content it had when bundled (a checkout or `touch` that changes only times is no change). */
function unchanged(root: string, record: CacheRecord): boolean {
  return Object.entries(record.inputs).every(([input, seen]) => {
    const path = resolve(root, input);
    try {
      const stat = statSync(path);
      if (stat.mtimeMs === seen.mtimeMs && stat.size === seen.size) return true;
      return stat.size === seen.size && sha256(readFileSync(path)) === seen.sha256;
    } catch {
      return false;
    }
  });
}

function removeStaleBuilds(cache: string, key: string, current: string): void {
  for (const entry of readdirSync(cache)) {
    if (!entry.startsWith(`build-${key}-`) || entry === current) continue;
    try {
      if (Date.now() - statSync(join(cache, entry)).mtimeMs > STALE_BUILD_MS)
        rmSync(join(cache, entry), { recursive: true, force: true });
    } catch {
      // another process removed it first
    }
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
