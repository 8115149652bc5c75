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
 * Requests are counted: taking the lease reads the head (the write answers it as it was), each move
 * of the head answers the head the next batch follows, the payers this process chained are settled
 * with their records, and the look beyond the head is skipped only when the holder before gave the
 * lease back tidy (everything it wrote under the head, its last batch marked) and the head has not
 * moved since: anything else (a crash, an error, a seat taken, a lease run out) leaves it to be done.
 */
import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { WorkflowError } from '../../platform/errors.ts';
import {
  disbursementClaimKey,
  INDEX_PK,
  type ItemKey,
  LEDGER_PK,
  ledgerHeadKey,
  ledgerRecordKey,
  SK_PREFIX,
  seqKey,
} from '../../platform/keys.ts';
import {
  codec,
  getItem,
  getMany,
  type Item,
  keyOf,
  putIf,
  putIfNew,
  queryPage,
  queryPages,
  queryUpTo,
  setOnce,
  updateExisting,
  updateFromOld,
  updateIf,
  updateOnce,
} from '../../platform/table.ts';
import {
  CATEGORIES,
  type Category,
  FUNDING_PURPOSES,
  type FundingPurpose,
} from '../../proposals/domain/categories.ts';
import {
  GENESIS_HASH,
  hashEntry,
  type LedgerEntry,
  type LedgerRecord,
  paymentReference,
  sealEntry,
} from '../domain/ledger.ts';
import { amount } from '../domain/money.ts';
import { ledgerKey, sealMessage } from '../ledger-key.ts';
import { type DisbursementClaim, disbursementClaim, paymentEntries, purpose } from './claims.ts';

const ledgerRecord = codec(
  'LedgerRecord',
  v.object({
    seq: v.number(),
    ...paymentEntries,
    paymentReference: v.string(),
    recordedAt: v.string(),
    prevHash: v.string(),
    hash: v.string(),
    mac: v.optional(v.string()),
  }),
);

/** The three indexes a ledger record is found by: fund year, category, proposal; in time order. */
function indexesFor(record: LedgerRecord) {
  const sortKey = `${record.recordedAt}#${seqKey(record.seq)}`;
  return {
    gsi1pk: `${INDEX_PK.disbursementsOfYear}${record.fundYear}`,
    gsi1sk: sortKey,
    gsi2pk: `${INDEX_PK.disbursementsOfCategory}${record.category}`,
    gsi2sk: sortKey,
    gsi3pk: `${INDEX_PK.disbursementsOfProposal}${record.proposalId}`,
    gsi3sk: sortKey,
  };
}

/** The item a ledger record is stored as: its key, its three index keys, the record. */
export function ledgerRecordItem(record: LedgerRecord): Item {
  return { ...ledgerRecordKey(record.seq), type: ledgerRecord.type, ...indexesFor(record), ...record };
}

/** One funding line to pay: what its record will say, before the ledger numbers and converts it. */
export type DisbursementRequest = Pick<
  LedgerEntry,
  'proposalId' | 'title' | 'category' | 'purpose' | 'fundYear' | 'amountEurCents' | 'rate'
>;

/** Money and count of the records in one (fund year, category, purpose) cell. */
export interface LedgerTotals {
  count: number;
  amountEurCents: number;
  amountGbpPence: number;
}

/** A claim's mark once its record is in the ledger (what the head's last batch names, too). */
const chainedMark = v.object({
  proposalId: v.string(),
  fundYear: v.number(),
  purpose,
  seq: v.number(),
  paymentReference: v.string(),
  recordedAt: v.string(),
});
type ChainedMark = v.InferOutput<typeof chainedMark>;

const markOf = (record: LedgerRecord): ChainedMark => ({
  proposalId: record.proposalId,
  fundYear: record.fundYear,
  purpose: record.purpose,
  seq: record.seq,
  paymentReference: record.paymentReference,
  recordedAt: record.recordedAt,
});

/**
 * The head: the last record, how many payments each fund year has (its references' numbers) and
 * the totals of every (fund year, category, purpose) cell, all moved by one conditional update per
 * append, so a total counts each record exactly once and is read in one item whatever the table's size.
 */
