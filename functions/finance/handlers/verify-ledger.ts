/**
 * GET /ledger/verify (finance): walks the hash chain page by page (bounded memory, whatever its
 * size), and checks it against what lives outside it or beside it:
 *   - the seal (HMAC with the key held outside the table) of the last record: as each hash covers the
 *     one before, a valid seal on the last record vouches for every record below it, so a chain
 *     rebuilt by someone who can write the table but holds no key fails;
 *   - `?witness=SEQ:HASH` (as each payment email to finance names it): that record is still there,
 *     unchanged, so a truncated tail is caught even with a genuine last seal;
 *   - the chained payment claims (each names its record: a claim whose record is gone or differs);
 *   - the head: its count, its hash and the per-fund-year disbursed totals `GET /fund` shows.
 */

import { allRecords, chainedClaims, getHead } from '../../funding/data/ledger.ts';
import { ChainWalker, type LedgerRecord } from '../../funding/domain/ledger.ts';
import { ledgerKey, sealMessage } from '../../funding/ledger-key.ts';
import { badRequest } from '../../platform/errors.ts';
import { apiHandler, json } from '../../platform/http.ts';

function parseWitness(value: string | undefined): { seq: number; hash: string } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,12}):([0-9a-f]{64})$/.exec(value);
  if (!match)
    throw badRequest('Invalid witness', [
      { path: 'witness', message: 'must be SEQ:HASH, a record number and its 64-hex-digit hash' },
    ]);
  return { seq: Number(match[1]), hash: String(match[2]) };
}

export const handler = apiHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  for (const name of Object.keys(query))
    if (name !== 'witness')
      throw badRequest('Invalid query', [{ path: name, message: 'is not a known parameter' }]);
  const witness = parseWitness(query.witness);
  const head = await getHead();
  const walker = new ChainWalker();
  const disbursedByYear = new Map<number, number>();
  const claims = chainedClaims();
  let claim = await claims.next();
  const problems: { seq: number; problem: string }[] = [];
  let witnessed: LedgerRecord | undefined;
  for await (const record of allRecords()) {
    const readable = !('unreadable' in record);
    if (readable) {
      walker.add(record);
      disbursedByYear.set(
        record.fundYear,
        (disbursedByYear.get(record.fundYear) ?? 0) + record.amountEurCents,
      );
      if (witness?.seq === record.seq) witnessed = record;
    } else walker.addUnreadable(record);
    // Claims and records both in sequence order: a merge, not a lookup table.
    while (!claim.done && claim.value.seq < record.seq) {
      problems.push({
        seq: claim.value.seq,
        problem: `the payment ${claim.value.disbursementId} names this record, which is gone`,
      });
      claim = await claims.next();
    }
    if (!claim.done && claim.value.seq === record.seq) {
      if (
        !readable ||
        claim.value.disbursementId !== record.disbursementId ||
        claim.value.amountEurCents !== record.amountEurCents
      )
        problems.push({
          seq: record.seq,
          problem: `is not the payment ${claim.value.disbursementId} its claim names`,
        });
      claim = await claims.next();
    }
  }
  for (; !claim.done; claim = await claims.next())
    problems.push({
      seq: claim.value.seq,
      problem: `the payment ${claim.value.disbursementId} names this record, which is gone: the ledger was truncated`,
    });
  const check = walker.result(head.seq);
  check.problems.push(...problems);
  if (check.head !== head.hash)
    check.problems.push({ seq: head.seq, problem: 'the ledger head does not name the last record' });
  const last = walker.last;
  if (last && !(last.mac && (await ledgerKey().verify(sealMessage(last.seq, last.hash), last.mac))))
    check.problems.push({
      seq: last.seq,
      problem: "its seal does not match the ledger's key: the chain was rebuilt or the record forged",
    });
  for (const cell of head.cells)
    disbursedByYear.set(cell.fundYear, (disbursedByYear.get(cell.fundYear) ?? 0) - cell.amountEurCents);
  for (const [fundYear, difference] of disbursedByYear)
    if (difference !== 0)
      check.problems.push({
        seq: head.seq,
        problem: `fund year ${fundYear}: the records add up to ${difference} euro cents more than its disbursed total`,
      });
  let witnessResult: { seq: number; ok: boolean } | undefined;
  if (witness) {
    const ok = witnessed?.hash === witness.hash;
    witnessResult = { seq: witness.seq, ok };
    if (!ok)
      check.problems.push({
        seq: witness.seq,
        problem: witnessed
          ? 'the witnessed record was changed'
          : 'the witnessed record is gone: the ledger was truncated or rebuilt',
      });
  }
  return json(200, {
    ok: check.problems.length === 0,
    records: check.records,
    head: check.head,
    ...(witnessResult ? { witness: witnessResult } : {}),
    ...(check.problems.length > 0 ? { problems: check.problems } : {}),
    checkedAt: new Date().toISOString(),
  });
});
