/**
 * The append-only, hash-chained disbursement ledger. Records live in one partition in sequence
 * order (`LEDGER` / `SEQ#n`); a head item names the last one and keeps the ledger's counters.
 *
 * Paying is two steps, so that the rate does not fall as load rises:
 *   1. a payment is claimed: one conditional put keyed by (proposal, year, purpose), so it exists
 *      once whoever asks and however often; an unchained claim sits in a sparse index;
 *   2. one appender at a time (a short lease on the head) chains every unchained claim in a batch,
 *      in claim order: conditional puts of records n+1..n+k, one conditional move of the head (its
 *      sequence, hash, per-year counters and totals), then each claim is marked with its record.
 * Every payer takes the lease when it is free, so no trigger is needed (the local cloud could not
 * emulate a stream faithfully) and a batch carries everything claimed meanwhile. A crash between
 * the steps is repaired by the next appender: records beyond the head are walked over, and the
 * head names its last batch, whose claims are marked again (idempotent).
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../../platform/dynamodb.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { fundTable, proposalKey } from '../../platform/keys.ts';
import type { Category, FundingPurpose } from '../../proposals/domain/categories.ts';
import { GENESIS_HASH, hashEntry, type LedgerRecord, paymentReference, sealEntry } from '../domain/ledger.ts';
import { amount, type ExchangeRate } from '../domain/money.ts';
import { ledgerKey, sealMessage } from '../ledger-key.ts';

const HEAD_KEY = { pk: 'LEDGER', sk: 'HEAD' };
const recordKey = (seq: number) => ({ pk: 'LEDGER', sk: `SEQ#${String(seq).padStart(12, '0')}` });
const claimKey = (proposalId: string, fundYear: number, purpose: FundingPurpose) => ({
  pk: proposalKey(proposalId).pk,
  sk: `DISBURSEMENT#FY${fundYear}#${purpose}`,
});
/** The sparse index partition of claims not yet in the ledger, in claim order. */
const UNCHAINED = 'LEDGER#UNCHAINED';
/** The index partition of chained claims, by record sequence. */
const CHAINED_CLAIMS = 'LEDGER#CLAIMS';

export interface DisbursementRequest {
  proposalId: string;
  title: string;
  category: Category;
  purpose: FundingPurpose;
  fundYear: number;
  amountEurCents: number;
  rate: ExchangeRate;
}

/** The item a ledger record is stored as: its key, its three index keys, the record. */
export function ledgerRecordItem(record: LedgerRecord): Record<string, unknown> {
  return { ...recordKey(record.seq), type: 'LedgerRecord', ...indexesFor(record), ...record };
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
  /** How many head moves (batches) made the chain: far fewer than records under load. */
  batches: number;
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
    batches: Number(Item?.batches ?? 0),
    cells: [...cells.values()],
  };
}

async function getRecord(seq: number): Promise<LedgerRecord | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: fundTable(), Key: recordKey(seq), ConsistentRead: true }),
  );
  return Item ? toLedgerRecord(Item) : undefined;
}

/** A claim's mark once its record is in the ledger (what the head's last batch names, too). */
interface ChainedMark {
  proposalId: string;
  fundYear: number;
  purpose: FundingPurpose;
  seq: number;
  paymentReference: string;
  recordedAt: string;
}

const markOf = (record: LedgerRecord): ChainedMark => ({
  proposalId: record.proposalId,
  fundYear: record.fundYear,
  purpose: record.purpose,
  seq: record.seq,
  paymentReference: record.paymentReference,
  recordedAt: record.recordedAt,
});

/**
 * Moves the head from `from` over `records` (n+1..n+k): its sequence and hash, each fund year's
 * payment count and each (fund year, category, purpose) cell's totals, and the batch whose claims are
 * still to be marked, in one update conditional on `seq`, so every record is counted exactly once.
 * False when someone else moved the head first.
 */