export type LedgerHead = {
  seq: number;
  hash: string;
  paymentsByFundYear: Record<number, number>;
  /** How many head moves (batches) made the chain: far fewer than records under load. */
  batches: number;
  cells: (LedgerTotals & { fundYear: number; category: Category; purpose: FundingPurpose })[];
  /** The batch whose claims are still to be marked (a crash between the head's move and the marks). */
  lastBatch: ChainedMark[];
};

const fundYearCount = (fundYear: number) => `fy${fundYear}Payments`;
const FUND_YEAR_COUNT = /^fy(\d+)Payments$/;
const CELL = new RegExp(
  `^(count|eur|gbp)\\|(\\d+)\\|(${CATEGORIES.join('|')})\\|(${FUNDING_PURPOSES.join('|')})$`,
);
const cellAttribute = (
  measure: 'count' | 'eur' | 'gbp',
  record: Pick<LedgerRecord, 'fundYear' | 'category' | 'purpose'>,
) => `${measure}|${record.fundYear}|${record.category}|${record.purpose}`;

/**
 * The head item: made by the first lease (so every field may be missing), its counters kept as one
 * numeric attribute each (`fy<n>Payments`, `<measure>|<year>|<category>|<purpose>`) for `ADD`.
 */
const ledgerHead = codec(
  'LedgerHead',
  v.pipe(
    v.looseObject({
      seq: v.optional(v.number(), 0),
      hash: v.optional(v.string(), GENESIS_HASH),
      batches: v.optional(v.number(), 0),
      lastBatch: v.optional(v.array(chainedMark), () => []),
    }),
    v.transform(({ seq, hash, batches, lastBatch, ...counters }): LedgerHead => {
      const paymentsByFundYear: Record<number, number> = {};
      const cells = new Map<string, LedgerHead['cells'][number]>();
      for (const [name, value] of Object.entries(counters)) {
        if (typeof value !== 'number') continue;
        const year = FUND_YEAR_COUNT.exec(name)?.[1];
        if (year) paymentsByFundYear[Number(year)] = value;
        const [, measure, fundYear, cellCategory, cellPurpose] = CELL.exec(name) ?? [];
        const known = {
          category: CATEGORIES.find((c) => c === cellCategory),
          purpose: FUNDING_PURPOSES.find((p) => p === cellPurpose),
        };
        if (!known.category || !known.purpose) continue;
        const key = `${fundYear}|${known.category}|${known.purpose}`;
        const totals = cells.get(key) ?? {
          fundYear: Number(fundYear),
          category: known.category,
          purpose: known.purpose,
          count: 0,
          amountEurCents: 0,
          amountGbpPence: 0,
        };
        if (measure === 'count') totals.count = value;
        else if (measure === 'eur') totals.amountEurCents = value;
        else totals.amountGbpPence = value;
        cells.set(key, totals);
      }
      return { seq, hash, batches, lastBatch, paymentsByFundYear, cells: [...cells.values()] };
    }),
  ),
);

const EMPTY_HEAD = ledgerHead.decode({});

export async function getHead(): Promise<LedgerHead> {
  return (await getItem(ledgerHead, ledgerHeadKey)) ?? EMPTY_HEAD;
}

function getRecord(seq: number): Promise<LedgerRecord | undefined> {
  return getItem(ledgerRecord, ledgerRecordKey(seq));
}

/**
 * Moves the head from `from` over `records` (n+1..n+k): its sequence and hash, each fund year's
 * payment count and each (fund year, category, purpose) cell's totals, and the batch whose claims are
 * still to be marked, in one update conditional on `seq`, so every record is counted exactly once.
 * Answers the head as it now is (the write returns it); undefined when someone else moved it first.
 */
async function advanceHead(from: number, records: LedgerRecord[]): Promise<LedgerHead | undefined> {
  const last = records.at(-1);
  if (!last) return undefined;
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
  const moved = await updateIf(ledgerHead, ledgerHeadKey, {
    UpdateExpression: `SET seq = :seq, #hash = :hash, lastBatch = :batch ADD ${addClauses.join(', ')}`,
    ConditionExpression: atSeq(from),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  });
  return moved.updated ? moved.record : undefined;
}

