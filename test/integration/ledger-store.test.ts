/**
 * The ledger's data layer on a real DynamoDB API (dynalite), without the rest of the cloud:
 * payment references, the maintained totals and the appender's invariants.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LedgerRecord, sealEntry, verifyChain } from '../../functions/funding/domain/ledger.ts';
import { REFERENCE_RATE } from '../../functions/funding/domain/money.ts';
import type { HttpEvent } from '../../functions/platform/http.ts';
import { startFundStore, type TestDynamo } from '../support/dynalite.ts';
import { fixture, lambdaContext } from '../unit/handlers/support.ts';

let dynamo: TestDynamo;
let ledger: typeof import('../../functions/funding/data/ledger.ts');

beforeAll(async () => {
  dynamo = await startFundStore('2024-01-01');
  ledger = await import('../../functions/funding/data/ledger.ts');
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
    const records = await readableRecords();
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
    // A crashed appender's record n+1 (its claim unmarked, still waiting in the index), the lease
    // given back as if nothing had happened (a lease run out under a slow appender looks the same).
    const now = new Date().toISOString();
    const orphan = await plantOrphan('orphan', head, now);
    // The next payment repairs the head over the orphan and marks its claim; nothing is paid twice.
    const next = await ledger.disburseOnce(line('after-orphan', 3, 5_000), now);
    expect(next.record.seq).toBe(head.seq + 2);
    expect(next.record.prevHash).toBe(orphan.record.hash);
    // Its payer crashed before telling finance: the first run to find it in the ledger does.
    const again = await ledger.disburseOnce(orphan.line, now);
    expect(again).toMatchObject({
      created: true,
      record: { seq: orphan.record.seq, hash: orphan.record.hash },
    });
    expect(await ledger.disburseOnce(orphan.line, now)).toMatchObject({ created: false });
    const { documents } = await import('../../functions/platform/dynamodb.ts');
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { Item } = await documents.send(
      new GetCommand({ TableName: 'fund', Key: orphan.claimKey, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ ledgerSeq: orphan.record.seq });
    expect(Item?.gsi1pk).toBeUndefined();
    const records = await readableRecords();
    expect(verifyChain(records, (await ledger.getHead()).seq).problems).toEqual([]);
    expect(records.filter((r) => r.disbursementId === orphan.disbursementId)).toHaveLength(1);
  });

  it('after a holder that stopped mid-batch (its lease left to run out), the next walks over its record in one lease', async () => {
    const head = await ledger.getHead();
    const now = new Date().toISOString();
    const orphan = await plantOrphan('stopped', head, now);
    await stoppedHolder();
    const { commands, result: next } = await commandsOf(() =>
      ledger.disburseOnce(line('after-stop', 3, 5_000), now),
    );
    expect(next.record).toMatchObject({ seq: head.seq + 2, prevHash: orphan.record.hash });
    // One lease did both: the look beyond the head found the record, no seat was fought over.
    expect(commands.filter((c) => c.update?.startsWith('SET leaseOwner'))).toHaveLength(1);
    expect((await ledger.getHead()).batches - head.batches).toBe(2);
    const records = await readableRecords();
    expect(verifyChain(records, (await ledger.getHead()).seq).problems).toEqual([]);
    expect(records.filter((r) => r.disbursementId === orphan.disbursementId)).toHaveLength(1);
  });

  it('after a holder that stopped between the head and the marks, its batch is marked, never chained twice', async () => {
    const now = new Date().toISOString();
    const paid = await ledger.disburseOnce(line('unmarked', 2, 7_000), now);
    // As if the holder had stopped after moving the head: the claim is unmarked and back in the index,
    // the head still names the batch, the lease left to run out.
    const { documents } = await import('../../functions/platform/dynamodb.ts');
    const { UpdateCommand, GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const claimKey = { pk: 'PROPOSAL#unmarked', sk: 'DISBURSEMENT#FY2#INVESTMENT' };
    await documents.send(
      new UpdateCommand({
        TableName: 'fund',
        Key: claimKey,
        UpdateExpression: 'SET gsi1pk = :unchained, gsi1sk = :at REMOVE ledgerSeq, gsi2pk, gsi2sk',
        ExpressionAttributeValues: {
          ':unchained': 'LEDGER#UNCHAINED',
          ':at': `${now}#unmarked/FY2/INVESTMENT`,
        },
      }),
    );
    const { record } = paid;
    await documents.send(
      new UpdateCommand({
        TableName: 'fund',
        Key: { pk: 'LEDGER', sk: 'HEAD' },
        UpdateExpression: 'SET lastBatch = :batch',
        ExpressionAttributeValues: {
          ':batch': [
            {
              proposalId: 'unmarked',
              fundYear: 2,
              purpose: 'INVESTMENT',
              seq: record.seq,
              paymentReference: record.paymentReference,
              recordedAt: record.recordedAt,
            },
          ],
        },
      }),
    );
    await stoppedHolder();
    await ledger.disburseOnce(line('after-unmarked', 2, 1_000), now);
    const { Item } = await documents.send(
      new GetCommand({ TableName: 'fund', Key: claimKey, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ ledgerSeq: record.seq });
    expect(Item?.gsi1pk).toBeUndefined();
    const records = await readableRecords();
    expect(verifyChain(records, (await ledger.getHead()).seq).problems).toEqual([]);
    expect(records.filter((r) => r.proposalId === 'unmarked')).toHaveLength(1);
    expect((await ledger.getHead()).lastBatch).toEqual([]);
  });

  it('appends after a holder that left the ledger tidy without reading anything back (ten requests)', async () => {
    const now = new Date().toISOString();
    await ledger.disburseOnce(line('tidy-before', 1, 1_000), now);
    const { commands, result } = await commandsOf(() => ledger.disburseOnce(line('tidy', 1, 2_000), now));
    expect(result.created).toBe(true);
    expect(commands.map((c) => c.name)).toEqual([
      'PutCommand', // the claim
      'UpdateCommand', // the lease, answering the head as it was
      'QueryCommand', // the unchained claims' keys
      'BatchGetCommand', // the claims, read consistently
      'PutCommand', // the record
      'UpdateCommand', // the head moved, answering the head
      'UpdateCommand', // the claim marked
      'QueryCommand', // no claim came meanwhile
      'UpdateCommand', // the lease given back tidy
      'UpdateCommand', // the first to see it paid tells finance
    ]);
  });
});

/** The DynamoDB commands `run` sends (name, and an update's expression), and what it answers. */
async function commandsOf<T>(run: () => Promise<T>) {
  const { documents } = await import('../../functions/platform/dynamodb.ts');
  const send = vi.spyOn(documents, 'send');
  try {
    const result = await run();
    const commands = send.mock.calls.map(([command]) => ({
      name: command.constructor.name,
      update: (command.input as { UpdateExpression?: string }).UpdateExpression,
    }));
    return { commands, result };
  } finally {
    send.mockRestore();
  }
}

