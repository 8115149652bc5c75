import { describe, expect, it } from 'vitest';
import {
  ENVELOPE_CAP_EUR_CENTS,
  FUND_YEARS,
  fundYearAt,
  fundYearBounds,
  fundYearHasOpened,
  isFundYear,
} from '../../functions/funding/domain/fund.ts';

const at = (iso: string) => new Date(iso);
const before = (date: Date) => new Date(date.getTime() - 1);

describe('the fund', () => {
  it('has three years, each capped at EUR 5,000,000', () => {
    expect(FUND_YEARS).toEqual([1, 2, 3]);
    expect(ENVELOPE_CAP_EUR_CENTS).toBe(500_000_000);
  });

  it.each([
    [1, true],
    [3, true],
    [0, false],
    [4, false],
    [1.5, false],
    ['1', false],
    [null, false],
  ])('isFundYear(%j) is %s', (value, expected) => {
    expect(isFundYear(value)).toBe(expected);
  });
});

describe('fund years from a 1 April start', () => {
  const start = at('2025-04-01T00:00:00.000Z');

  it('gives each year as [start, end), one calendar year each', () => {
    expect(fundYearBounds(start, 1)).toEqual({ start, end: at('2026-04-01T00:00:00.000Z') });
    expect(fundYearBounds(start, 2)).toEqual({
      start: at('2026-04-01T00:00:00.000Z'),
      end: at('2027-04-01T00:00:00.000Z'),
    });
    expect(fundYearBounds(start, 3)).toEqual({
      start: at('2027-04-01T00:00:00.000Z'),
      end: at('2028-04-01T00:00:00.000Z'),
    });
  });

  it.each([
    ['2025-03-31T23:59:59.999Z', null],
    ['2025-04-01T00:00:00.000Z', 1],
    ['2026-03-31T23:59:59.999Z', 1],
    ['2026-04-01T00:00:00.000Z', 2],
    ['2027-03-31T23:59:59.999Z', 2],
    ['2027-04-01T00:00:00.000Z', 3],
    ['2028-03-31T23:59:59.999Z', 3],
    ['2028-04-01T00:00:00.000Z', null],
  ])('%s falls in fund year %s', (instant, year) => {
    expect(fundYearAt(start, at(instant))).toBe(year);
  });

  it('opens a year at its first instant, and not a millisecond before', () => {
    for (const year of FUND_YEARS) {
      const { start: opens } = fundYearBounds(start, year);
      expect(fundYearHasOpened(start, year, before(opens))).toBe(false);
      expect(fundYearHasOpened(start, year, opens)).toBe(true);
    }
    // A year stays open once opened, even after the fund's end.
    expect(fundYearHasOpened(start, 1, at('2030-01-01T00:00:00.000Z'))).toBe(true);
  });

  it('keeps a start time of day (a datetime start, not only a date)', () => {
    const noon = at('2025-04-01T12:00:00.000Z');
    expect(fundYearAt(noon, at('2025-04-01T11:59:59.999Z'))).toBeNull();
    expect(fundYearAt(noon, at('2026-04-01T11:59:59.999Z'))).toBe(1);
    expect(fundYearAt(noon, at('2026-04-01T12:00:00.000Z'))).toBe(2);
  });
});

describe('fund years from a 29 February start', () => {
  const start = at('2024-02-29T00:00:00.000Z');

  it('starts later years on 1 March when there is no 29 February', () => {
    expect(fundYearBounds(start, 1)).toEqual({ start, end: at('2025-03-01T00:00:00.000Z') });
    expect(fundYearBounds(start, 2).start).toEqual(at('2025-03-01T00:00:00.000Z'));
    expect(fundYearBounds(start, 3)).toEqual({
      start: at('2026-03-01T00:00:00.000Z'),
      end: at('2027-03-01T00:00:00.000Z'),
    });
  });

  it('leaves no gap and no overlap between years', () => {
    for (const year of [1, 2] as const) {
      const { end } = fundYearBounds(start, year);
      expect(fundYearBounds(start, (year + 1) as 2 | 3).start).toEqual(end);
      expect(fundYearAt(start, before(end))).toBe(year);
      expect(fundYearAt(start, end)).toBe(year + 1);
    }
  });

  it('counts 28 February 2025 in year 1', () => {
    expect(fundYearAt(start, at('2025-02-28T23:59:59.999Z'))).toBe(1);
    expect(fundYearHasOpened(start, 2, at('2025-02-28T23:59:59.999Z'))).toBe(false);
    expect(fundYearHasOpened(start, 2, at('2025-03-01T00:00:00.000Z'))).toBe(true);
  });

  it('ends the fund on 1 March 2027', () => {
    expect(fundYearAt(start, at('2027-02-28T23:59:59.999Z'))).toBe(3);
    expect(fundYearAt(start, at('2027-03-01T00:00:00.000Z'))).toBeNull();
  });

  it('does not change the start it was given', () => {
    fundYearBounds(start, 3);
    expect(start.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });
});