/** The head's condition "still at `seq`" (a head never moved has no `seq` yet). */
const atSeq = (seq: number) => (seq === 0 ? 'attribute_not_exists(seq)' : 'seq = :from');

/**
 * Marks each claim of a batch with its record (idempotent). The head's note of the batch stays until
 * the next batch replaces it or the lease is given back tidy: a crash before then only has the
 * next appender mark the same claims again.
 */
async function markBatch(batch: ChainedMark[]): Promise<void> {
  await Promise.all(
    batch.map((mark) =>
      updateExisting(
        disbursementClaim,
        disbursementClaimKey(mark.proposalId, mark.fundYear, mark.purpose),
        {
          UpdateExpression:
            'SET ledgerSeq = :seq, paymentReference = :ref, disbursedAt = :at, gsi2pk = :claims, gsi2sk = :seqKey REMOVE gsi1pk, gsi1sk',
          ExpressionAttributeValues: {
            ':seq': mark.seq,
            ':ref': mark.paymentReference,
            ':at': mark.recordedAt,
            // Chained claims in sequence order: what verification checks the ledger against.
            ':claims': INDEX_PK.chainedClaims,
            ':seqKey': seqKey(mark.seq),
          },
        },
        `${mark.proposalId}/FY${mark.fundYear}/${mark.purpose}`,
      ),
    ),
  );
}

/** How long an appender owns the head; it starts no batch after APPEND_WINDOW_MS of it. */
const LEASE_MS = 15_000;
const APPEND_WINDOW_MS = 5_000;
const BATCH_SIZE = 100;

/**
 * The head as the lease's taker finds it, and whether the holder before left the ledger tidy: it gave
 * the lease back saying so (`tidySeq`, which every lease taken removes) and the head has not moved
 * since. Only then is there nothing beyond the head to look for.
 */
const headAtLease = codec(
  'LedgerHead',
  v.pipe(
    v.looseObject({ seq: v.optional(v.number(), 0), tidySeq: v.optional(v.number()) }),
    v.transform((item) => ({ head: ledgerHead.decode(item), tidy: item.tidySeq === item.seq })),
  ),
);
type Lease = ReturnType<typeof headAtLease.decode>;

/** The lease if it is free, with the head as it was when taken (the same write reads it). */
async function takeLease(owner: string): Promise<Lease | undefined> {
  const taken = await updateFromOld(headAtLease, ledgerHeadKey, {
    UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until REMOVE tidySeq',
    ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
    ExpressionAttributeValues: { ':owner': owner, ':until': Date.now() + LEASE_MS, ':now': Date.now() },
  });
  if (!taken.updated) return undefined;
  // No head yet: never leased, so no record can exist. (Were it deleted, the first seat found taken
  // leaves the lease untidy, and the next holder looks beyond the head.)
  return taken.before ?? { head: EMPTY_HEAD, tidy: true };
}

/**
 * Gives the lease back. `tidy`: the holder did all it set out to do, every record it wrote is under
 * the head at `seq`, and every claim of the head's last batch is marked, so the note of that batch
 * goes and the next holder need not look beyond the head; said only if the head is still at `seq`.
 * Anything else (an error, a refusal, a head moved by another) gives it back as it is.
 */
async function releaseLease(owner: string, tidy?: { seq: number }): Promise<void> {
  if (
    tidy &&
    (await updateOnce(ledgerHeadKey, {
      UpdateExpression: 'SET tidySeq = :tidy REMOVE leaseOwner, leaseUntil, lastBatch',
      ConditionExpression: `leaseOwner = :owner AND ${atSeq(tidy.seq)}`,
      ExpressionAttributeValues: {
        ':owner': owner,
        ':tidy': tidy.seq,
        ...(tidy.seq !== 0 ? { ':from': tidy.seq } : {}),
      },
    }))
  )
    return;
  await updateOnce(ledgerHeadKey, {
    UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
    ConditionExpression: 'leaseOwner = :owner',
    ExpressionAttributeValues: { ':owner': owner },
  });
}

