/**
 * What deploys is what runs: the local cloud finds each function's synthesized bundle through the
 * template (construct path, asset path, handler, timeout, memory) and runs that file in its sandbox.
 * Here on a small cloud assembly shaped as `cdk synth` writes it; `.ci/run` runs the smoke flow on
 * the real one (scripts/smoke.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CdkBundlesError, readCdkBundles, withDeployedLimits } from '../../infra/local/cdk-bundles.ts';
import { LocalFunctions } from '../../infra/local/functions.ts';
import type { FunctionSpec } from '../../infra/system.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const assembly = mkdtempSync(join(tmpdir(), 'jif-cdk-out-'));

const fn = (construct: string, asset: string | undefined, bundled = true) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Handler: 'index.handler', Timeout: 3, MemorySize: 256, Runtime: 'nodejs22.x' },
  Metadata: {
    'aws:cdk:path': `Jif/${construct}/Function/Resource`,
    ...(asset ? { 'aws:asset:path': asset, 'aws:asset:is-bundled': bundled } : {}),
  },
});

function writeAssembly(resources: Record<string, unknown>): void {
  writeFileSync(
    join(assembly, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        Jif: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Jif.template.json' } },
      },
    }),
  );
  writeFileSync(join(assembly, 'Jif.template.json'), JSON.stringify({ Resources: resources }));
}

mkdirSync(join(assembly, 'asset.abc'));
// The deployed artifact: plain ESM, as esbuild writes it; it says where it was loaded from.
writeFileSync(
  join(assembly, 'asset.abc', 'index.mjs'),
  `export const handler = async (event, context) => ({ from: import.meta.url, echo: event,
    memory: context.memoryLimitInMB, remainingMs: context.getRemainingTimeInMillis() });`,
);

const spec: FunctionSpec = {
  entry: 'test/fixtures/functions/probe.ts',
  description: 'a function of the description',
  tables: {},
};

afterAll(() => rmSync(assembly, { recursive: true, force: true }));

describe('the bundles cdk synth produced', () => {
  it('maps each function to its asset by construct path and runs that file with the template limits', async () => {
    writeAssembly({
      SubmitProposalFunction6140B9B2: fn('SubmitProposalFunction', 'asset.abc'),
      // A Lambda the CDK adds on its own (not a function of the description) is ignored.
      CustomResourceProvider1234: fn('Custom::Provider', 'asset.zzz'),
    });
    const deployed = readCdkBundles(assembly, ['submitProposal']);
    expect(deployed.submitProposal).toMatchObject({
      logicalId: 'SubmitProposalFunction6140B9B2',
      handler: 'handler',
      timeoutSeconds: 3,
      memoryMb: 256,
    });
    const functions = new LocalFunctions({
      root: ROOT,
      functions: withDeployedLimits({ submitProposal: spec }, deployed),
      environmentOf: () => ({}),
      codeOf: async (name) => {
        const code = deployed[name];
        if (!code) throw new Error(`no bundle for ${name}`);
        return code;
      },
    });
    try {
      const result = await functions.invoke('submitProposal', { hello: 'asset' });
      expect(result).toMatchObject({
        from: expect.stringMatching(/asset\.abc\/index\.mjs$/),
        echo: { hello: 'asset' },
        memory: '256',
        remainingMs: expect.any(Number),
      });
      // The template's 3 s, not the description's default 10 s.
      const remainingMs =
        result && typeof result === 'object' && 'remainingMs' in result ? result.remainingMs : 0;
      expect(remainingMs).toBeGreaterThan(0);
      expect(remainingMs).toBeLessThanOrEqual(3000);
    } finally {
      await functions.stop();
    }
  });

  it('refuses to run when a function is missing, or was synthesized without bundling', () => {
    writeAssembly({
      SubmitProposalFunction6140B9B2: fn('SubmitProposalFunction', 'asset.abc', false),
    });
    expect(() => readCdkBundles(assembly, ['submitProposal', 'commitFunds'])).toThrow(CdkBundlesError);
    expect(() => readCdkBundles(assembly, ['submitProposal', 'commitFunds'])).toThrow(
      /submitProposal \(SubmitProposalFunction6140B9B2\): synthesized without a bundled asset[\s\S]*commitFunds: no function Jif\/CommitFundsFunction/,
    );
    expect(() => readCdkBundles(join(assembly, 'nowhere'), ['submitProposal'])).toThrow(
      /manifest\.json not found: run `npm run synth` first/,
    );
  });
});
