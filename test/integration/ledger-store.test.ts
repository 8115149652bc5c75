/**
 * The ledger's data layer on a real DynamoDB API (dynalite), without the rest of the cloud:
 * payment references, the maintained totals and the appender's invariants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

function line(proposalId: string, fundYear: number, amountEurCents: number, purpose = 'INVESTMENT' as const) {
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
