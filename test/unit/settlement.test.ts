import { describe, expect, it } from 'vitest';
import {
  type GrantedLine,
  isSettled,
  outstandingLines,
  type YearAccount,
} from '../../functions/funding/domain/settlement.ts';

const granted: GrantedLine[] = [
  { fundYear: 2, purpose: 'INVESTMENT', amountEurCents: 1_000 },
  { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 500 },
  { fundYear: 3, purpose: 'RUNNING_COST', amountEurCents: 400 },
];
const year = (fundYear: number, account: Partial<YearAccount> = {}): YearAccount => ({
  fundYear,
  status: 'COMMITTED',
  paidEurCents: {},
  releasedEurCents: {},
  ...account,
});

describe('settlement of a grant', () => {
  it('is settled when each line is paid, given back, or a tranche paid and the rest given back', () => {
    const years = [
      year(2, {
        paidEurCents: { INVESTMENT: 1_000, RUNNING_COST: 300 },
        releasedEurCents: { RUNNING_COST: 200 },
      }),
      year(3, { releasedEurCents: { RUNNING_COST: 400 } }),
    ];
    expect(outstandingLines(granted, years)).toEqual([]);
    expect(isSettled(granted, years)).toBe(true);
  });

  it('names the lines still owed something', () => {
    const years = [
      year(2, { paidEurCents: { INVESTMENT: 1_000, RUNNING_COST: 300 } }),
      year(3, { paidEurCents: { RUNNING_COST: 400 } }),
    ];
    expect(outstandingLines(granted, years)).toEqual([granted[1]]);
    expect(isSettled(granted, years)).toBe(false);
  });

  it('counts a year released whole (compensation) as settled, and a year never committed as owed', () => {
    expect(outstandingLines(granted, [year(2, { status: 'RELEASED' })])).toEqual([granted[2]]);
    expect(isSettled([], [])).toBe(false);
  });
});
