/** GET /ledger/verify (finance): walks the hash chain from the first record to the head. */

import { allRecords, getHead } from '../data/ledger.ts';
import { verifyChain } from '../domain/ledger.ts';
import { apiHandler, json } from '../lib/http.ts';

export const handler = apiHandler(async () => {
  const head = await getHead();
  const records = [];
  for await (const record of allRecords()) records.push(record);
  const check = verifyChain(records, head.seq);
  if (check.ok && check.head !== head.hash) {
    check.ok = false;
    check.problems.push({ seq: head.seq, problem: 'the ledger head does not name the last record' });
  }
  return json(200, {
    ok: check.ok,
    records: check.records,
    head: check.head,
    ...(check.problems.length > 0 ? { problems: check.problems } : {}),
    checkedAt: new Date().toISOString(),
  });
});
