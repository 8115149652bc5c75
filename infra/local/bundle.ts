/**
 * Bundles a handler's TypeScript source into one ES module, as the CDK's NodejsFunction does (same
 * esbuild options), so a local execution environment loads one file in a fraction of the time a
 * TypeScript loader takes. Bundles are cached on disk and rebuilt when any of their inputs changed.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { ESM_REQUIRE_BANNER, EXTERNAL_MODULES } from '../aws/bundling.ts';

interface CacheRecord {
  entry: string;
  inputs: Record<string, [number, number]>;
}

/** Read at run time next to the bundle (infra/aws/function.ts copies the same into each asset). */
const BUNDLED_FILES = ['functions/lib/jif.css'];

const building = new Map<string, Promise<string>>();

/** Where bundles (and V8's compile cache of them) are kept between runs. */
export function bundleCacheDir(root: string): string {
  return join(root, 'node_modules', '.cache', 'jif-functions');
}

/** Path of an up-to-date bundle of `entry` (absolute), built at most once per process and change. */
export function bundleHandler(root: string, name: string, entry: string): Promise<string> {
  let pending = building.get(name);
  if (!pending) {
    pending = build(root, name, entry);
    building.set(name, pending);
    // A failed build is tried again on the next cold start.
    pending.catch(() => building.delete(name));
  }
  return pending;
}

async function build(root: string, name: string, entry: string): Promise<string> {
  const dir = bundleCacheDir(root);
  mkdirSync(dir, { recursive: true });
  // Files the handlers read beside their bundle, copied as the CDK's bundling hook copies them.
  for (const file of BUNDLED_FILES) copyFileSync(join(root, file), join(dir, basename(file)));
  const outfile = join(dir, `${name}.mjs`);
  const recordFile = join(dir, `${name}.json`);
  if (fresh(root, recordFile, entry)) return outfile;

  // Written in a directory of its own and renamed: test files started in parallel may build at once.
  const scratch = join(dir, `.build-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: root,
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
    outfile: join(scratch, `${name}.mjs`),
    metafile: true,
    logLevel: 'silent',
  });
  const inputs: CacheRecord['inputs'] = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const stat = statSync(resolve(root, input));
    inputs[input] = [stat.mtimeMs, stat.size];
  }
  renameSync(join(scratch, `${name}.mjs.map`), `${outfile}.map`);
  renameSync(join(scratch, `${name}.mjs`), outfile);
  writeFileSync(join(scratch, 'record.json'), JSON.stringify({ entry, inputs } satisfies CacheRecord));
  renameSync(join(scratch, 'record.json'), recordFile);
  rmSync(scratch, { recursive: true, force: true });
  return outfile;
}

function fresh(root: string, recordFile: string, entry: string): boolean {
  try {
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as CacheRecord;
    if (record.entry !== entry) return false;
    return Object.entries(record.inputs).every(([input, [mtimeMs, size]]) => {
      const stat = statSync(resolve(root, input));
      return stat.mtimeMs === mtimeMs && stat.size === size;
    });
  } catch {
    return false;
  }
}