/** The head as a holder that stopped leaves it: its lease held until it runs out, not given back tidy. */
async function stoppedHolder(): Promise<void> {
  const { documents } = await import('../../functions/platform/dynamodb.ts');
  const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
  await documents.send(
    new UpdateCommand({
      TableName: 'fund',
      Key: { pk: 'LEDGER', sk: 'HEAD' },
      UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until REMOVE tidySeq',
      ExpressionAttributeValues: { ':owner': 'stopped-appender', ':until': Date.now() - 1 },
    }),
  );
}

/** A record n+1 that chains from `head`, and its claim (unmarked, in the unchained index), as a crashed appender leaves them. */
async function plantOrphan(
  proposalId: string,
  head: Awaited<ReturnType<typeof ledger.getHead>>,
  now: string,
) {
  const { documents } = await import('../../functions/platform/dynamodb.ts');
  const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
  const orphanLine = line(proposalId, 3, 4_242);
  const disbursementId = `${proposalId}/FY3/INVESTMENT`;
  const claimKey = { pk: `PROPOSAL#${proposalId}`, sk: 'DISBURSEMENT#FY3#INVESTMENT' };
  await documents.send(
    new PutCommand({
      TableName: 'fund',
      Item: {
        ...claimKey,
        type: 'DisbursementClaim',
        disbursementId,
        ...orphanLine,
        amountGbpPence: 3_394,
        claimedAt: now,
        gsi1pk: 'LEDGER#UNCHAINED',
        gsi1sk: `${now}#${disbursementId}`,
      },
    }),
  );
  const record = sealEntry({
    seq: head.seq + 1,
    disbursementId,
    proposalId,
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
        gsi3pk: `DISB#P#${proposalId}`,
        gsi3sk: `${now}#${record.seq}`,
        ...record,
      },
    }),
  );
  return { line: orphanLine, disbursementId, claimKey, record };
}

