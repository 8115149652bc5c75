/**
 * The append-only, hash-chained disbursement ledger. Records live in one partition in sequence
 * order (`LEDGER` / `SEQ#n`); a head item names the last one. Appending is a conditional put of
 * record n+1 followed by a conditional move of the head; a crash between the two is repaired by the
 * next appender, so the chain never forks and never skips.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Category, FundingPurpose } from '../domain/categories.ts';
import { GENESIS_HASH, type LedgerRecord, paymentReference, sealEntry } from '../domain/ledger.ts';
import { amount, type ExchangeRate } from '../domain/money.ts';
import { documents } from '../lib/dynamodb.ts';
import { WorkflowError } from '../lib/errors.ts';
import { fundTable, proposalKey } from './keys.ts';

const HEAD_KEY = { pk: 'LEDGER', sk: 'HEAD' };
const recordKey = (seq: number) => ({ pk: 'LEDGER', sk: `SEQ#${String(seq).padStart(12, '0')}` });
const claimKey = (proposalId: string, fundYear: number, purpose: FundingPurpose) => ({
  pk: proposalKey(proposalId).pk,
  sk: `DISBURSEMENT#FY${fundYear}#${purpose}`,
});

export interface DisbursementRequest {
  proposalId: string;
  title: string;
  category: Category;
  purpose: FundingPurpose;
  fundYear: number;
  amountEurCents: number;
  rate: ExchangeRate;
}

function indexesFor(record: LedgerRecord) {
  const sortKey = `${record.recordedAt}#${String(record.seq).padStart(12, '0')}`;
  return {
    gsi1pk: `DISB#FY#${record.fundYear}`,
    gsi1sk: sortKey,
    gsi2pk: `DISB#CAT#${record.category}`,
    gsi2sk: sortKey,
    gsi3pk: `DISB#P#${record.proposalId}`,
    gsi3sk: sortKey,
  };
}

export function toLedgerRecord(item: Record<string, unknown>): LedgerRecord {
  const {
    pk: _a,
    sk: _b,
    type: _t,
    gsi1pk: _c,
    gsi1sk: _d,
    gsi2pk: _e,
    gsi2sk: _f,
    gsi3pk: _g,
    gsi3sk: _h,
    ...rest
  } = item;
  return rest as unknown as LedgerRecord;
}

/** Money and count of the records in one (fund year, category, purpose) cell. */
export interface LedgerTotals {
  count: number;
  amountEurCents: number;
  amountGbpPence: number;
}

/**
 * The head: the last record, how many payments each fund year has (its references' numbers) and
 * the totals of every (fund year, category, purpose) cell, all moved by one conditional update per
 * append, so a total counts each record exactly once and is read in one item whatever the table's size.
 */
export interface LedgerHead {
  seq: number;
  hash: string;
  paymentsByFundYear: Record<number, number>;
  cells: (LedgerTotals & { fundYear: number; category: Category; purpose: FundingPurpose })[];
}

const fundYearCount = (fundYear: number) => `fy${fundYear}Payments`;
const CELL = /^(count|eur|gbp)\|(\d+)\|([A-Z_]+)\|([A-Z_]+)$/;
const cellAttribute = (
  measure: 'count' | 'eur' | 'gbp',
  record: Pick<LedgerRecord, 'fundYear' | 'category' | 'purpose'>,
) => `${measure}|${record.fundYear}|${record.category}|${record.purpose}`;

