/**
 * The fund as the 20 September 2014 declaration set it: a UK contribution of EUR 5m a year
 * for three years. Each fund year is an envelope capped at EUR 5,000,000.
 */
export const FUND_YEARS = [1, 2, 3] as const;

/** A proposal has one funding line per fund year and purpose (INVESTMENT, RUNNING_COST) at most. */
export const MAX_FUNDING_LINES = FUND_YEARS.length * 2;
export type FundYear = (typeof FUND_YEARS)[number];

export const ENVELOPE_CAP_EUR_CENTS = 5_000_000 * 100;

export function isFundYear(value: unknown): value is FundYear {
  return value === 1 || value === 2 || value === 3;
}

/** The fund year `at` falls in, given the day fund year 1 starts; null before or after the fund. */
export function fundYearAt(fundStart: Date, at: Date): FundYear | null {
  for (const year of FUND_YEARS) {
    const { start, end } = fundYearBounds(fundStart, year);
    if (at >= start && at < end) return year;
  }
  return null;
}

/** [start, end) of a fund year: fund year n starts n-1 calendar years after fund year 1. */
export function fundYearBounds(fundStart: Date, year: FundYear): { start: Date; end: Date } {
  return { start: addYears(fundStart, year - 1), end: addYears(fundStart, year) };
}

/** Has the fund year begun by `at`? Investment of a later year is released when it opens. */
export function fundYearHasOpened(fundStart: Date, year: FundYear, at: Date): boolean {
  return at >= fundYearBounds(fundStart, year).start;
}

function addYears(date: Date, years: number): Date {
  const result = new Date(date.getTime());
  result.setUTCFullYear(result.getUTCFullYear() + years);
  return result;
}
