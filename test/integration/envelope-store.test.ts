/**
 * The envelopes' data layer on a real DynamoDB API (dynalite), without the rest of the cloud: the
 * due index a commitment enters and leaves, and the release of running cost beyond a tranche, once
 * whatever the retries, races and crashes between its two writes.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFundStore, type TestDynamo } from '../support/dynalite.ts';

let dynamo: TestDynamo;
let envelopes: typeof import('../../functions/funding/data/envelopes.ts');
let documents: typeof import('../../functions/platform/dynamodb.ts').documents;
let fundTable: () => string;

const NOW = '2026-11-29T12:00:00.000Z';

beforeAll(async () => {
  dynamo = await startFundStore('2024-01-01');
  envelopes = await import('../../functions/funding/data/envelopes.ts');
  ({ documents } = await import('../../functions/platform/dynamodb.ts'));
  ({ fundTable } = await import('../../functions/platform/keys.ts'));
});
afterAll(async () => {
  await dynamo?.stop();
});

const committedIn = async (fundYear: number) =>
  (await envelopes.getEnvelopes()).find((e) => e.fundYear === fundYear)?.committedEurCents;

describe('the due index', () => {
  it('lists a committed investment once its year has opened, and forgets it once paid or released', async () => {
    await envelopes.commitFundYear('p-due-2', 2, 1_000, NOW, { investmentDue: true });
    await envelopes.commitFundYear('p-due-3', 3, 2_000, NOW, { investmentDue: true });
    await envelopes.commitFundYear('p-not-due', 2, 3_000, NOW);
    expect(await envelopes.dueInvestments(1)).toEqual([]);
    expect(await envelopes.dueInvestments(2)).toEqual([{ proposalId: 'p-due-2', fundYear: 2 }]);
    expect(await envelopes.dueInvestments(3)).toEqual([
      { proposalId: 'p-due-2', fundYear: 2 },
      { proposalId: 'p-due-3', fundYear: 3 },
    ]);

    await envelopes.clearInvestmentDue('p-due-2', 2);
    await envelopes.clearInvestmentDue('p-due-2', 2);
    await envelopes.releaseCommitments('p-due-3', NOW);
    expect(await envelopes.dueInvestments(3)).toEqual([]);
    // A re-run of the commit (already COMMITTED) does not put a paid year back in the index.
    expect(await envelopes.commitFundYear('p-due-2', 2, 1_000, NOW, { investmentDue: true })).toBe(false);
    expect(await envelopes.dueInvestments(3)).toEqual([]);
  });
});

describe('running cost beyond a tranche', () => {
  it('goes back to the envelope once, however many runs race to give it back', async () => {
    await envelopes.commitFundYear('p-race', 3, 50_000, NOW);
    const before = await committedIn(3);
    const given = await Promise.all(
      Array.from({ length: 6 }, () => envelopes.releaseRunningCostBeyondTranche('p-race', 3, 20_000, NOW)),
    );
    expect(given.reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(await committedIn(3)).toBe((before ?? 0) - 20_000);
    expect(await envelopes.releaseRunningCostBeyondTranche('p-race', 3, 20_000, NOW)).toBe(0);
    expect(await committedIn(3)).toBe((before ?? 0) - 20_000);
    const [commitment] = await envelopes.commitmentsOf('p-race');
    expect(commitment).toMatchObject({ status: 'COMMITTED', runningCostReleasedEurCents: 20_000 });
  });

  it('gives nothing back twice after a crash between the envelope and the commitment', async () => {
    await envelopes.commitFundYear('p-crash', 2, 40_000, NOW);
    const before = await committedIn(2);
    expect(await envelopes.releaseRunningCostBeyondTranche('p-crash', 2, 15_000, NOW)).toBe(15_000);
    // As if the first run had stopped after the envelope's update: the commitment has no note.
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: { pk: 'PROPOSAL#p-crash', sk: 'COMMITMENT#FY2' },
        UpdateExpression: 'REMOVE runningCostReleasedEurCents, runningCostReleasedAt',
      }),
    );
    expect(await envelopes.releaseRunningCostBeyondTranche('p-crash', 2, 15_000, NOW)).toBe(0);
    expect(await committedIn(2)).toBe((before ?? 0) - 15_000);
    const [commitment] = await envelopes.commitmentsOf('p-crash');
    expect(commitment?.runningCostReleasedEurCents).toBe(15_000);
  });

  it('refuses another amount, more than was committed, or a commitment that is not there', async () => {
    await envelopes.commitFundYear('p-bad', 2, 10_000, NOW);
    await envelopes.releaseRunningCostBeyondTranche('p-bad', 2, 4_000, NOW);
    await envelopes.commitFundYear('p-small', 2, 1_000, NOW);
    const before = await committedIn(2);
    await expect(envelopes.releaseRunningCostBeyondTranche('p-bad', 2, 5_000, NOW)).rejects.toMatchObject({
      name: 'Funds.AmountMismatch',
    });
    await expect(envelopes.releaseRunningCostBeyondTranche('p-small', 2, 1_001, NOW)).rejects.toMatchObject({
      name: 'Funds.InvalidAmount',
    });
    await expect(envelopes.releaseRunningCostBeyondTranche('p-none', 2, 1, NOW)).rejects.toMatchObject({
      name: 'Funds.NotCommitted',
    });
    expect(await committedIn(2)).toBe(before);
  });
});
