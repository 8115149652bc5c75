/**
 * GET /proposals?status=&category=&fundYear=&limit=&cursor=: newest first; a port authority lists its
 * own only. Any other query parameter is refused (400), so a misspelt filter never silently lists all.
 */

import { FUND_YEARS, isFundYear } from '../../funding/domain/fund.ts';
import { amount } from '../../funding/domain/money.ts';
import { badRequest } from '../../platform/errors.ts';
import { apiHandler, decodeCursor, encodeCursor, json } from '../../platform/http.ts';
import { cursorFitsQuery, cursorKeysFor, listProposals, type ProposalRecord } from '../data/proposals.ts';
import { CATEGORIES, type Category } from '../domain/categories.ts';
import type { FieldError } from '../domain/proposal.ts';
import { isProposalStatus, PROPOSAL_STATUSES } from '../domain/statuses.ts';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const KNOWN_PARAMETERS = ['status', 'category', 'fundYear', 'limit', 'cursor'];

const isCategory = (value: string): value is Category => (CATEGORIES as readonly string[]).includes(value);

/** A listed proposal: its funding lines, and their total, in EUR cents and GBP pence. */
function listed(record: ProposalRecord) {
  const { ownerSub: _o, pendingNotice: _p, statusHistory: _h, ...item } = record;
  const total = record.funding.reduce((sum, line) => sum + line.amountEurCents, 0);
  return {
    ...item,
    funding: record.funding.map((line) => ({
      ...line,
      amountGbpPence: amount(line.amountEurCents, record.rate).gbpPence,
    })),
    totalEurCents: total,
    totalGbpPence: amount(total, record.rate).gbpPence,
  };
}

export const handler = apiHandler(async (event, caller) => {
  const query = event.queryStringParameters ?? {};
  const errors: FieldError[] = Object.keys(query)
    .filter((name) => !KNOWN_PARAMETERS.includes(name))
    .map((name) => ({
      path: name.slice(0, 64),
      message: `is not a filter of this list; use ${KNOWN_PARAMETERS.join(', ')}`,
    }));
  const status = query.status || undefined;
  if (status !== undefined && !isProposalStatus(status)) {
    errors.push({ path: 'status', message: `must be one of ${PROPOSAL_STATUSES.join(', ')}` });
  }
  const category = query.category || undefined;
  if (category !== undefined && !isCategory(category)) {
    errors.push({ path: 'category', message: `must be one of ${CATEGORIES.join(', ')}` });
  }
  const fundYear = query.fundYear ? Number(query.fundYear) : undefined;
  if (fundYear !== undefined && !isFundYear(fundYear)) {
    errors.push({ path: 'fundYear', message: `must be one of ${FUND_YEARS.join(', ')}` });
  }
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    errors.push({ path: 'limit', message: `must be a whole number from 1 to ${MAX_LIMIT}` });
  }
  if (errors.length > 0) throw badRequest('Invalid query', errors);
  const seesAll = caller.has('finance') || caller.has('admin');
  const filter = {
    ...(seesAll ? {} : { ownerSub: caller.sub }),
    ...(status && isProposalStatus(status) ? { status } : {}),
  };
  const startKey = decodeCursor(query.cursor, cursorKeysFor(filter));
  if (startKey && !cursorFitsQuery(startKey, filter)) {
    throw badRequest('Invalid cursor', [{ path: 'cursor', message: 'belongs to another query' }]);
  }
  const page = await listProposals({
    ...filter,
    ...(category && isCategory(category) ? { category } : {}),
    ...(fundYear !== undefined ? { fundYear } : {}),
    limit,
    ...(startKey ? { startKey } : {}),
  });
  return json(200, {
    items: page.items.map(listed),
    nextCursor: encodeCursor(page.lastKey),
  });
});