export async function getHead(): Promise<LedgerHead> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: fundTable(), Key: HEAD_KEY, ConsistentRead: true }),
  );
  const paymentsByFundYear: Record<number, number> = {};
  const cells = new Map<string, LedgerHead['cells'][number]>();
  for (const [name, value] of Object.entries(Item ?? {})) {
    const year = /^fy(\d+)Payments$/.exec(name)?.[1];
    if (year) paymentsByFundYear[Number(year)] = Number(value);
    const cell = CELL.exec(name);
    if (!cell) continue;
    const [, measure, fundYear, category, purpose] = cell;
    const key = `${fundYear}|${category}|${purpose}`;
    const totals = cells.get(key) ?? {
      fundYear: Number(fundYear),
      category: category as Category,
      purpose: purpose as FundingPurpose,
      count: 0,
      amountEurCents: 0,
      amountGbpPence: 0,
    };
    if (measure === 'count') totals.count = Number(value);
    else if (measure === 'eur') totals.amountEurCents = Number(value);
    else totals.amountGbpPence = Number(value);
    cells.set(key, totals);
  }
  return {
    seq: Number(Item?.seq ?? 0),
    hash: String(Item?.hash ?? GENESIS_HASH),
    paymentsByFundYear,
    cells: [...cells.values()],
  };
}

async function getRecord(seq: number): Promise<LedgerRecord | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: fundTable(), Key: recordKey(seq), ConsistentRead: true }),
  );
  return Item ? toLedgerRecord(Item) : undefined;
}

/**
 * Moves the head from `from` to `record`, counting the payment in its fund year and adding it to its
 * cell's totals; the condition on `seq` makes that happen once. Losing the race means someone else
 * already did it.
 */
