/**
 * All or nothing when the year that lacks room comes first in the schedule: the flow releases what it
 * committed, and a commit still under way (the local engine's Map, unlike AWS, runs the remaining
 * iterations after one failed) steps back by itself. Nothing stays committed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { approveAll } from '../support/flows.ts';

let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: 0.001 });
});
afterAll(async () => {
  await cloud.close();
});

interface FundYearView {
  fundYear: number;
  committedEurCents: number;
}
async function committed(): Promise<Record<number, number>> {
  const fund = (await (await cloud.api('GET', '/fund', { as: 'finance' })).json()) as {
    years: FundYearView[];
  };
  return Object.fromEntries(fund.years.map((y) => [y.fundYear, y.committedEurCents]));
}

describe('compensation of a partial commit', () => {
  it('leaves no later year committed when the first year of the schedule lacks room', async () => {
    const filler = await cloud.submit(
      sampleProposal({
        title: 'Fills fund year 1',
        funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 500_000_000 }],
      }),
    );
    await approveAll(cloud, [filler.proposalId]);
    await cloud.waitForStatus(filler.proposalId, ['COMPLETED']);
    const before = await committed();
    expect(before[1]).toBe(500_000_000);

    const { proposalId } = await cloud.submit(
      sampleProposal({
        title: 'Three years, the first one full',
        funding: [
          { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 100 },
          { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 5_000 },
          { fundYear: 3, purpose: 'INVESTMENT', amountEurCents: 7_000 },
        ],
      }),
    );
    await approveAll(cloud, [proposalId]);
    await cloud.waitForStatus(proposalId, ['FUNDS_UNAVAILABLE']);

    // Give any commit still running (bounded) the chance to land, then check nothing stayed.
    const deadline = Date.now() + 3000;
    let view: {
      commitments: { fundYear: number; status: string }[];
      timeline: { event: string }[];
    } = { commitments: [], timeline: [] };
    while (Date.now() < deadline) {
      view = (await (
        await cloud.api('GET', `/proposals/${proposalId}`, { as: 'admin' })
      ).json()) as typeof view;
      if (view.timeline.filter((t) => t.event === 'COMMITMENT_RELEASED').length === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await cloud.functions.drain();
    view = (await (
      await cloud.api('GET', `/proposals/${proposalId}`, { as: 'admin' })
    ).json()) as typeof view;
    // Nothing is committed, none listed as a commitment (the contract's FUNDS_UNAVAILABLE).
    expect(view.commitments).toEqual([]);
    expect(await committed()).toEqual(before);
  });
});