/**
 * Finishes what an appender that stopped left, from the head as the lease found it: its last batch's
 * marks, then, unless the holder before left the ledger tidy, records beyond the head that chain from
 * it. Answers the head to append after, and whether the repair went as planned.
 */
async function repair({
  head,
  tidy,
}: Lease): Promise<{ head: LedgerHead; repaired: LedgerRecord[]; clean: boolean }> {
  if (head.lastBatch.length > 0) await markBatch(head.lastBatch);
  if (tidy) return { head, repaired: [], clean: true };
  // Only records that chain from the head (a stray beyond a gap is not part of the ledger).
  const orphans: LedgerRecord[] = [];
  let previousHash = head.hash;
  for (let next = await getRecord(head.seq + 1); next; next = await getRecord(next.seq + 1)) {
    if (next.prevHash !== previousHash || hashEntry(next) !== next.hash) break;
    orphans.push(next);
    previousHash = next.hash;
  }
  if (orphans.length === 0) return { head, repaired: [], clean: true };
  const moved = await advanceHead(head.seq, orphans);
  if (!moved) return { head: await getHead(), repaired: [], clean: false };
  await markBatch(orphans.map(markOf));
  return { head: moved, repaired: orphans, clean: true };
}

/** Claims not yet chained, in claim order, read again consistently (an index may lag behind). */
async function unchainedClaims(own?: ItemKey): Promise<DisbursementClaim[]> {
  const { items: keys } = await queryPage(keyOf, {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': INDEX_PK.unchainedClaims },
    ProjectionExpression: 'pk, sk',
    Limit: BATCH_SIZE - 1, // room for the caller's own claim: a BatchGet takes at most 100 keys
  });
  if (own && !keys.some((k) => k.pk === own.pk && k.sk === own.sk)) keys.push(own);
  const claims = await getMany(disbursementClaim, keys);
  // In claim order: as the unchained index sorts them (`<claimedAt>#<disbursementId>`).
  return claims
    .filter((claim) => claim.ledgerSeq === undefined)
    .sort(
      (a, b) => a.claimedAt.localeCompare(b.claimedAt) || a.disbursementId.localeCompare(b.disbursementId),
    );
}

/**
 * Writes a batch's records n+1..n+k (conditional puts, in parallel) and answers the prefix that
 * chains from the head. A seat already taken by a record that does not chain (a stray left by an
 * appender that crashed or lost its lease mid-batch: never under the head, its claim never marked) is
 * taken over, conditional on that very stray; a seat taken by a record that chains means another
 * appender is at work, and the batch stops there.
 */
async function writeRecords(headHash: string, records: LedgerRecord[]): Promise<LedgerRecord[]> {
  const put = (record: LedgerRecord, condition: Parameters<typeof putIf>[3]) =>
    putIf(ledgerRecord, ledgerRecordKey(record.seq), record, condition, indexesFor(record));
  const results = await Promise.all(
    records.map((record) => put(record, { ConditionExpression: 'attribute_not_exists(pk)' })),
  );
  const written: LedgerRecord[] = [];
  let previousHash = headHash;
  for (const [i, record] of records.entries()) {
    if (!results[i]) {
      const seated = await getRecord(record.seq);
      if (!seated || seated.prevHash === previousHash) break;
      const takenOver = await put(record, {
        ConditionExpression: '#hash = :stray',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ExpressionAttributeValues: { ':stray': seated.hash },
      });
      if (!takenOver) break;
    }
    written.push(record);
    previousHash = record.hash;
  }
  return written;
}

/** What one lease's appending did: the records it chained, and whether it left the ledger tidy. */
interface Appended {
  chained: LedgerRecord[];
  /** The head it last moved to, when everything went as planned (see `releaseLease`). */
  tidy?: { seq: number };
}

