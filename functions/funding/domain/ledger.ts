/**
 * The disbursement ledger's integrity rule: each record's hash covers its own content (in RFC 8785
 * canonical JSON, so field order can never change a hash) and the previous record's hash. Any edit,
 * insertion or deletion breaks the chain from that record on.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Category, FundingPurpose } from '../../proposals/domain/categories.ts';
import type { ExchangeRate } from './money.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface LedgerEntry {
  seq: number;
  disbursementId: string;
  proposalId: string;
  title: string;
  category: Category;
  purpose: FundingPurpose;
  fundYear: number;
  amountEurCents: number;
  amountGbpPence: number;
  rate: ExchangeRate;
  paymentReference: string;
  recordedAt: string;
  prevHash: string;
}

export interface LedgerRecord extends LedgerEntry {
  hash: string;
  /** HMAC of `seq:hash` with the ledger's key, held outside the table (see funding/ledger-key.ts). */
  mac?: string;
}

const ENTRY_FIELDS = [
  'seq',
  'disbursementId',
  'proposalId',
  'title',
  'category',
  'purpose',
  'fundYear',
  'amountEurCents',
  'amountGbpPence',
  'rate',
  'paymentReference',
  'recordedAt',
  'prevHash',
] as const satisfies readonly (keyof LedgerEntry)[];

export function hashEntry(entry: LedgerEntry): string {
  const content = Object.fromEntries(ENTRY_FIELDS.map((field) => [field, entry[field]]));
  return createHash('sha256')
    .update(canonicalize(content) ?? '')
    .digest('hex');
}

export function sealEntry(entry: LedgerEntry): LedgerRecord {
  return { ...entry, hash: hashEntry(entry) };
}

/** The `number`th payment of a fund year: `JIF-FY2-000001` is fund year 2's first. */
export function paymentReference(fundYear: number, number: number): string {
  return `JIF-FY${fundYear}-${String(number).padStart(6, '0')}`;
}

export interface ChainCheck {
  ok: boolean;
  records: number;
  head: string;
  problems: { seq: number; problem: string }[];
}

/**
 * Walks records in sequence order, one at a time (so a ledger of any size is checked in bounded
 * memory); reports every break, not only the first.
 */
export class ChainWalker {
  readonly problems: ChainCheck['problems'] = [];
  private expectedSeq = 1;
  private previous = GENESIS_HASH;
  count = 0;
  last: LedgerRecord | undefined;

  add(record: LedgerRecord): void {
    this.count += 1;
    if (record.seq !== this.expectedSeq)
      this.problems.push({
        seq: record.seq,
        problem: `expected record ${this.expectedSeq}: a record is missing`,
      });
    if (record.prevHash !== this.previous)
      this.problems.push({ seq: record.seq, problem: 'does not follow the previous record' });
    if (hashEntry(record) !== record.hash)
      this.problems.push({ seq: record.seq, problem: 'content does not match its hash' });
    this.previous = record.hash;
    this.expectedSeq = record.seq + 1;
    this.last = record;
  }

  /**
   * A record in the chain's place that cannot be read as one: it counts, it is a problem, and the
   * next record is checked against its stored hash (if any), so one bad record is one finding.
   */
  addUnreadable(record: { seq: number; problem: string; hash?: string }): void {
    this.count += 1;
    this.problems.push({ seq: record.seq, problem: `cannot be read as a ledger record: ${record.problem}` });
    this.previous = record.hash ?? this.previous;
    this.expectedSeq = record.seq + 1;
    this.last = undefined;
  }

  result(headSeq?: number): ChainCheck {
    const problems = [...this.problems];
    if (headSeq !== undefined && headSeq !== this.count) {
      problems.push({
        seq: headSeq,
        problem: `the ledger head says ${headSeq} records, ${this.count} found`,
      });
    }
    return { ok: problems.length === 0, records: this.count, head: this.previous, problems };
  }
}

/** Walks records in sequence order; reports every break, not only the first. */
export function verifyChain(records: Iterable<LedgerRecord>, headSeq?: number): ChainCheck {
  const walker = new ChainWalker();
  for (const record of records) walker.add(record);
  return walker.result(headSeq);
}
