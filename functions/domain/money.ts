/**
 * Money in integer minor units only. The currency of record is EUR; every figure is also given
 * in GBP at the fund's reference rate (GBP 0.80 per EUR, from the 2014 declaration: EUR 5m = GBP 4m).
 */
export interface ExchangeRate {
  /** GBP per EUR, as an exact decimal string, e.g. "0.80". */
  gbpPerEur: string;
  source: string;
}

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
