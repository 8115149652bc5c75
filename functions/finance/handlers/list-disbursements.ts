/**
 * GET /disbursements (finance): filters fundYear, category, purpose, proposalId, from, to (ISO dates),
 * limit, cursor; served by an index, never a Scan. JSON `{items, totals, nextCursor}` where totals
 * cover the whole selection (funding/data/ledger.ts `selectionTotals`), or CSV with `?format=csv` /
 * `Accept: text/csv` (csv-stringify, page by page; cells a spreadsheet would run as a formula are
 * neutralised; `sep=;` or `lang=fr` for a semicolon and decimal commas).
 */
import { stringify } from 'csv-stringify/sync';
import {
  cursorFitsFilter,
  type DisbursementFilter,
  disbursementPages,
  planQuery,
  queryDisbursements,
  selectionTotals,
} from '../../funding/data/ledger.ts';
import { FUND_YEARS } from '../../funding/domain/fund.ts';
import type { LedgerRecord } from '../../funding/domain/ledger.ts';
import * as copy from '../../pages/copy/index.ts';
import { badRequest } from '../../platform/errors.ts';
import {
  apiHandler,
  decodeCursor,
  encodeCursor,
  json,
  type NegotiatedContext,
  negotiateMediaType,
} from '../../platform/http.ts';
import {
  CATEGORIES,
  CATEGORY_LABELS,
  type Category,
  FUNDING_PURPOSES,
  type FundingPurpose,
} from '../../proposals/domain/categories.ts';
import type { FieldError } from '../../proposals/domain/proposal.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const CSV_MAX_ROWS = 10_000;
/**
 * A Lambda response behind API Gateway is buffered and at most 6 MB: one CSV response stops below
 * 5 MB (or at CSV_MAX_ROWS) and `X-Next-Cursor` continues the export.
 */
const CSV_MAX_BYTES = 5_000_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const KNOWN = new Set([
  'fundYear',
  'category',
  'purpose',
  'proposalId',
  'from',
  'to',
  'limit',
  'cursor',
  'format',
  'sep',
  'lang',
]);

/** How a CSV is written: `;` with decimal commas for French-language spreadsheets. */
interface CsvStyle {
  delimiter: ',' | ';';
  language: 'en' | 'fr';
}

