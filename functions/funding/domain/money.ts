/**
 * Money in integer minor units only. The currency of record is EUR; every figure is also given
 * in GBP at the fund's reference rate (GBP 0.80 per EUR, from the 2014 declaration: EUR 5m = GBP 4m).
 */
// A type, not an interface: a record's codec keeps any attribute a stored rate has (see data/ledger.ts).
export type ExchangeRate = {
  /** GBP per EUR, as an exact decimal string, e.g. "0.80". */
  gbpPerEur: string;
  source: string;
};

export const REFERENCE_RATE: ExchangeRate = {
  gbpPerEur: '0.80',
  source: 'Joint declaration of 20 September 2014: EUR 5,000,000 = GBP 4,000,000',
};

/** The rate as an exact fraction (numerator / denominator), so no float ever touches money. */
function rateFraction(rate: ExchangeRate): { num: bigint; den: bigint } {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(rate.gbpPerEur);
  if (!match) throw new RangeError(`Invalid exchange rate: ${rate.gbpPerEur}`);
  const decimals = match[2] ?? '';
  return { num: BigInt(`${match[1]}${decimals}`), den: 10n ** BigInt(decimals.length) };
}

/** EUR cents to GBP pence, rounded half up (the rounding a finance officer would do by hand). */
export function eurCentsToGbpPence(eurCents: number, rate: ExchangeRate = REFERENCE_RATE): number {
  assertMinorUnits(eurCents, 'eurCents');
  const { num, den } = rateFraction(rate);
  const scaled = BigInt(eurCents) * num;
  const negative = scaled < 0n;
  const abs = negative ? -scaled : scaled;
  const rounded = (abs * 2n + den) / (2n * den);
  return Number(negative ? -rounded : rounded);
}

export function assertMinorUnits(value: number, name: string): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer of minor units`);
}

/** A pair of figures as the API shows them: EUR cents and GBP pence at the stated rate. */
export interface Amount {
  eurCents: number;
  gbpPence: number;
}

export function amount(eurCents: number, rate: ExchangeRate = REFERENCE_RATE): Amount {
  return { eurCents, gbpPence: eurCentsToGbpPence(eurCents, rate) };
}

/** "148250.00" (decimal euros, as the cost report form takes them) to cents, exactly. */
export function parseDecimalEuros(text: string): number | null {
  const match = /^\s*(\d{1,12})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(cents) ? cents : null;
}

export function formatEuros(eurCents: number): string {
  return `EUR ${formatMinor(eurCents)}`;
}
export function formatPounds(gbpPence: number): string {
  return `GBP ${formatMinor(gbpPence)}`;
}
function formatMinor(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const units = Math.trunc(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${units}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * An amount in euros as a person types it, French or English style, to cents exactly:
 * `1 200 000,00`, `1.200.000,00`, `1,200,000.00`, `1200000`, `1 200 000 €`. The last `,` or `.`
 * followed by one or two digits is the decimal mark; others must group digits by three.
 * Null for anything else (a typo is refused, never guessed).
 */
export function parseTypedEuros(text: string): number | null {
  const compact = text
    .replace(/(€|eur)/gi, '')
    .replace(/[\s\u00a0\u202f']/g, '')
    .trim();
  const match = /^(\d{1,3}(?:[.,]\d{3})*|\d+)(?:([.,])(\d{1,2}))?$/.exec(compact);
  if (!match) return null;
  const [, whole = '', mark, decimals = ''] = match;
  // One grouping separator only, and never the decimal mark.
  const separators = new Set(whole.replace(/\d/g, ''));
  if (separators.size > 1 || (mark && separators.has(mark))) return null;
  const cents = Number(whole.replace(/[.,]/g, '')) * 100 + Number(decimals.padEnd(2, '0'));
  return Number.isSafeInteger(cents) ? cents : null;
}
