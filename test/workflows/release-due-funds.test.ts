/**
 * The daily release: investment of a later fund year waits until that year opens, then the
 * scheduled flow pays it, once, however often it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { approveAll } from '../support/flows.ts';

let cloud: TestCloud;
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: 0.001, fundStartDate: today });
});
afterAll(async () => {
  await cloud.close();
});

async function disbursements(proposalId: string) {
  const response = await cloud.api('GET', `/disbursements?proposalId=${proposalId}`, { as: 'finance' });
  return (
    (await response.json()) as { items: { fundYear: number; purpose: string; amountEurCents: number }[] }
  ).items;
}

async function runRelease() {
  const { executionArn } = cloud.engine.startExecution({
    stateMachineArn: cloud.stateMachineArn('releaseDueFunds'),
    input: '{}',
  });
  return cloud.engine.waitForExecution(executionArn);
}

describe('release of due funds', () => {
  it('pays a later fund year only once it has opened, and never twice', async () => {
    const { proposalId } = await cloud.submit(
      sampleProposal({
        title: 'Fences, two phases',
        funding: [
          { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 10_000_000 },
          { fundYear: 2, purpose: 'INVESTMENT', amountEurCents: 20_000_000 },
          { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 5_000_000 },
        ],
      }),
    );
    await approveAll(cloud, [proposalId]);
    await cloud.waitForStatus(proposalId, ['FUNDED']);
    await cloud.waitForEmail(
      (e) =>
        e.subject.includes('Funded') && e.to.includes('finance@fund.example') && e.text.includes(proposalId),
    );
    expect(await disbursements(proposalId)).toEqual([
      expect.objectContaining({ fundYear: 1, amountEurCents: 10_000_000 }),
    ]);

    // Fund year 2 has not opened: the daily run pays nothing more.
    const early = await runRelease();
    expect(early.status).toBe('SUCCEEDED');
    expect(await disbursements(proposalId)).toHaveLength(1);

    // A year later (the fund started 13 months ago): fund year 2's investment is due, running costs are not.
    const thirteenMonthsAgo = new Date();
    thirteenMonthsAgo.setUTCMonth(thirteenMonthsAgo.getUTCMonth() - 13);
    // A configuration change, as UpdateFunctionConfiguration makes it: new execution environments.
    cloud.functions.updateEnvironment({ FUND_START_DATE: thirteenMonthsAgo.toISOString().slice(0, 10) });
    const due = await runRelease();
    expect(due.status).toBe('SUCCEEDED');
    // A payment of its own, later: announced by itself, to finance and the port authority, French first.
    const later = await cloud.waitForEmail(
      (e) => e.subject.includes('Funds disbursed') && e.text.includes(proposalId),
    );
    expect(later.subject).toMatch(/^\[JIF\] Fonds versés \/ Funds disbursed : /);
    expect(later.text).toContain('EUR 200,000.00 (GBP 160,000.00)');
    const paid = await disbursements(proposalId);
    expect(paid.map((d) => [d.fundYear, d.purpose, d.amountEurCents]).sort()).toEqual([
      [1, 'INVESTMENT', 10_000_000],
      [2, 'INVESTMENT', 20_000_000],
    ]);
    const entered = due.history
      .filter((e) => e.type.endsWith('StateEntered'))
      .map(
        (e) => (e as unknown as { stateEnteredEventDetails: { name: string } }).stateEnteredEventDetails.name,
      );
    expect(entered).toEqual(expect.arrayContaining(['ListDueFunds', 'DisburseEach', 'DisburseDue']));

    // Running it again pays nothing twice, and the ledger still verifies.
    await runRelease();
    expect(await disbursements(proposalId)).toHaveLength(2);
    const verify = (await (await cloud.api('GET', '/ledger/verify', { as: 'finance' })).json()) as {
      ok: boolean;
    };
    expect(verify.ok).toBe(true);
  });

  it('pays a line once when several runs race to pay it', async () => {
    const setFundStart = (offsetDays: number) => {
      const start = new Date(Date.now() + offsetDays * 86_400_000);
      // A configuration change, as UpdateFunctionConfiguration makes it: new execution environments.
      cloud.functions.updateEnvironment({ FUND_START_DATE: start.toISOString().slice(0, 10) });
    };
    // The fund starts tomorrow: at FUNDED nothing is due yet.
    setFundStart(1);
    const { proposalId } = await cloud.submit(
      sampleProposal({
        title: 'Raced payment',
        funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 7_000_000 }],
      }),
    );
    await approveAll(cloud, [proposalId]);
    await cloud.waitForStatus(proposalId, ['FUNDED']);
    const [approval] = cloud.engine
      .listExecutions({ stateMachineArn: cloud.stateMachineArn('approval') })
      .filter((e) => e.name === proposalId);
    await cloud.engine.waitForExecution(approval?.executionArn ?? '');
    expect(await disbursements(proposalId)).toEqual([]);

    // The fund year opens; six runs (the daily flow, retries, an operator) pay at the same moment.
    setFundStart(-1);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => cloud.functions.invoke('disburseFunds', { proposalId })),
    );
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(0);
    for (const result of results) {
      if (result.status === 'rejected') expect((result.reason as Error).name).toBe('Ledger.ClaimInProgress');
    }
    const paid = await disbursements(proposalId);
    expect(paid).toEqual([expect.objectContaining({ fundYear: 1, amountEurCents: 7_000_000 })]);
    const verify = (await (await cloud.api('GET', '/ledger/verify', { as: 'finance' })).json()) as {
      ok: boolean;
    };
    expect(verify.ok).toBe(true);
  });
});