async function advanceHead(from: number, records: LedgerRecord[]): Promise<boolean> {
  const last = records.at(-1);
  if (!last) return true;
  const names: Record<string, string> = { '#hash': 'hash' };
  const values: Record<string, unknown> = {
    ':seq': last.seq,
    ':hash': last.hash,
    ':batch': records.map(markOf),
  };
  const adds = new Map<string, number>([['batches', 1]]);
  const add = (attribute: string, by: number) => adds.set(attribute, (adds.get(attribute) ?? 0) + by);
  for (const record of records) {
    add(fundYearCount(record.fundYear), 1);
    add(cellAttribute('count', record), 1);
    add(cellAttribute('eur', record), record.amountEurCents);
    add(cellAttribute('gbp', record), record.amountGbpPence);
  }
  const addClauses = [...adds].map(([attribute, by], i) => {
    names[`#a${i}`] = attribute;
    values[`:a${i}`] = by;
    return `#a${i} :a${i}`;
  });
  if (from !== 0) values[':from'] = from;
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: HEAD_KEY,
        UpdateExpression: `SET seq = :seq, #hash = :hash, lastBatch = :batch ADD ${addClauses.join(', ')}`,
        ConditionExpression: from === 0 ? 'attribute_not_exists(seq)' : 'seq = :from',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Marks each claim of a batch with its record (idempotent), then clears the head's note of it. */
async function markBatch(headSeq: number, batch: ChainedMark[]): Promise<void> {
  await Promise.all(
    batch.map((mark) =>
      documents.send(
        new UpdateCommand({
          TableName: fundTable(),
          Key: claimKey(mark.proposalId, mark.fundYear, mark.purpose),
          UpdateExpression:
            'SET ledgerSeq = :seq, paymentReference = :ref, disbursedAt = :at, gsi2pk = :claims, gsi2sk = :seqKey REMOVE gsi1pk, gsi1sk',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':seq': mark.seq,
            ':ref': mark.paymentReference,
            ':at': mark.recordedAt,
            // Chained claims in sequence order: what verification checks the ledger against.
            ':claims': CHAINED_CLAIMS,
            ':seqKey': String(mark.seq).padStart(12, '0'),
          },
        }),
      ),
    ),
  );
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: HEAD_KEY,
        UpdateExpression: 'REMOVE lastBatch',
        ConditionExpression: 'seq = :seq',
        ExpressionAttributeValues: { ':seq': headSeq },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** How long an appender owns the head; it starts no batch after APPEND_WINDOW_MS of it. */
const LEASE_MS = 15_000;
const APPEND_WINDOW_MS = 5_000;
const BATCH_SIZE = 100;

async function takeLease(owner: string): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: HEAD_KEY,
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
        ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
        ExpressionAttributeValues: { ':owner': owner, ':until': Date.now() + LEASE_MS, ':now': Date.now() },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

async function releaseLease(owner: string): Promise<void> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: HEAD_KEY,
        UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** Finishes what a crashed appender left: its batch's marks, then records beyond the head. */
async function repair(): Promise<void> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: fundTable(), Key: HEAD_KEY, ConsistentRead: true }),
  );
  const seq = Number(Item?.seq ?? 0);
  if (Array.isArray(Item?.lastBatch)) await markBatch(seq, Item.lastBatch as ChainedMark[]);
  // Only records that chain from the head (a stray beyond a gap is not part of the ledger).
  const orphans: LedgerRecord[] = [];
  let previousHash = String(Item?.hash ?? GENESIS_HASH);
  for (let next = await getRecord(seq + 1); next; next = await getRecord(next.seq + 1)) {
    if (next.prevHash !== previousHash || hashEntry(next) !== next.hash) break;
    orphans.push(next);
    previousHash = next.hash;
  }
  if (orphans.length > 0 && (await advanceHead(seq, orphans)))
    await markBatch(orphans.at(-1)?.seq ?? seq, orphans.map(markOf));
}

/** Claims not yet chained, in claim order, read again consistently (an index may lag behind). */
async function unchainedClaims(own?: { pk: string; sk: string }): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: fundTable(),
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': UNCHAINED },
      ProjectionExpression: 'pk, sk',
      Limit: BATCH_SIZE - 1, // room for the caller's own claim: a BatchGet takes at most 100 keys
    }),
  );
  const keys = Items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
  if (own && !keys.some((k) => k.pk === own.pk && k.sk === own.sk)) keys.push(own);
  if (keys.length === 0) return [];
  const claims: Record<string, unknown>[] = [];
  let pending: { pk: string; sk: string }[] = keys;
  while (pending.length > 0) {
    const { Responses, UnprocessedKeys } = await documents.send(
      new BatchGetCommand({ RequestItems: { [fundTable()]: { Keys: pending, ConsistentRead: true } } }),
    );
    claims.push(...(Responses?.[fundTable()] ?? []));
    pending = (UnprocessedKeys?.[fundTable()]?.Keys ?? []) as { pk: string; sk: string }[];
  }
  return claims
    .filter((claim) => claim.ledgerSeq === undefined && claim.gsi1pk === UNCHAINED)
    .sort((a, b) => String(a.gsi1sk).localeCompare(String(b.gsi1sk)));
}

/**
 * Writes a batch's records n+1..n+k (conditional puts, in parallel) and answers the prefix that
 * chains from the head. A seat already taken by a record that does not chain (a stray left by an
 * appender that crashed or lost its lease mid-batch: never under the head, its claim never marked) is
 * taken over, conditional on that very stray; a seat taken by a record that chains means another
 * appender is at work, and the batch stops there.
 */
