import { describe, expect, it } from 'vitest';
import { date, dateTime, longDateTime, money } from '../../functions/pages/format.ts';

// The formatters are kept per language and style: interleaved calls must each get their own.
describe('figures and dates in the reader language', () => {
  it('formats money in each currency and language, whatever came before', () => {
    const rounds = [0, 1].map(() => [
      money(120_000_000, 'EUR', 'en'),
      money(96_000_000, 'GBP', 'en'),
      money(120_000_000, 'EUR', 'fr'),
      money(96_000_000, 'GBP', 'fr'),
    ]);
    // French figures are grouped with Intl's narrow no-break spaces.
    expect(rounds[0]).toEqual([
      '€1,200,000.00',
      '£960,000.00',
      '1\u202f200\u202f000,00\u00a0€',
      '960\u202f000,00\u00a0£GB',
    ]);
    expect(rounds[1]).toEqual(rounds[0]);
  });

  it('formats a moment short, long and as a date, each in the reader time zone', () => {
    const at = '2025-03-01T10:30:00Z';
    const rounds = [0, 1].map(() => [
      dateTime(at, 'en'),
      longDateTime(at, 'en'),
      date(at, 'en'),
      dateTime(at, 'fr'),
      longDateTime(at, 'fr'),
      date(at, 'fr'),
    ]);
    expect(rounds[0]).toEqual([
      '1 Mar 2025, 10:30 GMT',
      '1 March 2025 at 10:30 GMT',
      '1 Mar 2025',
      '1 mars 2025, 11:30 UTC+1',
      '1 mars 2025 à 11:30 UTC+1',
      '1 mars 2025',
    ]);
    expect(rounds[1]).toEqual(rounds[0]);
  });

  it('keeps what it cannot read as it was given', () => {
    expect(dateTime('not a date', 'en')).toBe('not a date');
    expect(date(undefined, 'fr')).toBe('–');
  });
});
