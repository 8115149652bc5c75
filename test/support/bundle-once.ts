/**
 * Vitest global set-up: bundles every handler once before the test files start, so the local clouds
 * they start in parallel find the bundles current instead of each running esbuild at once.
 */
import { fileURLToPath } from 'node:url';
import { bundleFunctions } from '../../infra/local/bundle.ts';
import { system } from '../../infra/system.ts';

export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  await bundleFunctions(
    root,
    Object.fromEntries(Object.entries(system.functions).map(([name, spec]) => [name, spec.entry])),
  );
}
