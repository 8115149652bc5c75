/**
 * The ledger's data layer on a real DynamoDB API (dynalite), without the rest of the cloud:
 * payment references, the maintained totals and the appender's invariants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LedgerRecord, sealEntry, verifyChain } from '../../functions/domain/ledger.ts';
import { REFERENCE_RATE } from '../../functions/domain/money.ts';
import { startFundStore, type TestDynamo } from '../support/dynalite.ts';

let dynamo: TestDynamo;
let ledger: typeof import('../../functions/data/ledger.ts');

beforeAll(async () => {
  dynamo = await startFundStore('2024-01-01');
  ledger = await import('../../functions/data/ledger.ts');
});
afterAll(async () => {
  await dynamo?.stop();
});

function line(
  proposalId: string,
  fundYear: number,
  amountEurCents: number,
  purpose: 'INVESTMENT' | 'RUNNING_COST' = 'INVESTMENT',
) {
  return {
    proposalId,
    title: `Project ${proposalId}`,
    category: 'PORT_SECURITY_INFRASTRUCTURE' as const,
    purpose,
    fundYear,
    amountEurCents,
    rate: REFERENCE_RATE,
  };
}

describe('payment references', () => {
  it('are numbered per fund year: FY2 has its own first payment', async () => {
    const now = new Date().toISOString();
    const a = await ledger.disburseOnce(line('ref-a', 1, 100), now);
    const b = await ledger.disburseOnce(line('ref-b', 2, 200), now);
    const c = await ledger.disburseOnce(line('ref-c', 1, 300), now);
    const d = await ledger.disburseOnce(line('ref-d', 2, 400), now);
    expect([a, b, c, d].map((r) => r.record.seq)).toEqual([1, 2, 3, 4]);
    expect([a, b, c, d].map((r) => r.record.paymentReference)).toEqual([
      'JIF-FY1-000001',
      'JIF-FY2-000001',
      'JIF-FY1-000002',
      'JIF-FY2-000002',
    ]);
    // A re-run pays nothing and keeps its reference.
    const again = await ledger.disburseOnce(line('ref-b', 2, 200), now);
    expect(again).toMatchObject({ created: false, record: { paymentReference: 'JIF-FY2-000001' } });
  });
});

describe('appending under load', () => {
  it('pays 200 concurrent lines, each once, in one chain that verifies, with totals that add up', async () => {
    const before = await ledger.getHead();
    const lines = Array.from({ length: 200 }, (_, i) =>
      line(`load-${i}`, (i % 3) + 1, 1_000 + i, i % 3 === 0 ? 'INVESTMENT' : 'RUNNING_COST'),
    );
    const now = new Date().toISOString();
    // As the flows do: a payer told its claim is still waiting for the appender asks again.
    const pay = async (l: (typeof lines)[number]) => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await ledger.disburseOnce(l, now);
        } catch (error) {
          if ((error as Error).name !== 'Ledger.ClaimInProgress' || attempt === 10) throw error;
        }
      }
    };
    // Twenty lines asked twice at once (a retry racing the first run): paid once.
    const asked = [...lines, ...lines.slice(0, 20)];
    const results = await Promise.all(asked.map(pay));
    expect(results.filter((r) => r.created)).toHaveLength(200);
    const head = await ledger.getHead();
    expect(head.seq).toBe(before.seq + 200);
    // Appended in batches: one head move carries many payments.
    expect(head.batches - before.batches).toBeLessThan(100);
    const records: LedgerRecord[] = [];
    for await (const record of ledger.allRecords()) records.push(record);
    const check = verifyChain(records, head.seq);
    expect(check.problems).toEqual([]);
    expect(check.head).toBe(head.hash);
    // Every line is in the ledger exactly once, and each run answered its own line's record.
    const loadRecords = records.filter((r) => r.proposalId.startsWith('load-'));
    expect(new Set(loadRecords.map((r) => r.disbursementId)).size).toBe(200);
    for (const [i, result] of results.entries()) {
      expect(result.record.proposalId).toBe(asked[i]?.proposalId);
    }
    // References run 1, 2, 3... within each fund year, in ledger order.
    const perYear = new Map<number, number>();
    for (const record of records) {
      const number = (perYear.get(record.fundYear) ?? 0) + 1;
      perYear.set(record.fundYear, number);
      expect(record.paymentReference).toBe(`JIF-FY${record.fundYear}-${String(number).padStart(6, '0')}`);
    }
    // The maintained totals are those of the records.
    const sum = (filter: (r: (typeof records)[number]) => boolean) => {
      const chosen = records.filter(filter);
      return {
        count: chosen.length,
        amountEurCents: chosen.reduce((s, r) => s + r.amountEurCents, 0),
        amountGbpPence: chosen.reduce((s, r) => s + r.amountGbpPence, 0),
      };
    };
    expect(await ledger.selectionTotals({})).toEqual(sum(() => true));
    expect(await ledger.selectionTotals({ fundYear: 2 })).toEqual(sum((r) => r.fundYear === 2));
    expect(await ledger.selectionTotals({ purpose: 'RUNNING_COST' })).toEqual(
      sum((r) => r.purpose === 'RUNNING_COST'),
    );
    expect(await ledger.selectionTotals({ fundYear: 1, purpose: 'INVESTMENT' })).toEqual(
      sum((r) => r.fundYear === 1 && r.purpose === 'INVESTMENT'),
    );
    expect(await ledger.selectionTotals({ proposalId: 'load-7' })).toEqual(
      sum((r) => r.proposalId === 'load-7'),
    );
  }, 120_000);

  it('finishes the work of an appender that crashed after writing a record but before moving the head', async () => {
    const head = await ledger.getHead();
    // A crashed appender's record n+1 (its claim unmarked, still waiting in the index).
    const now = new Date().toISOString();
    const { documents } = await import('../../functions/lib/dynamodb.ts');
    const { PutCommand, GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const orphanLine = line('orphan', 3, 4_242);
    const disbursementId = 'orphan/FY3/INVESTMENT';
    const claim = {
      pk: 'PROPOSAL#orphan',
      sk: 'DISBURSEMENT#FY3#INVESTMENT',
      type: 'DisbursementClaim',
      disbursementId,
      ...orphanLine,
      amountGbpPence: 3_394,
      claimedAt: now,
      gsi1pk: 'LEDGER#UNCHAINED',
      gsi1sk: `${now}#${disbursementId}`,
    };
    await documents.send(new PutCommand({ TableName: 'fund', Item: claim }));
    const record = sealEntry({
      seq: head.seq + 1,
      disbursementId,
      proposalId: 'orphan',
      title: orphanLine.title,
      category: orphanLine.category,
      purpose: 'INVESTMENT',
      fundYear: 3,
      amountEurCents: 4_242,
      amountGbpPence: 3_394,
      rate: REFERENCE_RATE,
      paymentReference: `JIF-FY3-${String((head.paymentsByFundYear[3] ?? 0) + 1).padStart(6, '0')}`,
      recordedAt: now,
      prevHash: head.hash,
    });
    await documents.send(
      new PutCommand({
        TableName: 'fund',
        Item: {
          pk: 'LEDGER',
          sk: `SEQ#${String(record.seq).padStart(12, '0')}`,
          type: 'LedgerRecord',
          gsi3pk: 'DISB#P#orphan',
          gsi3sk: `${now}#${record.seq}`,
          ...record,
        },
      }),
    );
    // The next payment repairs the head over the orphan and marks its claim; nothing is paid twice.
    const next = await ledger.disburseOnce(line('after-orphan', 3, 5_000), now);
    expect(next.record.seq).toBe(head.seq + 2);
    expect(next.record.prevHash).toBe(record.hash);
    // Its payer crashed before telling finance: the first run to find it in the ledger does.
    const again = await ledger.disburseOnce(orphanLine, now);
    expect(again).toMatchObject({ created: true, record: { seq: record.seq, hash: record.hash } });
    expect(await ledger.disburseOnce(orphanLine, now)).toMatchObject({ created: false });
    const { Item } = await documents.send(
      new GetCommand({ TableName: 'fund', Key: { pk: claim.pk, sk: claim.sk }, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ ledgerSeq: record.seq });
    expect(Item?.gsi1pk).toBeUndefined();
    const records: LedgerRecord[] = [];
    for await (const r of ledger.allRecords()) records.push(r);
    expect(verifyChain(records, (await ledger.getHead()).seq).problems).toEqual([]);
    expect(records.filter((r) => r.disbursementId === disbursementId)).toHaveLength(1);
  });
});
