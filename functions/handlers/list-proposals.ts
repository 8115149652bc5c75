/** GET /proposals?status=&limit=&cursor=: newest first; a port authority lists its own only. */

import { cursorFitsQuery, cursorKeysFor, listProposals } from '../data/proposals.ts';
import type { FieldError } from '../domain/proposal.ts';
import { isProposalStatus, PROPOSAL_STATUSES } from '../domain/statuses.ts';
import { badRequest } from '../lib/errors.ts';
import { apiHandler, decodeCursor, encodeCursor, json } from '../lib/http.ts';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export const handler = apiHandler(async (event, caller) => {
  const query = event.queryStringParameters ?? {};
  const errors: FieldError[] = [];
  const status = query.status || undefined;
  if (status !== undefined && !isProposalStatus(status)) {
    errors.push({ path: 'status', message: `must be one of ${PROPOSAL_STATUSES.join(', ')}` });
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
  const page = await listProposals({ ...filter, limit, ...(startKey ? { startKey } : {}) });
  return json(200, {
    items: page.items.map(({ ownerSub: _o, pendingNotice: _p, statusHistory: _h, ...item }) => item),
    nextCursor: encodeCursor(page.lastKey),
  });
});