function parseFilter(query: Record<string, string | undefined>): {
  filter: DisbursementFilter;
  limit: number;
  csv?: boolean;
  style: CsvStyle;
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
  if (query.purpose !== undefined) {
    if ((FUNDING_PURPOSES as readonly string[]).includes(query.purpose))
      filter.purpose = query.purpose as FundingPurpose;
    else errors.push({ path: 'purpose', message: `must be one of ${FUNDING_PURPOSES.join(', ')}` });
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
  if (query.sep !== undefined && query.sep !== ',' && query.sep !== ';')
    errors.push({ path: 'sep', message: 'must be , or ;' });
  if (query.lang !== undefined && query.lang !== 'en' && query.lang !== 'fr')
    errors.push({ path: 'lang', message: 'must be en or fr' });
  if (errors.length > 0) throw badRequest('Invalid filters', errors);
  const language = query.lang === 'fr' ? 'fr' : 'en';
  const delimiter = query.sep === ';' || (query.sep === undefined && language === 'fr') ? ';' : ',';
  return {
    filter,
    limit,
    style: { delimiter, language },
    ...(query.format ? { csv: query.format === 'csv' } : {}),
  };
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

/** A cell a spreadsheet would evaluate (=, +, -, @, tab, CR) is prefixed with a quote. */
export function neutralise(cell: unknown): unknown {
  return typeof cell === 'string' && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

const CSV_COLUMNS = [
  'date',
  'paymentReference',
  'seq',
  'recordedAt',
  'fundYear',
  'category',
  'categoryLabel',
  'purpose',
  'purposeLabel',
  'proposalId',
  'title',
  'amountEur',
  'amountGbp',
  'amountEurCents',
  'amountGbpPence',
  'gbpPerEur',
  'rateSource',
  'hash',
] as const;

/** A decimal in the spreadsheet's convention: `1200000.00`, or `1200000,00` beside a `;`. */
function decimal(value: string, style: CsvStyle): string {
  return style.delimiter === ';' ? value.replace('.', ',') : value;
}

function csvRows(items: LedgerRecord[], style: CsvStyle): unknown[][] {
  return items.map((r) =>
    [
      r.recordedAt.slice(0, 10),
      r.paymentReference,
      r.seq,
      r.recordedAt,
      r.fundYear,
      r.category,
      CATEGORY_LABELS[r.category]?.[style.language] ?? r.category,
      r.purpose,
      copy.purposes[style.language][r.purpose] ?? r.purpose,
      r.proposalId,
      r.title,
      decimal((r.amountEurCents / 100).toFixed(2), style),
      decimal((r.amountGbpPence / 100).toFixed(2), style),
      r.amountEurCents,
      r.amountGbpPence,
      decimal(r.rate.gbpPerEur, style),
      r.rate.source,
      r.hash,
    ].map(neutralise),
  );
}

/**
 * The CSV of a selection, written page by page as DynamoDB hands the pages over, so the handler
 * holds one page and the text written so far; it stops at `maxRows` or CSV_MAX_BYTES and names the
 * cursor that continues it.
 */
async function csvExport(
  filter: DisbursementFilter,
  maxRows: number,
  style: CsvStyle,
  startKey: Record<string, string> | undefined,
): Promise<{ body: string; rows: number; nextKey?: Record<string, unknown> }> {
  const options = { delimiter: style.delimiter, eof: true };
  // A byte-order mark first, so spreadsheets read the accents of titles and labels as UTF-8.
  const chunks = [`\uFEFF${stringify([[...CSV_COLUMNS]], options)}`];
  let bytes = Buffer.byteLength(chunks[0] ?? '');
  let rows = 0;
  let lastKey: Record<string, unknown> | undefined;
  for await (const page of disbursementPages(filter, startKey)) {
    for (const { record, key } of page) {
      if (rows >= maxRows) return { body: chunks.join(''), rows, nextKey: lastKey };
      const line = stringify(csvRows([record], style), options);
      const size = Buffer.byteLength(line);
      if (bytes + size > CSV_MAX_BYTES) return { body: chunks.join(''), rows, nextKey: lastKey };
      chunks.push(line);
      bytes += size;
      rows += 1;
      lastKey = key;
    }
  }
  return { body: chunks.join(''), rows };
}

export const handler = apiHandler<NegotiatedContext>(
  async (event, _caller, context) => {
    const query = event.queryStringParameters ?? {};
    const { filter, limit, csv, style } = parseFilter(query);
    const wantsCsv = csv ?? context.preferredMediaType === 'text/csv';
    const startKey = decodeCursor(query.cursor, planQuery(filter).cursorKeys);
    if (startKey && !cursorFitsFilter(startKey, filter)) {
      throw badRequest('Invalid cursor', [{ path: 'cursor', message: 'belongs to another query' }]);
    }
    const totals = await selectionTotals(filter);
    if (wantsCsv) {
      // A CSV export without an explicit limit is the whole selection (up to CSV_MAX_ROWS per file).
      const maxRows = query.limit === undefined ? CSV_MAX_ROWS : limit;
      const file = await csvExport(filter, maxRows, style, startKey);
      const nextCursor = encodeCursor(file.nextKey);
      const day = new Date().toISOString().slice(0, 10);
      return {
        statusCode: 200,
        headers: {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="jif-disbursements-${day}.csv"`,
          'Cache-Control': 'no-store',
          'X-Total-Count': String(totals.count),
          'X-Total-Eur-Cents': String(totals.amountEurCents),
          'X-Total-Gbp-Pence': String(totals.amountGbpPence),
          ...(nextCursor ? { 'X-Next-Cursor': nextCursor } : {}),
        },
        body: file.body,
      };
    }
    const page = await queryDisbursements(filter, limit, startKey);
    return json(200, { items: page.items, totals, nextCursor: encodeCursor(page.lastKey) });
  },
  negotiateMediaType(['application/json', 'text/csv']),
);