describe('the ledger anchored outside its table (GET /ledger/verify)', () => {
  type Verify = {
    ok: boolean;
    records: number;
    head: string;
    witness?: { ok: boolean };
    problems?: unknown[];
  };
  let verify: (query?: Record<string, string>) => Promise<{ statusCode: number; body: Verify }>;
  const table = async () => {
    const { documents } = await import('../../functions/platform/dynamodb.ts');
    return { documents, ...(await import('@aws-sdk/lib-dynamodb')) };
  };
  const recordKey = (seq: number) => ({ pk: 'LEDGER', sk: `SEQ#${String(seq).padStart(12, '0')}` });

  beforeAll(async () => {
    const { handler } = await import('../../functions/finance/handlers/verify-ledger.ts');
    const event = fixture<HttpEvent>('get-disbursements-csv.json');
    verify = async (query = {}) => {
      const result = (await handler(
        { ...event, routeKey: 'GET /ledger/verify', rawPath: '/ledger/verify', queryStringParameters: query },
        lambdaContext(),
      )) as { statusCode: number; body: string };
      return { statusCode: result.statusCode, body: JSON.parse(result.body) as Verify };
    };
  });

  it('verifies the sound ledger, and a witness of one of its records', async () => {
    const paid = await ledger.disburseOnce(line('witnessed', 2, 9_999), new Date().toISOString());
    const sound = await verify();
    expect(sound.body).toMatchObject({ ok: true });
    expect(sound.body.problems).toBeUndefined();
    const witness = `${paid.record.seq}:${paid.record.hash}`;
    expect((await verify({ witness })).body).toMatchObject({
      ok: true,
      witness: { seq: paid.record.seq, ok: true },
    });
    expect((await verify({ witness: 'nonsense' })).statusCode).toBe(400);
  });

  it('detects a chain rebuilt by someone who can write the table but holds no key', async () => {
    const { documents, GetCommand, PutCommand, UpdateCommand } = await table();
    const head = await ledger.getHead();
    // Rewrite the last record's amount and seal its hash again, as a table writer could; move the head too.
    const { Item } = await documents.send(new GetCommand({ TableName: 'fund', Key: recordKey(head.seq) }));
    const { hashEntry } = await import('../../functions/funding/domain/ledger.ts');
    const forged = { ...(Item as LedgerRecord), amountEurCents: 1 };
    forged.hash = hashEntry(forged);
    const original = Item as Record<string, unknown>;
    await documents.send(new PutCommand({ TableName: 'fund', Item: { ...original, ...forged } }));
    await documents.send(
      new UpdateCommand({
        TableName: 'fund',
        Key: { pk: 'LEDGER', sk: 'HEAD' },
        UpdateExpression: 'SET #hash = :hash',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ExpressionAttributeValues: { ':hash': forged.hash },
      }),
    );
    const rebuilt = await verify();
    expect(rebuilt.body.ok).toBe(false);
    expect(JSON.stringify(rebuilt.body.problems)).toContain('seal does not match');
    // Put it back.
    await documents.send(new PutCommand({ TableName: 'fund', Item: original }));
    await documents.send(
      new UpdateCommand({
        TableName: 'fund',
        Key: { pk: 'LEDGER', sk: 'HEAD' },
        UpdateExpression: 'SET #hash = :hash',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ExpressionAttributeValues: { ':hash': original.hash },
      }),
    );
    expect((await verify()).body.ok).toBe(true);
  });

  it('detects a truncated tail (head moved back, last record deleted) by the claims, the totals and a witness', async () => {
    const { documents, DeleteCommand, GetCommand, UpdateCommand } = await table();
    const head = await ledger.getHead();
    const { Item: last } = await documents.send(
      new GetCommand({ TableName: 'fund', Key: recordKey(head.seq) }),
    );
    const { Item: before } = await documents.send(
      new GetCommand({ TableName: 'fund', Key: recordKey(head.seq - 1) }),
    );
    await documents.send(new DeleteCommand({ TableName: 'fund', Key: recordKey(head.seq) }));
    await documents.send(
      new UpdateCommand({
        TableName: 'fund',
        Key: { pk: 'LEDGER', sk: 'HEAD' },
        UpdateExpression: 'SET seq = :seq, #hash = :hash',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ExpressionAttributeValues: { ':seq': head.seq - 1, ':hash': before?.hash },
      }),
    );
    const truncated = await verify({ witness: `${last?.seq}:${last?.hash}` });
    expect(truncated.body.ok).toBe(false);
    expect(truncated.body.witness).toEqual({ seq: last?.seq, ok: false });
    const problems = JSON.stringify(truncated.body.problems);
    expect(problems).toContain('the ledger was truncated');
    expect(problems).toContain('more than its disbursed total');
  });
});

/** Every ledger record; one the codec cannot read fails the test at once, naming it. */
async function readableRecords(): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  for await (const record of ledger.allRecords()) {
    if ('unreadable' in record) throw new Error(`record ${record.seq}: ${record.problem}`);
    records.push(record);
  }
  return records;
}
