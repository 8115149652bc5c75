import { describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  hashEntry,
  type LedgerEntry,
  type LedgerRecord,
  paymentReference,
  sealEntry,
  verifyChain,
} from '../../functions/funding/domain/ledger.ts';
import { REFERENCE_RATE } from '../../functions/funding/domain/money.ts';

function entry(seq: number, prevHash: string, amountEurCents = 1_000_000 * seq): LedgerEntry {
  return {
    seq,
    disbursementId: `disb-${seq}`,
    proposalId: `prop-${seq}`,
    title: `Project ${seq}`,
    category: 'PORT_SECURITY_INFRASTRUCTURE',
    purpose: 'INVESTMENT',
    fundYear: 1,
    amountEurCents,
    amountGbpPence: (amountEurCents * 4) / 5,
    rate: REFERENCE_RATE,
    paymentReference: paymentReference(1, seq),
    recordedAt: `2025-05-0${seq}T10:00:00.000Z`,
    prevHash,
  };
}

/** A sound chain of `n` records, each sealed over the previous one's hash. */
function chain(n: number): LedgerRecord[] {
  const records: LedgerRecord[] = [];
  let previous = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const record = sealEntry(entry(seq, previous));
    records.push(record);
    previous = record.hash;
  }
  return records;
}

/** `obj` with its keys (and nested keys) in reverse order. */
function reversed<T extends object>(obj: T): T {
  return Object.fromEntries(
    Object.entries(obj)
      .reverse()
      .map(([k, v]) => [k, v && typeof v === 'object' ? reversed(v) : v]),
  ) as T;
}

describe('GENESIS_HASH', () => {
  it('is 64 zeros, what the first record follows', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(chain(1)[0]?.prevHash).toBe(GENESIS_HASH);
  });
});

describe('hashEntry', () => {
  it('is a SHA-256 hex digest', () => {
    expect(hashEntry(entry(1, GENESIS_HASH))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order, nested keys included', () => {
    const original = entry(1, GENESIS_HASH);
    const shuffled = reversed(original);
    expect(Object.keys(shuffled)[0]).toBe('prevHash');
    expect(Object.keys(shuffled.rate)[0]).toBe('source');
    expect(hashEntry(shuffled)).toBe(hashEntry(original));
  });

  it('covers only the entry fields (a stored hash or extra attribute does not change it)', () => {
    const sealed = sealEntry(entry(1, GENESIS_HASH));
    const stored = { ...sealed, pk: 'LEDGER', sk: 'SEQ#000000000001', gsi1pk: 'DISB#FY#1' };
    expect(hashEntry(stored)).toBe(sealed.hash);
  });

  it('changes with any field', () => {
    const base = entry(1, GENESIS_HASH);
    const hash = hashEntry(base);
    expect(hashEntry({ ...base, amountEurCents: base.amountEurCents + 1 })).not.toBe(hash);
    expect(hashEntry({ ...base, rate: { ...base.rate, gbpPerEur: '0.81' } })).not.toBe(hash);
    expect(hashEntry({ ...base, prevHash: 'f'.repeat(64) })).not.toBe(hash);
    expect(hashEntry({ ...base, title: `${base.title} ` })).not.toBe(hash);
  });
});

describe('verifyChain', () => {
  it('accepts a sound chain and reports its head', () => {
    const records = chain(3);
    expect(verifyChain(records, 3)).toEqual({ ok: true, records: 3, head: records[2]?.hash, problems: [] });
  });

  it('accepts an empty ledger', () => {
    expect(verifyChain([], 0)).toEqual({ ok: true, records: 0, head: GENESIS_HASH, problems: [] });
    expect(verifyChain([])).toMatchObject({ ok: true });
  });

  it('detects an edited amount', () => {
    const records = chain(3);
    const [first, second, third] = records as [LedgerRecord, LedgerRecord, LedgerRecord];
    const check = verifyChain([first, { ...second, amountEurCents: second.amountEurCents + 100 }, third], 3);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([{ seq: 2, problem: 'content does not match its hash' }]);
  });

  it('detects an edited record that was sealed again, at the next record', () => {
    const [first, second, third] = chain(3) as [LedgerRecord, LedgerRecord, LedgerRecord];
    const { hash: _old, ...content } = second;
    const resealed = sealEntry({ ...content, amountEurCents: 1 });
    const check = verifyChain([first, resealed, third], 3);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([{ seq: 3, problem: 'does not follow the previous record' }]);
  });

  it('detects a deleted record', () => {
    const [first, , third] = chain(3) as [LedgerRecord, LedgerRecord, LedgerRecord];
    const check = verifyChain([first, third]);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([
      { seq: 3, problem: 'expected record 2: a record is missing' },
      { seq: 3, problem: 'does not follow the previous record' },
    ]);
  });

  it('detects a deleted last record by the head count', () => {
    const records = chain(3).slice(0, 2);
    expect(verifyChain(records).ok).toBe(true);
    const check = verifyChain(records, 3);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([{ seq: 3, problem: 'the ledger head says 3 records, 2 found' }]);
  });

  it('detects a wrong head count above the records found too', () => {
    expect(verifyChain(chain(3), 2).problems).toEqual([
      { seq: 2, problem: 'the ledger head says 2 records, 3 found' },
    ]);
  });

  it('detects a swapped order', () => {
    const [first, second, third] = chain(3) as [LedgerRecord, LedgerRecord, LedgerRecord];
    const check = verifyChain([first, third, second], 3);
    expect(check.ok).toBe(false);
    expect(check.problems.map((p) => p.seq)).toEqual(expect.arrayContaining([3, 2]));
    expect(check.problems).toContainEqual({ seq: 3, problem: 'expected record 2: a record is missing' });
    expect(check.problems).toContainEqual({ seq: 2, problem: 'does not follow the previous record' });
  });

  it('detects a first record that does not follow the genesis', () => {
    const [, second] = chain(2) as [LedgerRecord, LedgerRecord];
    const check = verifyChain([{ ...second, seq: 1 }]);
    expect(check.ok).toBe(false);
    expect(check.problems).toContainEqual({ seq: 1, problem: 'does not follow the previous record' });
  });

  it('reports every break, not only the first', () => {
    const records = chain(4).map((r) => ({ ...r, title: 'edited' }));
    expect(verifyChain(records, 4).problems.map((p) => p.seq)).toEqual([1, 2, 3, 4]);
  });
});

describe('paymentReference', () => {
  it('names the fund year and a six-digit sequence', () => {
    expect(paymentReference(2, 17)).toBe('JIF-FY2-000017');
    expect(paymentReference(1, 123456)).toBe('JIF-FY1-123456');
  });
});
