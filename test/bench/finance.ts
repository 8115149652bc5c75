/**
 * Finance at scale: ledger records seeded straight into the local DynamoDB (batch writes, after
 * whatever the ledger already holds), then the finance queries timed at two sizes.
 *
 * The seeded items mirror what functions/funding/data/ledger.ts `append` writes (the record item with its
 * three index keys, and the head's seq, hash, per-year payment counts and per-cell totals). The
 * harness checks itself: the real `GET /ledger/verify` must pass and `GET /fund` must count the
 * seeded money; if the data layer's shape moves on, these rows say so instead of timing nonsense.
 */

import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ledgerRecordItem } from '../../functions/funding/data/ledger.ts';
import {
  GENESIS_HASH,
  type LedgerRecord,
  paymentReference,
  sealEntry,
} from '../../functions/funding/domain/ledger.ts';
import { amount, REFERENCE_RATE } from '../../functions/funding/domain/money.ts';
import { fileKey, sealMessage } from '../../functions/funding/ledger-key.ts';
import { CATEGORIES } from '../../functions/proposals/domain/categories.ts';
import { tableName } from '../../infra/local/names.ts';
import type { TestCloud } from '../support/cloud.ts';
import { mib, ms, type Report, summarise } from './report.ts';

const SECTION = 'finance';

