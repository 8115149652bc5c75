/**
 * `npm run smoke -- --bundles cdk.out`: the smoke flow on a local cloud that runs the handler bundles
 * `cdk synth` produced (the exact artifacts a deploy uploads), in the same sandboxes, behind the same
 * permissions: a proposal submitted, approved through both emailed links, FUNDED (or COMPLETED, once
 * everything granted is paid), its payment once in `GET /disbursements`, and the ledger verifies. Without `--bundles` it runs the start-up bundles. Exits 1
 * with the step that failed. `.ci/run` runs it after `npm run synth`, so a bundling fault shows before
 * a deploy.
 */
import { sampleProposal, startTestCloud, type TestCloud } from '../test/support/cloud.ts';

const UK = 'approver@homeoffice.example';
const FR = 'approbateur@interieur.example';

const args = process.argv.slice(2);
const at = args.indexOf('--bundles');
const bundles = at >= 0 ? args[at + 1] : process.env.JIF_BUNDLES;
if (at >= 0 && (!bundles || bundles.startsWith('--'))) {
  console.error('--bundles needs a directory (the cdk synth output, e.g. cdk.out)');
  process.exit(2);
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  console.log(`  ok  ${what} (${Math.round(performance.now() - started)} ms)`);
  return result;
}

async function smoke(cloud: TestCloud): Promise<void> {
  const { proposalId } = await step('POST /proposals: 201', () =>
    cloud.submit(sampleProposal({ title: 'Smoke test: ring road fencing' })),
  );
  for (const [authority, to] of [
    ['UK', UK],
    ['FR', FR],
  ] as const) {
    await step(`${authority} approves through the emailed link`, async () => {
      await cloud.waitForEmail((e) => e.to.includes(to) && e.text.includes(proposalId), 60_000);
      const [link] = await cloud.linksFor(to, proposalId);
      if (!link) throw new Error(`no sign-off link in the email to ${to}`);
      const decided = await cloud.decide(link, 'approve');
      if (decided.status !== 200) throw new Error(`the decision answered ${decided.status}`);
    });
  }
  await step('the proposal is FUNDED (or COMPLETED)', () =>
    cloud.waitForStatus(proposalId, ['FUNDED', 'COMPLETED'], 120_000),
  );
  await step('its payment is in GET /disbursements and the ledger verifies', async () => {
    const response = await cloud.api('GET', `/disbursements?proposalId=${proposalId}`, { as: 'finance' });
    const listed = (await response.json()) as { items?: { proposalId?: string; amountEurCents?: number }[] };
    const paid = (listed.items ?? []).filter((item) => item.proposalId === proposalId);
    if (response.status !== 200 || paid.length !== 1 || paid[0]?.amountEurCents !== 120_000_000)
      throw new Error(
        `expected one payment of EUR 1,200,000.00, got ${response.status} ${JSON.stringify(listed)}`,
      );
    const verify = await cloud.api('GET', '/ledger/verify', { as: 'finance' });
    const verified = (await verify.json()) as { ok?: boolean };
    if (verify.status !== 200 || verified.ok !== true)
      throw new Error(`the ledger does not verify: ${verify.status} ${JSON.stringify(verified)}`);
  });
}

const started = performance.now();
const cloud = await startTestCloud({ timeScale: 0.001, ...(bundles ? { bundles } : {}) });
console.log(
  `Smoke flow on ${bundles ? `the bundles of ${bundles}` : 'the start-up bundles'} (${cloud.baseUrl}, up in ${Math.round(performance.now() - started)} ms)`,
);
let failed = false;
try {
  await smoke(cloud);
  console.log(`Smoke flow passed in ${Math.round(performance.now() - started)} ms`);
} catch (error) {
  failed = true;
  console.error(`Smoke flow FAILED: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await cloud.close();
}
process.exit(failed ? 1 : 0);
