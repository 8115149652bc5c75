import { describe, expect, it } from 'vitest';
import { parseTypedEuros } from '../../functions/funding/domain/money.ts';

describe('parseTypedEuros', () => {
  it.each([
    ['1 200 000,00', 120_000_000],
    ['1\u202f200\u202f000,00 €', 120_000_000],
    ['1.200.000,00', 120_000_000],
    ['1,200,000.00', 120_000_000],
    ['1200000', 120_000_000],
    ['1200000.5', 120_000_050],
    ['1200000,05', 120_000_005],
    ['EUR 150,000', 15_000_000],
    ['0,99', 99],
  ])('reads %s as %i cents', (typed, cents) => {
    expect(parseTypedEuros(typed)).toBe(cents);
  });

  it.each([
    '',
    'abc',
    '1,2,3',
    '12,00,000',
    '1.200,000.00',
    '1,200.000,00',
    '1,234.567',
    '-5',
    '1e6',
    '12.345,6789',
  ])('refuses %s', (typed) => {
    expect(parseTypedEuros(typed)).toBeNull();
  });
});