export async function measureFinance(
  report: Report,
  cloud: TestCloud,
  sizes: [number, number],
): Promise<void> {
  const base = new DynamoDBClient({
    endpoint: cloud.endpoints.dynamodb,
    region: 'eu-west-3',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const client = DynamoDBDocumentClient.from(base);
  try {
    const [small, large] = sizes;
    const seedStarted = performance.now();
    await seedTo(client, small, ledgerSeal(cloud));
    const seedSmall = performance.now() - seedStarted;
    const atSmall = await queries(cloud);
    const csv = await peakDuring(() => text(cloud, '/disbursements?format=csv'));
    report.add({
      section: SECTION,
      measure: `CSV export of the whole selection at ${small} seeded records`,
      value: `${csv.result.split('\n').length - 1} lines in ${ms(csv.ms)}, RSS peak +${mib(csv.peakDelta)}`,
      data: { lines: csv.result.split('\n').length - 1, ms: csv.ms, peakRssDelta: csv.peakDelta },
    });
    const seedLargeStarted = performance.now();
    await seedTo(client, large, ledgerSeal(cloud));
    const seedLarge = performance.now() - seedLargeStarted;
    const atLarge = await queries(cloud);
    for (const key of ['page', 'fund'] as const) {
      const ratio = atLarge[key].p50 / atSmall[key].p50;
      report.add({
        section: SECTION,
        measure:
          key === 'page'
            ? 'GET /disbursements?fundYear=1&limit=100 (page with the selection totals)'
            : 'GET /fund (overview)',
        value: `p50 ${ms(atSmall[key].p50)} at ${small}, ${ms(atLarge[key].p50)} at ${large}: ${ratio.toFixed(2)}x`,
        data: { small: atSmall[key], large: atLarge[key], ratio, sizes },
        target: '<= 1.5x',
        met: ratio <= 1.5,
      });
    }
    const verify = await peakDuring(() => text(cloud, '/ledger/verify'));
    const verdict = JSON.parse(verify.result) as { ok?: boolean; records?: number; problems?: unknown[] };
    report.add({
      section: SECTION,
      measure: `GET /ledger/verify at ${large}+ records`,
      value: `${verdict.ok ? 'valid' : `NOT valid (${JSON.stringify(verdict.problems?.slice(0, 2))})`}, ${verdict.records} records in ${ms(verify.ms)}, RSS peak +${mib(verify.peakDelta)}`,
      data: { ...verdict, ms: verify.ms, peakRssDelta: verify.peakDelta },
      target: '< 30 s, valid, bounded memory',
      met: verify.ms < 30_000 && verdict.ok === true,
    });
    report.add({
      section: SECTION,
      measure: 'seeding (batch writes straight to the local DynamoDB)',
      value: `${small} in ${ms(seedSmall)}, then to ${large} in ${ms(seedLarge)}`,
      data: { seedSmall, seedLarge },
    });
  } finally {
    base.destroy();
  }
}

async function queries(cloud: TestCloud) {
  const page: number[] = [];
  const fund: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    page.push((await peakDuring(() => text(cloud, '/disbursements?fundYear=1&limit=100'))).ms);
    fund.push((await peakDuring(() => text(cloud, '/fund'))).ms);
  }
  return { page: summarise(page), fund: summarise(fund) };
}

async function text(cloud: TestCloud, path: string): Promise<string> {
  const response = await cloud.api('GET', path, { as: 'finance' });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${body.slice(0, 200)}`);
  return body;
}

/** Time and peak RSS growth of this process (the whole local cloud) while `fn` runs. */
async function peakDuring<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number; peakDelta: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const started = performance.now();
  try {
    const result = await fn();
    return {
      result,
      ms: performance.now() - started,
      peakDelta: Math.max(peak, process.memoryUsage().rss) - base,
    };
  } finally {
    clearInterval(timer);
  }
}

const seeded = { count: 0 };
type Requests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];

/** Appends records until `target` have been seeded by the bench (after the flows' own records). */
/**
 * Seals as the appender does (functions/funding/ledger-key.ts), with the local key file: the bench holds
 * the key, so its records verify like the flows' own.
 */
function ledgerSeal(cloud: TestCloud): (record: LedgerRecord) => Promise<string> {
  const key = fileKey(join(cloud.dataDir, 'ledger.key'));
  return (record) => key.sign(sealMessage(record.seq, record.hash));
}

async function seedTo(
  client: DynamoDBDocumentClient,
  target: number,
  seal: (record: LedgerRecord) => Promise<string>,
): Promise<void> {
  const table = tableName('Fund');
  const headKey = { pk: 'LEDGER', sk: 'HEAD' };
  const { Item: head = {} } = await client.send(
    new GetCommand({ TableName: table, Key: headKey, ConsistentRead: true }),
  );
  let seq = Number(head.seq ?? 0);
  let hash = String(head.hash ?? GENESIS_HASH);
  const payments: Record<number, number> = {};
  for (const year of [1, 2, 3]) payments[year] = Number(head[`fy${year}Payments`] ?? 0);
  const added = new Map<string, { count: number; eur: number; gbp: number }>();
  const addedPayments: Record<number, number> = { 1: 0, 2: 0, 3: 0 };
  const from = seq;
  const batch: LedgerRecord[] = [];
  const writes: Promise<void>[] = [];
  const flush = async (records: LedgerRecord[]) => {
    let pending: Requests | undefined = records.map((r) => ({ PutRequest: { Item: ledgerRecordItem(r) } }));
    while (pending && pending.length > 0) {
      const out: BatchWriteCommandOutput = await client.send(
        new BatchWriteCommand({ RequestItems: { [table]: pending } }),
      );
      pending = out.UnprocessedItems?.[table];
    }
  };
  const start = Date.parse('2026-01-01T00:00:00Z');
  while (seeded.count < target) {
    seq += 1;
    seeded.count += 1;
    const fundYear = 1 + (seq % 3);
    const category = CATEGORIES[seq % CATEGORIES.length] as (typeof CATEGORIES)[number];
    const figures = amount(1_000_00 + (seq % 97) * 100, REFERENCE_RATE);
    payments[fundYear] = (payments[fundYear] ?? 0) + 1;
    addedPayments[fundYear] = (addedPayments[fundYear] ?? 0) + 1;
    const record = sealEntry({
      seq,
      disbursementId: `bench-${seq}`,
      proposalId: `P-BENCH-${Math.floor(seq / 3)}`,
      title: `Seeded disbursement ${seq}`,
      category,
      purpose: 'INVESTMENT',
      fundYear,
      amountEurCents: figures.eurCents,
      amountGbpPence: figures.gbpPence,
      rate: REFERENCE_RATE,
      paymentReference: paymentReference(fundYear, payments[fundYear] ?? 1),
      recordedAt: new Date(start + seq * 1000).toISOString(),
      prevHash: hash,
    });
    record.mac = await seal(record);
    hash = record.hash;
    const cell = `${fundYear}|${category}|INVESTMENT`;
    const totals = added.get(cell) ?? { count: 0, eur: 0, gbp: 0 };
    totals.count += 1;
    totals.eur += record.amountEurCents;
    totals.gbp += record.amountGbpPence;
    added.set(cell, totals);
    batch.push(record);
    if (batch.length === 25) {
      writes.push(flush(batch.splice(0)));
      if (writes.length >= 4) await Promise.all(writes.splice(0));
    }
  }
  if (batch.length > 0) writes.push(flush(batch.splice(0)));
  await Promise.all(writes);

  // The head moves once, as advanceHead would have moved it record by record.
  const names: Record<string, string> = { '#hash': 'hash' };
  const values: Record<string, unknown> = { ':seq': seq, ':hash': hash, ':from': from };
  const adds: string[] = [];
  let i = 0;
  for (const [year, n] of Object.entries(addedPayments)) {
    if (n === 0) continue;
    names[`#n${i}`] = `fy${year}Payments`;
    values[`:n${i}`] = n;
    adds.push(`#n${i} :n${i}`);
    i += 1;
  }
  for (const [cell, totals] of added) {
    for (const [measure, value] of [
      ['count', totals.count],
      ['eur', totals.eur],
      ['gbp', totals.gbp],
    ] as const) {
      names[`#n${i}`] = `${measure}|${cell}`;
      values[`:n${i}`] = value;
      adds.push(`#n${i} :n${i}`);
      i += 1;
    }
  }
  await client.send(
    new UpdateCommand({
      TableName: table,
      Key: headKey,
      UpdateExpression: `SET seq = :seq, #hash = :hash ADD ${adds.join(', ')}`,
      ConditionExpression: from === 0 ? 'attribute_not_exists(seq) OR seq = :from' : 'seq = :from',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}
