/**
 * GET /disbursements (finance): filters fundYear, category, proposalId, from, to (ISO dates),
 * limit, cursor; served by an index, never a Scan. JSON `{items, totals, nextCursor}`, or CSV with
 * `?format=csv` / `Accept: text/csv` (csv-stringify; cells a spreadsheet would run as a formula are
 * neutralised).
 */
import { stringify } from 'csv-stringify/sync';
import { cursorFitsFilter, type DisbursementFilter, planQuery, queryDisbursements } from '../data/ledger.ts';
import { CATEGORIES, type Category } from '../domain/categories.ts';
import { FUND_YEARS } from '../domain/fund.ts';
import type { LedgerRecord } from '../domain/ledger.ts';
import type { FieldError } from '../domain/proposal.ts';
import { badRequest } from '../lib/errors.ts';
import { apiHandler, decodeCursor, encodeCursor, header, json } from '../lib/http.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const CSV_MAX_ROWS = 10_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const KNOWN = new Set(['fundYear', 'category', 'proposalId', 'from', 'to', 'limit', 'cursor', 'format']);

function parseFilter(query: Record<string, string | undefined>): {
  filter: DisbursementFilter;
  limit: number;
  csv?: boolean;
} {
  const errors: FieldError[] = [];
  const filter: DisbursementFilter = {};
  for (const key of Object.keys(query))
    if (!KNOWN.has(key)) errors.push({ path: key, message: 'is not a known filter' });
  if (query.fundYear !== undefined) {
    const year = Number(query.fundYear);
    if ((FUND_YEARS as readonly number[]).includes(year)) filter.fundYear = year;
    else errors.push({ path: 'fundYear', message: 'must be 1, 2 or 3' });
  }
  if (query.category !== undefined) {
    if ((CATEGORIES as readonly string[]).includes(query.category))
      filter.category = query.category as Category;
    else errors.push({ path: 'category', message: `must be one of ${CATEGORIES.join(', ')}` });
  }
  if (query.proposalId !== undefined) {
    if (/^[A-Za-z0-9-]{1,64}$/.test(query.proposalId)) filter.proposalId = query.proposalId;
    else errors.push({ path: 'proposalId', message: 'is not a proposal id' });
  }
  for (const bound of ['from', 'to'] as const) {
    const value = query[bound];
    if (value === undefined) continue;
    if (isRealDate(value)) filter[bound] = normaliseBound(value, bound);
    else errors.push({ path: bound, message: 'must be an ISO date, e.g. 2026-01-31' });
  }
  if (filter.from && filter.to && filter.from > filter.to)
    errors.push({ path: 'to', message: 'must not be before from' });
  let limit = DEFAULT_LIMIT;
  if (query.limit !== undefined) {
    limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      errors.push({ path: 'limit', message: `must be a whole number from 1 to ${MAX_LIMIT}` });
    }
  }
  if (query.format !== undefined && query.format !== 'csv' && query.format !== 'json') {
    errors.push({ path: 'format', message: 'must be csv or json' });
  }
  if (errors.length > 0) throw badRequest('Invalid filters', errors);
  return { filter, limit, ...(query.format ? { csv: query.format === 'csv' } : {}) };
}

/** ISO shape and a real calendar day (JavaScript would roll 2026-02-30 over to March). */
function isRealDate(value: string): boolean {
  if (!ISO_DATE.test(value) || Number.isNaN(Date.parse(value))) return false;
  const day = value.slice(0, 10);
  return new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day;
}

/** A date alone means the whole day: from its first instant, to its last. */
function normaliseBound(value: string, bound: 'from' | 'to'): string {
  if (value.length === 10) return bound === 'from' ? `${value}T00:00:00.000Z` : `${value}T23:59:59.999Z`;
  // A time without a zone is UTC, whatever the server's own time zone.
  return new Date(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`).toISOString();
}

function totals(items: LedgerRecord[]) {
  return {
    count: items.length,
    amountEurCents: items.reduce((sum, r) => sum + r.amountEurCents, 0),
    amountGbpPence: items.reduce((sum, r) => sum + r.amountGbpPence, 0),
  };
}

/** A cell a spreadsheet would evaluate (=, +, -, @, tab, CR) is prefixed with a quote. */
export function neutralise(cell: unknown): unknown {
  return typeof cell === 'string' && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

const CSV_COLUMNS = [
  'seq',
  'paymentReference',
  'recordedAt',
  'fundYear',
  'category',
  'purpose',
  'proposalId',
  'title',
  'amountEurCents',
  'amountGbpPence',
  'amountEur',
  'amountGbp',
  'gbpPerEur',
  'rateSource',
  'hash',
] as const;

function toCsv(items: LedgerRecord[]): string {
  const rows = items.map((r) =>
    [
      r.seq,
      r.paymentReference,
      r.recordedAt,
      r.fundYear,
      r.category,
      r.purpose,
      r.proposalId,
      r.title,
      r.amountEurCents,
      r.amountGbpPence,
      (r.amountEurCents / 100).toFixed(2),
      (r.amountGbpPence / 100).toFixed(2),
      r.rate.gbpPerEur,
      r.rate.source,
      r.hash,
    ].map(neutralise),
  );
  return stringify([[...CSV_COLUMNS], ...rows]);
}

export const handler = apiHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  const { filter, limit, csv } = parseFilter(query);
  const wantsCsv = csv ?? /\btext\/csv\b/i.test(header(event, 'accept') ?? '');
  const startKey = decodeCursor(query.cursor, planQuery(filter).cursorKeys);
  if (startKey && !cursorFitsFilter(startKey, filter)) {
    throw badRequest('Invalid cursor', [{ path: 'cursor', message: 'belongs to another query' }]);
  }
  // A CSV export without an explicit limit is the whole selection (up to CSV_MAX_ROWS per file).
  const pageLimit = wantsCsv && query.limit === undefined ? CSV_MAX_ROWS : limit;
  const page = await queryDisbursements(filter, pageLimit, startKey);
  const nextCursor = encodeCursor(page.lastKey);
  const pageTotals = totals(page.items);
  if (wantsCsv) {
    return {
      statusCode: 200,
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="jif-disbursements.csv"',
        'Cache-Control': 'no-store',
        'X-Total-Eur-Cents': String(pageTotals.amountEurCents),
        'X-Total-Gbp-Pence': String(pageTotals.amountGbpPence),
        ...(nextCursor ? { 'X-Next-Cursor': nextCursor } : {}),
      },
      body: toCsv(page.items),
    };
  }
  return json(200, {
    items: page.items,
    totals: pageTotals,
    nextCursor,
  });
});