async function advanceHead(from: number, record: LedgerRecord): Promise<void> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: HEAD_KEY,
        UpdateExpression:
          'SET seq = :seq, #hash = :hash ADD #fyCount :one, #count :one, #eur :eur, #gbp :gbp',
        ConditionExpression: from === 0 ? 'attribute_not_exists(seq)' : 'seq = :from',
        ExpressionAttributeNames: {
          '#hash': 'hash',
          '#fyCount': fundYearCount(record.fundYear),
          '#count': cellAttribute('count', record),
          '#eur': cellAttribute('eur', record),
          '#gbp': cellAttribute('gbp', record),
        },
        ExpressionAttributeValues: {
          ':seq': record.seq,
          ':hash': record.hash,
          ':one': 1,
          ':eur': record.amountEurCents,
          ':gbp': record.amountGbpPence,
          ...(from === 0 ? {} : { ':from': from }),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

async function append(
  entry: Omit<LedgerRecord, 'seq' | 'prevHash' | 'hash' | 'paymentReference'>,
): Promise<LedgerRecord> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const head = await getHead();
    const orphan = await getRecord(head.seq + 1);
    if (orphan) {
      // A previous appender wrote the record but not the head: finish its work, then go on.
      await advanceHead(head.seq, orphan);
      continue;
    }
    const seq = head.seq + 1;
    const record = sealEntry({
      ...entry,
      seq,
      prevHash: head.hash,
      paymentReference: paymentReference(entry.fundYear, (head.paymentsByFundYear[entry.fundYear] ?? 0) + 1),
    });
    try {
      await documents.send(
        new PutCommand({
          TableName: fundTable(),
          Item: { ...recordKey(seq), type: 'LedgerRecord', ...indexesFor(record), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) continue; // another appender took this seq
      throw error;
    }
    await advanceHead(head.seq, record);
    return record;
  }
  throw new WorkflowError('Ledger.Contention', 'Could not append to the ledger; retry');
}

/**
 * How long a payer owns its claim before another may take it over (a crashed payer's claim). Longer
 * than any Lambda run plus index lag, so a live payer is never overtaken.
 */
export const CLAIM_LEASE_MS = 120_000;
const WAIT_FOR_OWNER_MS = 5_000;

/**
 * Pays one funding line once, whoever asks and however often. A claim item under the proposal
 * (conditional put) names one owner; only the owner appends to the ledger. Anyone else waits briefly
 * for the owner's record, and otherwise answers `Ledger.ClaimInProgress` (retryable). A claim whose
 * owner vanished is taken over after its lease with a conditional update on the old owner, and the
 * new owner first looks for a record the old one may have appended, so nothing is paid twice.
 */
export async function disburseOnce(
  request: DisbursementRequest,
  now: string,
): Promise<{ record: LedgerRecord; created: boolean }> {
  const disbursementId = `${request.proposalId}/FY${request.fundYear}/${request.purpose}`;
  const key = claimKey(request.proposalId, request.fundYear, request.purpose);
  const figures = amount(request.amountEurCents, request.rate);
  const owner = randomUUID();
  let owned = false;
  try {
    await documents.send(
      new PutCommand({
        TableName: fundTable(),
        Item: {
          ...key,
          type: 'DisbursementClaim',
          disbursementId,
          fundYear: request.fundYear,
          purpose: request.purpose,
          amountEurCents: figures.eurCents,
          amountGbpPence: figures.gbpPence,
          claimedAt: now,
          owner,
          leaseUntil: Date.now() + CLAIM_LEASE_MS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    owned = true;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  if (!owned) {
    const settled = await waitForOwner(key, disbursementId, figures.eurCents);
    if (settled) return { record: settled, created: false };
    owned = await takeOverStaleClaim(key, owner);
    if (!owned)
      throw new WorkflowError(
        'Ledger.ClaimInProgress',
        `${disbursementId} is being paid by another run; retry`,
      );
  }
  const found = await findInLedger(request.proposalId, disbursementId);
  const record =
    found ??
    (await append({
      disbursementId,
      proposalId: request.proposalId,
      title: request.title,
      category: request.category,
      purpose: request.purpose,
      fundYear: request.fundYear,
      amountEurCents: figures.eurCents,
      amountGbpPence: figures.gbpPence,
      rate: request.rate,
      recordedAt: now,
    }));
  await documents.send(
    new UpdateCommand({
      TableName: fundTable(),
      Key: key,
      UpdateExpression: 'SET ledgerSeq = :seq, paymentReference = :ref, disbursedAt = :at',
      ExpressionAttributeValues: {
        ':seq': record.seq,
        ':ref': record.paymentReference,
        ':at': record.recordedAt,
      },
    }),
  );
  return { record, created: !found };
}

/** A claim someone else holds: its record once the owner finishes (polled briefly), or undefined. */
async function waitForOwner(
  key: { pk: string; sk: string },
  disbursementId: string,
  eurCents: number,
): Promise<LedgerRecord | undefined> {
  const deadline = Date.now() + WAIT_FOR_OWNER_MS;
  for (;;) {
    const { Item } = await documents.send(
      new GetCommand({ TableName: fundTable(), Key: key, ConsistentRead: true }),
    );
    if (Item && Number(Item.amountEurCents) !== eurCents) {
      throw new WorkflowError('Ledger.AmountMismatch', `${disbursementId} was claimed with another amount`);
    }
    if (Item?.ledgerSeq !== undefined) {
      const existing = await getRecord(Number(Item.ledgerSeq));
      if (existing) return existing;
    }
    if (Date.now() > deadline || Number(Item?.leaseUntil ?? 0) < Date.now()) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Takes a claim whose lease ran out (its owner crashed); false if it is still someone's. */
async function takeOverStaleClaim(key: { pk: string; sk: string }, owner: string): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: key,
        UpdateExpression: 'SET #owner = :owner, leaseUntil = :lease',
        ConditionExpression:
          'attribute_not_exists(ledgerSeq) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: {
          ':owner': owner,
          ':lease': Date.now() + CLAIM_LEASE_MS,
          ':now': Date.now(),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

async function findInLedger(proposalId: string, disbursementId: string): Promise<LedgerRecord | undefined> {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: fundTable(),
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk',
      FilterExpression: 'disbursementId = :id',
      ExpressionAttributeValues: { ':pk': `DISB#P#${proposalId}`, ':id': disbursementId },
    }),
  );
  return Items[0] ? toLedgerRecord(Items[0]) : undefined;
}

/** Every record in sequence order, page by page (for verification). */
export async function* allRecords(): AsyncGenerator<LedgerRecord> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: fundTable(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'LEDGER', ':prefix': 'SEQ#' },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) yield toLedgerRecord(item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

export interface DisbursementFilter {
  fundYear?: number;
  category?: Category;
  purpose?: FundingPurpose;
  proposalId?: string;
  /** Inclusive ISO bounds on the record time. */
  from?: string;
  to?: string;
}

/** The index that serves a filter best; the other criteria become a filter on that query. */
export function planQuery(filter: DisbursementFilter) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const filters: string[] = [];
  let index: 'gsi1' | 'gsi2' | 'gsi3' | undefined;
  let keyCondition: string;
  if (filter.proposalId) {
    index = 'gsi3';
    values[':pk'] = `DISB#P#${filter.proposalId}`;
  } else if (filter.fundYear !== undefined) {
    index = 'gsi1';
    values[':pk'] = `DISB#FY#${filter.fundYear}`;
  } else if (filter.category) {
    index = 'gsi2';
    values[':pk'] = `DISB#CAT#${filter.category}`;
  }
  if (index) {
    keyCondition = `${index}pk = :pk`;
    if (filter.from || filter.to) {
      keyCondition += ` AND ${index}sk BETWEEN :from AND :to`;
      values[':from'] = filter.from ?? '';
      values[':to'] = `${filter.to ?? '9999'}~`;
    }
  } else {
    keyCondition = 'pk = :pk AND begins_with(sk, :prefix)';
    values[':pk'] = 'LEDGER';
    values[':prefix'] = 'SEQ#';
    if (filter.from) {
      filters.push('recordedAt >= :from');
      values[':from'] = filter.from;
    }
    if (filter.to) {
      filters.push('recordedAt <= :to');
      values[':to'] = `${filter.to}~`;
    }
  }
  if (filter.fundYear !== undefined && index !== 'gsi1') {
    filters.push('fundYear = :fundYear');
    values[':fundYear'] = filter.fundYear;
  }
  if (filter.category && index !== 'gsi2') {
    filters.push('category = :category');
    values[':category'] = filter.category;
  }
  if (filter.purpose) {
    filters.push('purpose = :purpose');
    values[':purpose'] = filter.purpose;
  }
  return {
    index,
    keyCondition,
    filterExpression: filters.length > 0 ? filters.join(' AND ') : undefined,
    names,
    values,
    cursorKeys: index ? ['pk', 'sk', `${index}pk`, `${index}sk`] : ['pk', 'sk'],
  };
}

/**
 * A cursor must continue the same query: the same index partition and, with a time range, a key
 * inside it. DynamoDB refuses a start key outside the query's boundaries (a ValidationException),
 * so a cursor from another filter is caught here and answered as the caller's mistake.
 */
export function cursorFitsFilter(startKey: Record<string, string>, filter: DisbursementFilter): boolean {
  const plan = planQuery(filter);
  if (startKey.pk !== 'LEDGER' || !startKey.sk?.startsWith('SEQ#')) return false;
  if (!plan.index) return true;
  if (startKey[`${plan.index}pk`] !== plan.values[':pk']) return false;
  if (plan.values[':from'] === undefined) return true;
  const sortKey = startKey[`${plan.index}sk`] ?? '';
  return sortKey >= String(plan.values[':from']) && sortKey <= String(plan.values[':to']);
}

/** One page of the query a filter plans. */
function readPage(
  plan: ReturnType<typeof planQuery>,
  limit: number,
  from: Record<string, unknown> | undefined,
): Promise<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }> {
  return documents.send(
    new QueryCommand({
      TableName: fundTable(),
      IndexName: plan.index,
      KeyConditionExpression: plan.keyCondition,
      FilterExpression: plan.filterExpression,
      ExpressionAttributeNames: Object.keys(plan.names).length > 0 ? plan.names : undefined,
      ExpressionAttributeValues: plan.values,
      Limit: limit,
      ExclusiveStartKey: from,
    }),
  );
}

export async function queryDisbursements(
  filter: DisbursementFilter,
  limit: number,
  startKey?: Record<string, string>,
): Promise<{ items: LedgerRecord[]; lastKey?: Record<string, unknown> }> {
  const plan = planQuery(filter);
  const items: LedgerRecord[] = [];
  let key: Record<string, unknown> | undefined = startKey;
  do {
    const page = await readPage(plan, limit - items.length, key);
    items.push(...(page.Items ?? []).map(toLedgerRecord));
    key = page.LastEvaluatedKey;
  } while (key && items.length < limit);
  // DynamoDB hands back a key whenever a page is full, even at the very end: look ahead so that a
  // cursor is given only when there is more to read.
  let probe = key;
  while (probe) {
    const ahead = await readPage(plan, 25, probe);
    if ((ahead.Items ?? []).length > 0) break;
    probe = ahead.LastEvaluatedKey;
  }
  return key && probe ? { items, lastKey: key } : { items };
}

/**
 * The totals of a whole selection, every page of it. Without a proposal or a time range they are the
 * sum of the head's maintained cells (one read, whatever the ledger's size); a proposal's records are
 * few; a time range is walked through its index (amounts only), so the cost follows the selection.
 */
export async function selectionTotals(filter: DisbursementFilter): Promise<LedgerTotals> {
  const totals: LedgerTotals = { count: 0, amountEurCents: 0, amountGbpPence: 0 };
  const head = !filter.proposalId && !filter.from && !filter.to ? await getHead() : undefined;
  // The cells count every record once; a ledger written before they existed is walked instead.
  if (head && head.cells.reduce((sum, cell) => sum + cell.count, 0) === head.seq) {
    for (const cell of head.cells) {
      if (filter.fundYear !== undefined && cell.fundYear !== filter.fundYear) continue;
      if (filter.category && cell.category !== filter.category) continue;
      if (filter.purpose && cell.purpose !== filter.purpose) continue;
      totals.count += cell.count;
      totals.amountEurCents += cell.amountEurCents;
      totals.amountGbpPence += cell.amountGbpPence;
    }
    return totals;
  }
  const plan = planQuery(filter);
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: fundTable(),
        IndexName: plan.index,
        KeyConditionExpression: plan.keyCondition,
        FilterExpression: plan.filterExpression,
        ProjectionExpression: 'amountEurCents, amountGbpPence',
        ExpressionAttributeValues: plan.values,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      totals.count += 1;
      totals.amountEurCents += Number(item.amountEurCents);
      totals.amountGbpPence += Number(item.amountGbpPence);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return totals;
}

/**
 * A selection page by page (bounded pages, so a caller holds little), each record with the key a
 * cursor after it would carry.
 */
export async function* disbursementPages(
  filter: DisbursementFilter,
  startKey?: Record<string, string>,
): AsyncGenerator<{ record: LedgerRecord; key: Record<string, unknown> }[]> {
  const plan = planQuery(filter);
  let from: Record<string, unknown> | undefined = startKey;
  do {
    const page = await readPage(plan, 500, from);
    const items = page.Items ?? [];
    if (items.length > 0)
      yield items.map((item) => ({
        record: toLedgerRecord(item),
        key: Object.fromEntries(plan.cursorKeys.map((name) => [name, item[name]])),
      }));
    from = page.LastEvaluatedKey;
  } while (from);
}

/** What each fund year has disbursed, from the head's maintained cells (one read). */
export async function disbursedByFundYear(): Promise<Map<number, number>> {
  const disbursed = new Map<number, number>();
  for (const cell of (await getHead()).cells)
    disbursed.set(cell.fundYear, (disbursed.get(cell.fundYear) ?? 0) + cell.amountEurCents);
  return disbursed;
}
