/** A proposal's life, and the only moves between statuses the fund allows. */
export const PROPOSAL_STATUSES = [
  'AWAITING_AGREEMENT',
  'AWAITING_SIGN_OFF',
  'APPROVED',
  'FUNDED',
  'COMPLETED',
  'REJECTED',
  'EXPIRED',
  'FUNDS_UNAVAILABLE',
] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

const TRANSITIONS: Record<ProposalStatus, readonly ProposalStatus[]> = {
  AWAITING_AGREEMENT: ['AWAITING_SIGN_OFF', 'REJECTED', 'EXPIRED'],
  AWAITING_SIGN_OFF: ['APPROVED', 'REJECTED', 'EXPIRED'],
  APPROVED: ['FUNDED', 'FUNDS_UNAVAILABLE'],
  FUNDED: ['COMPLETED'],
  COMPLETED: [],
  REJECTED: [],
  EXPIRED: [],
  FUNDS_UNAVAILABLE: [],
};

export function isProposalStatus(value: unknown): value is ProposalStatus {
  return typeof value === 'string' && (PROPOSAL_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: ProposalStatus, to: ProposalStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses a proposal can move out of (so a caller may ask "from which?"). */
export function predecessorsOf(to: ProposalStatus): ProposalStatus[] {
  return PROPOSAL_STATUSES.filter((from) => canTransition(from, to));
}

export function isFinal(status: ProposalStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/**
 * Is a proposal at `current` already at `target` or past it along the allowed moves? A step re-run
 * (a retry, a redrive) that finds its status already reached, or overtaken, has nothing left to do.
 */
export function hasReached(current: ProposalStatus, target: ProposalStatus): boolean {
  const seen = new Set<ProposalStatus>();
  const walk = (from: ProposalStatus): boolean => {
    if (from === current) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return TRANSITIONS[from].some(walk);
  };
  return walk(target);
}
