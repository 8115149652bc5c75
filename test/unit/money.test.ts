import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  amount,
  assertMinorUnits,
  type ExchangeRate,
  eurCentsToGbpPence,
  formatEuros,
  formatPounds,
  parseDecimalEuros,
  REFERENCE_RATE,
} from '../../functions/funding/domain/money.ts';

const rate = (gbpPerEur: string): ExchangeRate => ({ gbpPerEur, source: 'test' });

describe('eurCentsToGbpPence', () => {
  it('is exact at the reference rate: EUR 5m is GBP 4m', () => {
    expect(REFERENCE_RATE.gbpPerEur).toBe('0.80');
    expect(eurCentsToGbpPence(500_000_000)).toBe(400_000_000);
    expect(eurCentsToGbpPence(120_000_000)).toBe(96_000_000);
    expect(eurCentsToGbpPence(0)).toBe(0);
  });

  it('is exact for every multiple of 5 cents at the reference rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000_000 }), (n) => {
        expect(eurCentsToGbpPence(n * 5)).toBe(n * 4);
      }),
    );
  });

  it('rounds odd cents to the nearest penny at the reference rate', () => {
    expect(eurCentsToGbpPence(1)).toBe(1); // 0.8
    expect(eurCentsToGbpPence(3)).toBe(2); // 2.4
    expect(eurCentsToGbpPence(7)).toBe(6); // 5.6
    expect(eurCentsToGbpPence(9)).toBe(7); // 7.2
    expect(eurCentsToGbpPence(14_825_001)).toBe(11_860_001); // 11,860,000.8
  });

  it('rounds a half penny up (away from zero for a negative figure)', () => {
    expect(eurCentsToGbpPence(1, rate('0.5'))).toBe(1); // 0.5
    expect(eurCentsToGbpPence(3, rate('0.5'))).toBe(2); // 1.5
    expect(eurCentsToGbpPence(5, rate('0.5'))).toBe(3); // 2.5
    expect(eurCentsToGbpPence(10, rate('0.85'))).toBe(9); // 8.5
    expect(eurCentsToGbpPence(11, rate('0.85'))).toBe(9); // 9.35
    expect(eurCentsToGbpPence(-3, rate('0.5'))).toBe(-2); // -1.5
    expect(eurCentsToGbpPence(-3)).toBe(-2); // -2.4
  });

  it('stays exact where a float would not (a rate with many decimals, a large amount)', () => {
    // In floats 90 * 0.35 is 31.499999999999996, which would round down; exactly it is 31.5.
    expect(eurCentsToGbpPence(90, rate('0.35'))).toBe(32);
    expect(eurCentsToGbpPence(1_000_000_000_005)).toBe(800_000_000_004);
    expect(eurCentsToGbpPence(3, rate('0.833333'))).toBe(2); // 2.499999
    expect(eurCentsToGbpPence(100, rate('1'))).toBe(100);
  });

  it.each([1.5, 0.1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('refuses %s cents', (value) => {
    expect(() => eurCentsToGbpPence(value)).toThrow(RangeError);
  });

  it('refuses a rate that is not an exact decimal', () => {
    for (const bad of ['0,80', '.8', '8e-1', '-0.8', '']) {
      expect(() => eurCentsToGbpPence(100, rate(bad))).toThrow(RangeError);
    }
  });

  it('amount() gives both figures at the stated rate', () => {
    expect(amount(500_000_000)).toEqual({ eurCents: 500_000_000, gbpPence: 400_000_000 });
    expect(amount(100, rate('0.5'))).toEqual({ eurCents: 100, gbpPence: 50 });
  });

  it('assertMinorUnits names the offending figure', () => {
    expect(() => assertMinorUnits(0.5, 'amountEurCents')).toThrow(/amountEurCents/);
    expect(() => assertMinorUnits(-12, 'amountEurCents')).not.toThrow();
  });
});

describe('parseDecimalEuros', () => {
  it.each([
    ['148250.00', 14_825_000],
    ['148250', 14_825_000],
    ['148250,5', 14_825_050],
    ['148250.5', 14_825_050],
    ['148250,05', 14_825_005],
    ['0.01', 1],
    ['0', 0],
    [' 12.30 ', 1_230],
    ['999999999999.99', 99_999_999_999_999],
  ])('reads %j as %i cents', (text, cents) => {
    expect(parseDecimalEuros(text)).toBe(cents);
  });

  it.each([
    '1e5',
    '-3',
    'abc',
    '',
    ' ',
    '1.234',
    '.5',
    '5.',
    '+5',
    '1 000',
    '1,000.00',
    '0x10',
    'EUR 5',
    '1000000000000',
  ])('refuses %j', (text) => {
    expect(parseDecimalEuros(text)).toBeNull();
  });

  it('never loses a cent (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999 }), fc.integer({ min: 0, max: 99 }), (e, c) => {
        expect(parseDecimalEuros(`${e}.${String(c).padStart(2, '0')}`)).toBe(e * 100 + c);
      }),
    );
  });
});

describe('formatting', () => {
  it.each([
    [0, 'EUR 0.00'],
    [5, 'EUR 0.05'],
    [99, 'EUR 0.99'],
    [100, 'EUR 1.00'],
    [14_825_000, 'EUR 148,250.00'],
    [500_000_000, 'EUR 5,000,000.00'],
    [123_456_789, 'EUR 1,234,567.89'],
    [-5, 'EUR -0.05'],
    [-123_456, 'EUR -1,234.56'],
  ])('formatEuros(%i) is %s', (cents, text) => {
    expect(formatEuros(cents)).toBe(text);
  });

  it('formatPounds uses GBP with the same grouping', () => {
    expect(formatPounds(400_000_000)).toBe('GBP 4,000,000.00');
    expect(formatPounds(1)).toBe('GBP 0.01');
  });

  it('round-trips with parseDecimalEuros', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999_999_999 }), (cents) => {
        const text = formatEuros(cents).replace('EUR ', '').replaceAll(',', '');
        expect(parseDecimalEuros(text)).toBe(cents);
      }),
    );
  });
});
