/**
 * Cold start, as Lambda pays it: each handler bundled as `infra/aws/function.ts` bundles it (the
 * options are read from there: ESM, node22, minified, source map, SDK bundled, the same banner),
 * its size, the SDK clients it carries, and its module load time in a fresh Node process
 * (`--enable-source-maps`, as the functions run), against a reference handler that only creates a
 * DynamoDB client, bundled the same way and measured in the same run, interleaved. The load target
 * is on the import's CPU time (wall time is shown too): on a shared machine wall time measures the
 * queue for a core as much as the module.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER, EXTERNAL_MODULES } from '../../infra/aws/bundling.ts';
import { REPO_ROOT } from '../../infra/local/cloud.ts';
import { type FunctionName, functionNames, functionSpec } from '../../infra/system.ts';
import { kib, ms, type Report } from './report.ts';

const SECTION = 'cold start';

const CLIENTS = ['client-dynamodb', 'lib-dynamodb', 'client-sfn', 'client-sesv2', 'client-kms'] as const;

interface Bundle {
  name: string;
  file: string;
  bytes: number;
  clients: string[];
}

export async function measureColdStart(report: Report, rounds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jif-bench-bundles-'));
  try {
    const referenceFile = resolve(REPO_ROOT, 'test/bench/reference-handler.ts');
    // One esbuild call for all (each entry its own bundle, no shared chunks): seconds, not minutes.
    const all = await bundleAll(
      { reference: referenceFile, ...Object.fromEntries(functionNames.map((n) => [n, entryOf(n)])) },
      dir,
    );
    const reference = all.find((b) => b.name === 'reference') as Bundle;
    const bundles = all.filter((b) => b.name !== 'reference');

    // Interleaved: reference, handler, reference, handler... so drift on a shared machine hits both;
    // each handler sample is paired with the reference sample just before it (`pairedWith`).
    const loads = new Map<string, Load[]>();
    const pairedWith = new Map<string, Load[]>();
    const referenceLoads: Load[] = [];
    for (let round = 0; round < rounds; round += 1) {
      for (const b of bundles) {
        const before = loadTime(reference.file);
        referenceLoads.push(before);
        pairedWith.set(b.name, [...(pairedWith.get(b.name) ?? []), before]);
        loads.set(b.name, [...(loads.get(b.name) ?? []), loadTime(b.file)]);
      }
    }
    const measured = rounds > 0;
    const referenceMs = measured ? median(referenceLoads.map((l) => l.wallMs)) : NaN;
    const referenceCpuMs = measured ? median(referenceLoads.map((l) => l.cpuMs)) : NaN;
    report.add({
      section: SECTION,
      measure: 'reference: DynamoDB client only',
      value: `${kib(reference.bytes)}${measured ? `, load ${ms(referenceMs)}, CPU ${ms(referenceCpuMs)}` : ''}`,
      data: {
        bytes: reference.bytes,
        loadMs: referenceMs,
        cpuMs: referenceCpuMs,
        samples: referenceLoads.length,
      },
    });

    let worstRatio = 0;
    let worstDynamoOnly = 0;
    for (const b of bundles) {
      const samples = loads.get(b.name) ?? [];
      const references = pairedWith.get(b.name) ?? [];
      const loadMs = median(samples.map((l) => l.wallMs));
      const cpuMs = median(samples.map((l) => l.cpuMs));
      // The target is on CPU time: what a Lambda init pays for a synchronous module evaluation on its
      // own vCPU, whereas wall time on a shared machine is mostly waiting for a core (both shown). The
      // ratio is the median of each sample over its paired reference sample: a burst of load that
      // slows one pair is one outlier among the rounds, not a shift of every handler's figure.
      const loadRatio = measured
        ? median(samples.map((l, i) => l.cpuMs / (references[i]?.cpuMs ?? Number.NaN)))
        : Number.NaN;
      const sizeRatio = b.bytes / reference.bytes;
      const needed = clientsNeeded(b.name as FunctionName);
      const dynamoOnly = [...needed].every((c) => c === 'client-dynamodb' || c === 'lib-dynamodb');
      const extraClients = b.clients.filter((c) => !needed.has(c));
      worstRatio = Math.max(worstRatio, loadRatio);
      if (dynamoOnly) worstDynamoOnly = Math.max(worstDynamoOnly, sizeRatio);
      report.add({
        section: SECTION,
        measure: b.name,
        value: `${kib(b.bytes)} (${sizeRatio.toFixed(2)}x)${measured ? `, load ${ms(loadMs)} (${(loadMs / referenceMs).toFixed(2)}x), CPU ${ms(cpuMs)} (${loadRatio.toFixed(2)}x)` : ''}; ${b.clients.join('+') || 'no SDK'}`,
        data: {
          bytes: b.bytes,
          sizeRatio,
          loadMs,
          wallRatio: loadMs / referenceMs,
          cpuMs,
          loadRatio,
          clients: b.clients,
          extraClients,
        },
        target: `${measured ? 'load CPU <= 1.3x, ' : ''}${dynamoOnly ? 'size <= 1.2x, ' : ''}only its clients`,
        met:
          (!measured || loadRatio <= 1.3) && (!dynamoOnly || sizeRatio <= 1.2) && extraClients.length === 0,
      });
    }
    report.add({
      section: SECTION,
      measure: 'worst load CPU ratio; worst DynamoDB-only size ratio',
      value: `${measured ? `${worstRatio.toFixed(2)}x` : 'not measured (quick)'}; ${worstDynamoOnly.toFixed(2)}x`,
      data: { worstLoadRatio: measured ? worstRatio : null, worstDynamoOnlySizeRatio: worstDynamoOnly },
      target: '<= 1.3x; <= 1.2x',
      met: (!measured || worstRatio <= 1.3) && worstDynamoOnly <= 1.2,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function entryOf(name: FunctionName): string {
  return resolve(REPO_ROOT, functionSpec(name).entry);
}

/** The SDK clients a function's description says it needs; anything else in its bundle is dead weight. */
function clientsNeeded(name: FunctionName): Set<string> {
  const spec = functionSpec(name);
  const needed = new Set<string>();
  if (Object.keys(spec.tables).length > 0) {
    needed.add('client-dynamodb');
    needed.add('lib-dynamodb');
  }
  if (spec.sendsEmail) needed.add('client-sesv2');
  // The portal reads an approval's execution history to draw its flow: Step Functions, no table.
  if (
    spec.startsWorkflows?.length ||
    spec.completesTasks ||
    spec.readsExecutionsOf?.length ||
    spec.redrivesExecutionsOf?.length ||
    spec.readsWorkflowHistory?.length
  )
    needed.add('client-sfn');
  // The ledger's seal: a KMS HMAC key in AWS (a key file locally, but the bundle carries the client).
  if (spec.ledgerKey) needed.add('client-kms');
  return needed;
}