async function writeRecords(headHash: string, records: LedgerRecord[]): Promise<LedgerRecord[]> {
  const put = (record: LedgerRecord, stray?: string) =>
    documents.send(
      new PutCommand({
        TableName: fundTable(),
        Item: ledgerRecordItem(record),
        ConditionExpression: stray ? '#hash = :stray' : 'attribute_not_exists(pk)',
        ...(stray
          ? { ExpressionAttributeNames: { '#hash': 'hash' }, ExpressionAttributeValues: { ':stray': stray } }
          : {}),
      }),
    );
  const results = await Promise.allSettled(records.map((record) => put(record)));
  const written: LedgerRecord[] = [];
  let previousHash = headHash;
  for (const [i, record] of records.entries()) {
    const result = results[i];
    if (result?.status === 'rejected') {
      if (!(result.reason instanceof ConditionalCheckFailedException)) throw result.reason;
      const seated = await getRecord(record.seq);
      if (!seated || seated.prevHash === previousHash) break;
      try {
        await put(record, seated.hash);
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) break;
        throw error;
      }
    }
    written.push(record);
    previousHash = record.hash;
  }
  return written;
}

/**
 * Under the lease: chains every unchained claim, a batch at a time, in claim order: the records, then
 * one move of the head, then the claims' marks. Conditional puts keep the chain from forking even if
 * a lease ran out under a slow appender.
 */
async function chainClaims(own?: { pk: string; sk: string }): Promise<void> {
  const started = Date.now();
  await repair();
  while (Date.now() - started < APPEND_WINDOW_MS) {
    const claims = await unchainedClaims(own);
    if (claims.length === 0) return;
    const head = await getHead();
    const counts = { ...head.paymentsByFundYear };
    const records: LedgerRecord[] = [];
    let previous = { seq: head.seq, hash: head.hash };
    for (const claim of claims) {
      const fundYear = Number(claim.fundYear);
      counts[fundYear] = (counts[fundYear] ?? 0) + 1;
      const record = sealEntry({
        seq: previous.seq + 1,
        disbursementId: String(claim.disbursementId),
        proposalId: String(claim.proposalId),
        title: String(claim.title),
        category: claim.category as Category,
        purpose: claim.purpose as FundingPurpose,
        fundYear,
        amountEurCents: Number(claim.amountEurCents),
        amountGbpPence: Number(claim.amountGbpPence),
        rate: claim.rate as ExchangeRate,
        paymentReference: paymentReference(fundYear, counts[fundYear] ?? 1),
        recordedAt: String(claim.claimedAt),
        prevHash: previous.hash,
      });
      records.push(record);
      previous = record;
    }
    // Sealed with the key held outside the table (funding/ledger-key.ts).
    const key = ledgerKey();
    await Promise.all(
      records.map(async (record) => {
        record.mac = await key.sign(sealMessage(record.seq, record.hash));
      }),
    );
    const written = await writeRecords(head.hash, records);
    const last = written.at(-1);
    if (!last || !(await advanceHead(head.seq, written))) return;
    await markBatch(last.seq, written.map(markOf));
    // Go on while claims keep coming: a payer that claimed meanwhile need not take the lease itself.
  }
}

/**
 * Whether this call is the first to see the payment in the ledger (one conditional write on the
 * claim): that call tells finance, however many runs (retries, races) paid the same line.
 */
async function announce(key: { pk: string; sk: string }, now: string): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: key,
        UpdateExpression: 'SET announcedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(announcedAt)',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** How long a payer waits for its claim to be chained before the flow retries. */
const WAIT_FOR_CHAIN_MS = 20_000;

/**
 * Pays one funding line once, whoever asks and however often: claims it (one conditional put), then
 * appends every pending claim if the head's lease is free, or waits while another payer does.
 * Answers the line's record; `created` is true for exactly one call (see `announce`). A claim not chained
 * within WAIT_FOR_CHAIN_MS answers `Ledger.ClaimInProgress` (retryable): the claim stays and is
 * chained by the next appender, so a retry finds it.
 */