/**
 * Under the lease: chains every unchained claim, a batch at a time, in claim order: the records, then
 * one move of the head, then the claims' marks. Conditional puts keep the chain from forking even if
 * a lease ran out under a slow appender. Each head move answers the head the next batch follows.
 */
async function chainClaims(lease: Lease, own?: ItemKey): Promise<Appended> {
  const started = Date.now();
  const repaired = await repair(lease);
  let { head } = repaired;
  let clean = repaired.clean;
  const chained = [...repaired.repaired];
  // The caller's own claim is looked for in the first batch only (the index may not show it yet).
  let mine = own;
  while (Date.now() - started < APPEND_WINDOW_MS) {
    const claims = await unchainedClaims(mine);
    mine = undefined;
    if (claims.length === 0) break;
    const counts = { ...head.paymentsByFundYear };
    const records: LedgerRecord[] = [];
    let previous = { seq: head.seq, hash: head.hash };
    for (const claim of claims) {
      const { fundYear } = claim;
      counts[fundYear] = (counts[fundYear] ?? 0) + 1;
      const record = sealEntry({
        seq: previous.seq + 1,
        disbursementId: claim.disbursementId,
        proposalId: claim.proposalId,
        title: claim.title,
        category: claim.category,
        purpose: claim.purpose,
        fundYear,
        amountEurCents: claim.amountEurCents,
        amountGbpPence: claim.amountGbpPence,
        rate: claim.rate,
        paymentReference: paymentReference(fundYear, counts[fundYear] ?? 1),
        recordedAt: claim.claimedAt,
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
    // A seat taken by another: some of this batch's puts may stand beyond the head.
    if (written.length < records.length) clean = false;
    const moved = written.length > 0 ? await advanceHead(head.seq, written) : undefined;
    if (!moved) {
      clean = false;
      break;
    }
    await markBatch(written.map(markOf));
    chained.push(...written);
    head = moved;
    if (!clean) break;
    // Go on while claims keep coming: a payer that claimed meanwhile need not take the lease itself.
  }
  return { chained, ...(clean ? { tidy: { seq: head.seq } } : {}) };
}

/**
 * Whether this call is the first to see the payment in the ledger (one conditional write on the
 * claim): that call tells finance, however many runs (retries, races) paid the same line.
 */
function announce(key: ItemKey, now: string): Promise<boolean> {
  return setOnce(key, 'announcedAt', now);
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
  const key = disbursementClaimKey(request.proposalId, request.fundYear, request.purpose);
  const figures = amount(request.amountEurCents, request.rate);
  const { record: claim } = await putIfNew(
    disbursementClaim,
    key,
    {
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
    },
    { gsi1pk: INDEX_PK.unchainedClaims, gsi1sk: `${now}#${disbursementId}` },
  );
  if (claim.amountEurCents !== figures.eurCents) {
    throw new WorkflowError('Ledger.AmountMismatch', `${disbursementId} was claimed with another amount`);
  }
  const found = claim.ledgerSeq !== undefined ? { seq: claim.ledgerSeq } : await chained(key, disbursementId);
  // The record this process chained comes with it; one chained elsewhere (or earlier) is read.
  const record = found.record ?? (await getRecord(found.seq));
  if (!record)
    throw new WorkflowError(
      'Ledger.ClaimInProgress',
      `${disbursementId}: record ${found.seq} not found yet; retry`,
    );
  return { record, created: await announce(key, now) };
}

/** Where a claim was chained: its record's sequence number, and the record when this process wrote it. */
interface ChainedAt {
  seq: number;
  record?: LedgerRecord;
}

interface Waiter {
  key: ItemKey;
  disbursementId: string;
  deadline: number;
  resolve(at: ChainedAt): void;
  reject(error: Error): void;
}

/** What a waiting payer reads of its claim: whether (and where) it is chained yet. */
const claimMark = codec(
  'DisbursementClaimMark',
  v.object({ pk: v.string(), sk: v.string(), ledgerSeq: v.optional(v.number()) }),
);

/**
 * The payers of this process waiting for their claims to be chained share one loop: it takes the
 * lease when free and appends, settles the payers whose claims it chained with their records, then
 * reads every claim still waiting in one consistent BatchGet. In Lambda a container serves one payer
 * at a time; in one process serving many (the local cloud) the waiting costs one poll, not one per
 * payer, so it does not crowd the database the appender writes to.
 */
const waiters = new Set<Waiter>();
let pumping = false;

function chained(key: ItemKey, disbursementId: string): Promise<ChainedAt> {
  return new Promise((resolve, reject) => {
    waiters.add({ key, disbursementId, deadline: Date.now() + WAIT_FOR_CHAIN_MS, resolve, reject });
    if (!pumping) {
      pumping = true;
      void runPump();
    }
  });
}

const claimId = (key: ItemKey) => `${key.pk}|${key.sk}`;

async function runPump(): Promise<void> {
  const owner = randomUUID();
  for (let idle = 0; waiters.size > 0; ) {
    try {
      const first = waiters.values().next().value;
      const lease = await takeLease(owner);
      let appended: Appended = { chained: [] };
      if (lease) {
        try {
          appended = await chainClaims(lease, first?.key);
        } finally {
          await releaseLease(owner, appended.tidy);
        }
      }
      let settled = 0;
      // Waiters by claim: one read per claim, however many payers wait for it (a BatchGet refuses
      // duplicate keys).
      const byKey = new Map<string, Waiter[]>();
      for (const waiter of waiters) {
        const id = claimId(waiter.key);
        byKey.set(id, [...(byKey.get(id) ?? []), waiter]);
      }
      const settle = (id: string, at: ChainedAt) => {
        for (const waiter of byKey.get(id) ?? []) {
          waiters.delete(waiter);
          waiter.resolve(at);
          settled += 1;
        }
        byKey.delete(id);
      };
      // Chained by this lease (records and head written, claims marked): nothing to read back.
      for (const record of appended.chained)
        settle(claimId(disbursementClaimKey(record.proposalId, record.fundYear, record.purpose)), {
          seq: record.seq,
          record,
        });
      const keys = [...byKey.values()].flatMap((sharing) => (sharing[0] ? [sharing[0].key] : []));
      for (const mark of await getMany(claimMark, keys, 'pk, sk, ledgerSeq')) {
        if (mark.ledgerSeq !== undefined) settle(claimId(mark), { seq: mark.ledgerSeq });
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

/** A stored record verification cannot read as one (a field of the wrong type, one missing). */
export interface UnreadableRecord {
  unreadable: true;
  seq: number;
  /** What is wrong with it, as the codec says. */
  problem: string;
  /** Its stored hash, if that at least is a string: the next record is checked against it. */
  hash?: string;
}

/**
 * A record as verification reads it: whoever can write the table can store anything, so a record
 * the codec refuses is a finding of the check (`ok: false`), not a failure of it.
 */
function recordOrUnreadable(item: Item): LedgerRecord | UnreadableRecord {
  try {
    return ledgerRecord.decode(item);
  } catch (error) {
    if (!(error instanceof WorkflowError)) throw error;
    const seq = Number(String(item.sk).slice(SK_PREFIX.ledgerRecord.length));
    return {
      unreadable: true,
      seq,
      problem: error.message,
      ...(typeof item.hash === 'string' ? { hash: item.hash } : {}),
    };
  }
}

/** Every record in sequence order, page by page (for verification). */
export async function* allRecords(): AsyncGenerator<LedgerRecord | UnreadableRecord> {
  for await (const page of queryPages(recordOrUnreadable, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': LEDGER_PK, ':prefix': SK_PREFIX.ledgerRecord },
    ConsistentRead: true,
  }))
    yield* page;
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
    values[':pk'] = `${INDEX_PK.disbursementsOfProposal}${filter.proposalId}`;
  } else if (filter.fundYear !== undefined) {
    index = 'gsi1';
    values[':pk'] = `${INDEX_PK.disbursementsOfYear}${filter.fundYear}`;
  } else if (filter.category) {
    index = 'gsi2';
    values[':pk'] = `${INDEX_PK.disbursementsOfCategory}${filter.category}`;
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
    values[':pk'] = LEDGER_PK;
    values[':prefix'] = SK_PREFIX.ledgerRecord;
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
  if (startKey.pk !== LEDGER_PK || !startKey.sk?.startsWith(SK_PREFIX.ledgerRecord)) return false;
  if (!plan.index) return true;
  if (startKey[`${plan.index}pk`] !== plan.values[':pk']) return false;
  if (plan.values[':from'] === undefined) return true;
  const sortKey = startKey[`${plan.index}sk`] ?? '';
  return sortKey >= String(plan.values[':from']) && sortKey <= String(plan.values[':to']);
}

/** The query a filter plans, as the table's readers take it. */
function queryOf(plan: ReturnType<typeof planQuery>) {
  return {
    IndexName: plan.index,
    KeyConditionExpression: plan.keyCondition,
    FilterExpression: plan.filterExpression,
    ExpressionAttributeNames: Object.keys(plan.names).length > 0 ? plan.names : undefined,
    ExpressionAttributeValues: plan.values,
  };
}

export function queryDisbursements(
  filter: DisbursementFilter,
  limit: number,
  startKey?: Item,
): Promise<{ items: LedgerRecord[]; lastKey?: Item }> {
  return queryUpTo(ledgerRecord.decode, queryOf(planQuery(filter)), limit, startKey);
}

/** What a time-range walk reads of each record. */
const recordAmounts = codec(
  'LedgerRecordAmounts',
  v.object({ amountEurCents: v.number(), amountGbpPence: v.number() }),
);

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
  const query = { ...queryOf(planQuery(filter)), ProjectionExpression: 'amountEurCents, amountGbpPence' };
  for await (const page of queryPages(recordAmounts.decode, query))
    for (const record of page) {
      totals.count += 1;
      totals.amountEurCents += record.amountEurCents;
      totals.amountGbpPence += record.amountGbpPence;
    }
  return totals;
}

/**
 * A selection page by page (bounded pages, so a caller holds little), each record with the key a
 * cursor after it would carry.
 */
export async function* disbursementPages(
  filter: DisbursementFilter,
  startKey?: Item,
): AsyncGenerator<{ record: LedgerRecord; key: Item }[]> {
  const plan = planQuery(filter);
  const cursorOf = (record: LedgerRecord): Item => {
    const keys: Item = { ...ledgerRecordKey(record.seq), ...indexesFor(record) };
    return Object.fromEntries(plan.cursorKeys.map((name) => [name, keys[name]]));
  };
  for await (const page of queryPages(ledgerRecord.decode, { ...queryOf(plan), Limit: 500 }, startKey))
    if (page.length > 0) yield page.map((record) => ({ record, key: cursorOf(record) }));
}

/** What each fund year has disbursed, from the head's maintained cells (one read). */
export async function disbursedByFundYear(): Promise<Map<number, number>> {
  const disbursed = new Map<number, number>();
  for (const cell of (await getHead()).cells)
    disbursed.set(cell.fundYear, (disbursed.get(cell.fundYear) ?? 0) + cell.amountEurCents);
  return disbursed;
}

/** A chained claim as verification reads it (a projection of the claim). */
const chainedClaim = codec(
  'ChainedClaim',
  v.pipe(
    v.object({ ledgerSeq: v.number(), disbursementId: v.string(), amountEurCents: v.number() }),
    v.transform(({ ledgerSeq, ...rest }) => ({ seq: ledgerSeq, ...rest })),
  ),
);
export type ChainedClaim = ReturnType<typeof chainedClaim.decode>;

/** Every chained claim in record-sequence order, page by page (one index partition). */
export async function* chainedClaims(): AsyncGenerator<ChainedClaim> {
  for await (const page of queryPages(chainedClaim.decode, {
    IndexName: 'gsi2',
    KeyConditionExpression: 'gsi2pk = :pk',
    ExpressionAttributeValues: { ':pk': INDEX_PK.chainedClaims },
    ProjectionExpression: 'ledgerSeq, disbursementId, amountEurCents',
  }))
    yield* page;
}
