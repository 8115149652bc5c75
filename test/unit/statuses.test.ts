import { describe, expect, it } from 'vitest';
import {
  canTransition,
  hasReached,
  isFinal,
  isProposalStatus,
  PROPOSAL_STATUSES,
  type ProposalStatus,
  predecessorsOf,
} from '../../functions/proposals/domain/statuses.ts';

/** The fund's rules, written out once more so a change to the table is a deliberate one. */
const ALLOWED: [ProposalStatus, ProposalStatus][] = [
  ['AWAITING_AGREEMENT', 'AWAITING_SIGN_OFF'],
  ['AWAITING_AGREEMENT', 'REJECTED'],
  ['AWAITING_AGREEMENT', 'EXPIRED'],
  ['AWAITING_SIGN_OFF', 'APPROVED'],
  ['AWAITING_SIGN_OFF', 'REJECTED'],
  ['AWAITING_SIGN_OFF', 'EXPIRED'],
  ['APPROVED', 'FUNDED'],
  ['APPROVED', 'FUNDS_UNAVAILABLE'],
  ['FUNDED', 'COMPLETED'],
];

const allowed = new Set(ALLOWED.map(([from, to]) => `${from}>${to}`));
const REFUSED = PROPOSAL_STATUSES.flatMap((from) =>
  PROPOSAL_STATUSES.filter((to) => !allowed.has(`${from}>${to}`)).map((to) => [from, to] as const),
);

describe('proposal status transitions', () => {
  it.each(ALLOWED)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it('refuses every other move', () => {
    expect(REFUSED.length).toBe(PROPOSAL_STATUSES.length ** 2 - ALLOWED.length);
    for (const [from, to] of REFUSED) expect(canTransition(from, to), `${from} -> ${to}`).toBe(false);
  });

  it.each([
    ['AWAITING_AGREEMENT', 'APPROVED'],
    ['AWAITING_SIGN_OFF', 'FUNDED'],
    ['AWAITING_SIGN_OFF', 'AWAITING_AGREEMENT'],
    ['APPROVED', 'REJECTED'],
    ['FUNDED', 'REJECTED'],
    ['REJECTED', 'APPROVED'],
    ['EXPIRED', 'AWAITING_SIGN_OFF'],
    ['FUNDS_UNAVAILABLE', 'FUNDED'],
    ['COMPLETED', 'FUNDED'],
    ['FUNDED', 'FUNDED'],
  ] as const)('refuses %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('has four final statuses', () => {
    expect(PROPOSAL_STATUSES.filter(isFinal)).toEqual([
      'COMPLETED',
      'REJECTED',
      'EXPIRED',
      'FUNDS_UNAVAILABLE',
    ]);
    for (const status of ['AWAITING_AGREEMENT', 'AWAITING_SIGN_OFF', 'APPROVED', 'FUNDED'] as const) {
      expect(isFinal(status)).toBe(false);
    }
  });

  it('every status but the first can be reached', () => {
    for (const status of PROPOSAL_STATUSES) {
      expect(predecessorsOf(status).length > 0).toBe(status !== 'AWAITING_AGREEMENT');
    }
    expect(predecessorsOf('REJECTED')).toEqual(['AWAITING_AGREEMENT', 'AWAITING_SIGN_OFF']);
    expect(predecessorsOf('FUNDED')).toEqual(['APPROVED']);
  });

  it('knows its statuses', () => {
    expect(isProposalStatus('FUNDED')).toBe(true);
    expect(isProposalStatus('funded')).toBe(false);
    expect(isProposalStatus('PENDING')).toBe(false);
    expect(isProposalStatus(undefined)).toBe(false);
  });

  it('knows a status reached or overtaken, so a re-run step does nothing', () => {
    expect(hasReached('FUNDED', 'FUNDED')).toBe(true);
    expect(hasReached('COMPLETED', 'FUNDED')).toBe(true);
    expect(hasReached('COMPLETED', 'APPROVED')).toBe(true);
    expect(hasReached('FUNDED', 'COMPLETED')).toBe(false);
    expect(hasReached('FUNDS_UNAVAILABLE', 'FUNDED')).toBe(false);
    expect(hasReached('REJECTED', 'APPROVED')).toBe(false);
  });
});