export async function disburseOnce(
  request: DisbursementRequest,
  now: string,
): Promise<{ record: LedgerRecord; created: boolean }> {
  const disbursementId = `${request.proposalId}/FY${request.fundYear}/${request.purpose}`;
  const key = claimKey(request.proposalId, request.fundYear, request.purpose);
  const figures = amount(request.amountEurCents, request.rate);
  try {
    await documents.send(
      new PutCommand({
        TableName: fundTable(),
        Item: {
          ...key,
          type: 'DisbursementClaim',
          disbursementId,
          proposalId: request.proposalId,
          title: request.title,
          category: request.category,
          purpose: request.purpose,
          fundYear: request.fundYear,
          amountEurCents: figures.eurCents,
          amountGbpPence: figures.gbpPence,
          rate: request.rate,
          claimedAt: now,
          gsi1pk: UNCHAINED,
          gsi1sk: `${now}#${disbursementId}`,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  const { Item } = await documents.send(
    new GetCommand({ TableName: fundTable(), Key: key, ConsistentRead: true }),
  );
  if (Item && Number(Item.amountEurCents) !== figures.eurCents) {
    throw new WorkflowError('Ledger.AmountMismatch', `${disbursementId} was claimed with another amount`);
  }
  const seq = Item?.ledgerSeq !== undefined ? Number(Item.ledgerSeq) : await chained(key, disbursementId);
  const record = await getRecord(seq);
  if (!record)
    throw new WorkflowError(
      'Ledger.ClaimInProgress',
      `${disbursementId}: record ${seq} not found yet; retry`,
    );
  return { record, created: await announce(key, now) };
}

interface Waiter {
  key: { pk: string; sk: string };
  disbursementId: string;
  deadline: number;
  resolve(seq: number): void;
  reject(error: Error): void;
}

/**
 * The payers of this process waiting for their claims to be chained share one loop: it takes the
 * lease when free and appends, then reads every waiting claim in one consistent BatchGet. In Lambda a
 * container serves one payer at a time; in one process serving many (the local cloud) the waiting
 * costs one poll, not one per payer, so it does not crowd the database the appender writes to.
 */
const waiters = new Set<Waiter>();
let pumping = false;

function chained(key: { pk: string; sk: string }, disbursementId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    waiters.add({ key, disbursementId, deadline: Date.now() + WAIT_FOR_CHAIN_MS, resolve, reject });
    if (!pumping) {
      pumping = true;
      void runPump();
    }
  });
}

async function runPump(): Promise<void> {
  const owner = randomUUID();
  for (let idle = 0; waiters.size > 0; ) {
    try {
      const first = waiters.values().next().value;
      if (await takeLease(owner)) {
        try {
          await chainClaims(first?.key);
        } finally {
          await releaseLease(owner);
        }
      }
      let settled = 0;
      // One read per claim, however many payers wait for it (a BatchGet refuses duplicate keys).
      const byKey = new Map<string, Waiter[]>();
      for (const waiter of waiters) {
        const id = `${waiter.key.pk}|${waiter.key.sk}`;
        byKey.set(id, [...(byKey.get(id) ?? []), waiter]);
      }
      const ids = [...byKey.keys()];
      for (let i = 0; i < ids.length; i += 100) {
        const keys = ids.slice(i, i + 100).map((id) => byKey.get(id)?.[0]?.key ?? { pk: '', sk: '' });
        const { Responses } = await documents.send(
          new BatchGetCommand({
            RequestItems: {
              [fundTable()]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'pk, sk, ledgerSeq' },
            },
          }),
        );
        for (const item of Responses?.[fundTable()] ?? []) {
          if (item.ledgerSeq === undefined) continue;
          for (const waiter of byKey.get(`${item.pk}|${item.sk}`) ?? []) {
            waiters.delete(waiter);
            waiter.resolve(Number(item.ledgerSeq));
            settled += 1;
          }
        }
      }
      for (const waiter of [...waiters]) {
        if (Date.now() <= waiter.deadline) continue;
        waiters.delete(waiter);
        waiter.reject(
          new WorkflowError(
            'Ledger.ClaimInProgress',
            `${waiter.disbursementId} is not in the ledger yet; retry`,
          ),
        );
      }
      idle = settled > 0 ? 0 : idle + 1;
    } catch (error) {
      // A database error ends every wait with it: each payer's flow retries its own step.
      for (const waiter of waiters) waiter.reject(error as Error);
      waiters.clear();
    }
    if (waiters.size === 0) break;
    // Someone else holds the lease (probably appending these claims too): look again shortly.
    const pause = Math.min(1_000, 50 * 2 ** idle);
    await new Promise((resolve) => setTimeout(resolve, pause / 2 + Math.random() * pause));
  }
  // In the same turn as the loop's last look at `waiters`: a payer arriving later starts a new loop.
  pumping = false;
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

/** A chained claim as verification reads it. */
export interface ChainedClaim {
  seq: number;
  disbursementId: string;
  amountEurCents: number;
}

/** Every chained claim in record-sequence order, page by page (one index partition). */
export async function* chainedClaims(): AsyncGenerator<ChainedClaim> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: fundTable(),
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': CHAINED_CLAIMS },
        ProjectionExpression: 'ledgerSeq, disbursementId, amountEurCents',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? [])
      yield {
        seq: Number(item.ledgerSeq),
        disbursementId: String(item.disbursementId),
        amountEurCents: Number(item.amountEurCents),
      };
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
