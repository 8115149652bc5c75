/**
 * When a proposal's life ends. Everything it was granted (each funding line) is settled once it is
 * paid, released back to its envelope, or a mix of both (a running-cost line: the tranche the
 * evaluation decided is paid, the rest of the line released). A proposal all of whose lines are
 * settled is COMPLETED: nothing it holds can be paid any more, so nothing has to visit it again.
 */
import type { FundingPurpose } from '../../proposals/domain/categories.ts';

export interface GrantedLine {
  fundYear: number;
  purpose: FundingPurpose;
  amountEurCents: number;
}

/** What became of one fund year's commitment, as its items record it. */
export interface YearAccount {
  fundYear: number;
  /** RELEASED: the whole year went back to its envelope (nothing of it is owed any more). */
  status: 'PENDING' | 'COMMITTED' | 'RELEASED';
  /** Paid into the ledger, per purpose. */
  paidEurCents: Partial<Record<FundingPurpose, number>>;
  /** Given back to the envelope for one purpose only (a running cost beyond its tranche). */
  releasedEurCents: Partial<Record<FundingPurpose, number>>;
}

/** The lines still owed something: neither paid, nor released, nor both for their full amount. */
export function outstandingLines(
  granted: readonly GrantedLine[],
  years: readonly YearAccount[],
): GrantedLine[] {
  return granted.filter((line) => {
    const year = years.find((y) => y.fundYear === line.fundYear);
    if (!year) return true;
    if (year.status === 'RELEASED') return false;
    const settled = (year.paidEurCents[line.purpose] ?? 0) + (year.releasedEurCents[line.purpose] ?? 0);
    return settled < line.amountEurCents;
  });
}

/** Everything granted is paid or released (and at least one line was granted). */
export function isSettled(granted: readonly GrantedLine[], years: readonly YearAccount[]): boolean {
  return granted.length > 0 && outstandingLines(granted, years).length === 0;
}
