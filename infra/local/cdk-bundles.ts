/**
 * What deploys is what runs: the handler bundles `cdk synth` wrote into its output directory
 * (cdk.out), found through the synthesized template, so the local cloud can run the very artifacts a
 * deploy uploads. Each Lambda function resource names its construct (`aws:cdk:path`
 * `Jif/<Name>Function/Function/Resource`), its asset directory (`aws:asset:path`), its handler
 * (`index.handler`: file and export), its timeout and its memory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { functionConstructId } from '../aws/bundling.ts';

export interface DeployedFunction {
  /** The template's logical id of the function. */
  logicalId: string;
  /** The asset directory in the cloud assembly. */
  assetDir: string;
  /** The module Lambda loads (file URL) and the name of its handler export. */
  module: string;
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
}

export class CdkBundlesError extends Error {
  override name = 'CdkBundlesError';
}

interface TemplateResource {
  Type: string;
  Properties?: { Handler?: string; Timeout?: number; MemorySize?: number };
  Metadata?: Record<string, unknown>;
}

/** The deployed form of each function named, or an error naming what is missing and how to make it. */
export function readCdkBundles(
  cdkOut: string,
  names: readonly string[],
  stackName = 'Jif',
): Record<string, DeployedFunction> {
  const dir = resolve(cdkOut);
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile))
    throw new CdkBundlesError(`${manifestFile} not found: run \`npm run synth\` first`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stack = manifest.artifacts?.[stackName];
  const templateFile =
    stack?.type === 'aws:cloudformation:stack' ? stack.properties?.templateFile : undefined;
  if (!templateFile) throw new CdkBundlesError(`${manifestFile} has no stack ${stackName}`);
  const template = JSON.parse(readFileSync(join(dir, templateFile), 'utf8')) as {
    Resources?: Record<string, TemplateResource>;
  };

  const byConstruct = new Map<string, [string, TemplateResource]>();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const path = String(resource.Metadata?.['aws:cdk:path'] ?? '');
    const construct = new RegExp(`^${stackName}/(\\w+)/Function/Resource$`).exec(path)?.[1];
    if (construct) byConstruct.set(construct, [logicalId, resource]);
  }

  const deployed: Record<string, DeployedFunction> = {};
  const problems: string[] = [];
  for (const name of names) {
    const found = byConstruct.get(functionConstructId(name));
    if (!found) {
      problems.push(`${name}: no function ${stackName}/${functionConstructId(name)} in ${templateFile}`);
      continue;
    }
    const [logicalId, resource] = found;
    const asset = resource.Metadata?.['aws:asset:path'];
    if (typeof asset !== 'string' || resource.Metadata?.['aws:asset:is-bundled'] !== true) {
      problems.push(`${name} (${logicalId}): synthesized without a bundled asset`);
      continue;
    }
    const [file, handler] = splitHandler(resource.Properties?.Handler ?? '');
    const assetDir = join(dir, asset);
    const module = ['.mjs', '.js', '.cjs']
      .map((extension) => join(assetDir, `${file}${extension}`))
      .find((candidate) => existsSync(candidate));
    if (!module || !handler) {
      problems.push(`${name} (${logicalId}): handler ${resource.Properties?.Handler} not found in ${asset}`);
      continue;
    }
    const { Timeout, MemorySize } = resource.Properties ?? {};
    if (typeof Timeout !== 'number' || typeof MemorySize !== 'number') {
      problems.push(`${name} (${logicalId}): no Timeout or MemorySize`);
      continue;
    }
    deployed[name] = {
      logicalId,
      assetDir,
      module: pathToFileURL(module).href,
      handler,
      timeoutSeconds: Timeout,
      memoryMb: MemorySize,
    };
  }
  if (problems.length > 0)
    throw new CdkBundlesError(`${dir} does not hold the functions to run:\n  ${problems.join('\n  ')}`);
  return deployed;
}

/** `index.handler` is the file `index` and its export `handler` (the last dot splits them). */
function splitHandler(handler: string): [string, string | undefined] {
  const dot = handler.lastIndexOf('.');
  return dot > 0 ? [handler.slice(0, dot), handler.slice(dot + 1)] : [handler, undefined];
}

/** The functions' descriptions with the timeout and memory the template deploys them with. */
export function withDeployedLimits<S extends { timeoutSeconds?: number; memoryMb?: number }>(
  specs: Readonly<Record<string, S>>,
  deployed: Readonly<Record<string, DeployedFunction>>,
): Record<string, S> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => {
      const fn = deployed[name];
      return [name, fn ? { ...spec, timeoutSeconds: fn.timeoutSeconds, memoryMb: fn.memoryMb } : spec];
    }),
  );
}