async function bundleAll(entries: Record<string, string>, outdir: string): Promise<Bundle[]> {
  // The options NodejsFunction passes to esbuild for the bundling in infra/aws/function.ts.
  const result = await build({
    entryPoints: Object.entries(entries).map(([name, path]) => ({ in: path, out: `${name}/index` })),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: ESM_REQUIRE_BANNER },
    external: EXTERNAL_MODULES,
    outdir,
    absWorkingDir: REPO_ROOT,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(entries).map((name) => {
    const file = join(outdir, name, 'index.mjs');
    // What infra/aws/function.ts's afterBundling hook copies next to every bundle.
    copyFileSync(resolve(REPO_ROOT, 'functions/pages/jif.css'), join(outdir, name, 'jif.css'));
    const output = Object.entries(result.metafile.outputs).find(
      ([path]) => resolve(REPO_ROOT, path) === file,
    );
    return { name, file, bytes: statSync(file).size, clients: output ? clientsIn(output[1].inputs) : [] };
  });
}

function clientsIn(outputInputs: Record<string, unknown>): string[] {
  const inputs = Object.keys(outputInputs);
  return CLIENTS.filter((c) => inputs.some((path) => path.includes(`node_modules/@aws-sdk/${c}/`)));
}

interface Load {
  wallMs: number;
  cpuMs: number;
}

/** Module evaluation of one bundle in a fresh process, as a Lambda init would pay it: wall and CPU time. */
function loadTime(file: string): Load {
  const script =
    'const c = process.cpuUsage(); const t = performance.now(); await import(process.argv[1]); const w = performance.now() - t; const u = process.cpuUsage(c); process.stdout.write(JSON.stringify([w, (u.user + u.system) / 1000]));';
  const out = execFileSync(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '-e', script, pathToFileURL(file).href],
    {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'eu-west-3',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        POWERTOOLS_SERVICE_NAME: 'jif',
      },
    },
  );
  const parsed: unknown = JSON.parse(out);
  const [wallMs, cpuMs] = Array.isArray(parsed) ? parsed.map(Number) : [];
  return { wallMs: wallMs ?? NaN, cpuMs: cpuMs ?? NaN };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}
