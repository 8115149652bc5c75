/**
 * What `GET /proposals/{id}` shows: the proposal, its sign-offs, money and a timeline derived from
 * the records themselves (status history, sign-off stages, commitments, disbursements), so the
 * timeline can never drift from what happened.
 */

import { amount } from '../funding/domain/money.ts';
import type { SignOffRequest } from '../sign-off/data/sign-offs.ts';
import type { ProposalPartition, ProposalRecord } from './data/proposals.ts';

export interface TimelineEntry {
  at: string;
  event: string;
  detail: Record<string, unknown>;
}

export function proposalView(
  proposal: ProposalRecord,
  requests: SignOffRequest[],
  { commitments: stored, claims }: Pick<ProposalPartition, 'commitments' | 'claims'>,
) {
  const timeline: TimelineEntry[] = [];
  proposal.statusHistory.forEach((change, index) => {
    timeline.push({
      at: change.at,
      event: index === 0 ? 'SUBMITTED' : 'STATUS_CHANGED',
      detail: { status: change.status, ...(change.reason ? { reason: change.reason } : {}) },
    });
  });
  const signOffs = requests
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((request) => {
      for (const [stage, at] of Object.entries(request.stageTimes ?? {})) {
        timeline.push({
          at,
          event:
            stage === 'REQUEST'
              ? 'SIGN_OFF_REQUESTED'
              : stage === 'DEPUTY'
                ? 'SIGN_OFF_ESCALATED_TO_DEPUTY'
                : 'SIGN_OFF_REMINDER_SENT',
          detail: { authority: request.authority, stage },
        });
      }
      if (request.decidedAt) {
        timeline.push({
          at: request.decidedAt,
          event: request.status === 'APPROVED' ? 'SIGN_OFF_APPROVED' : 'SIGN_OFF_REJECTED',
          detail: {
            authority: request.authority,
            byDeputy: request.decidedStage === 'DEPUTY',
            ...(request.comment ? { comment: request.comment } : {}),
          },
        });
      }
      if (request.closedAt) {
        timeline.push({
          at: request.closedAt,
          event: `SIGN_OFF_${request.status}`,
          detail: { authority: request.authority },
        });
      }
      return {
        authority: request.authority,
        status: request.status,
        requestedAt: request.createdAt,
        expiresAt: request.expiresAt,
        remindersSent: request.sentStages.filter((s) => s === 'REMINDER_1' || s === 'REMINDER_2').length,
        escalatedToDeputy: request.sentStages.includes('DEPUTY'),
        // Both always present (null until decided, or without a comment), as the contract lists them.
        decidedAt: request.decidedAt ?? null,
        comment: request.comment ?? null,
        ...(request.decidedAt ? { byDeputy: request.decidedStage === 'DEPUTY' } : {}),
      };
    });
  const commitments = stored.map((commitment) => {
    const { fundYear, committedAt, releasedAt, runningCostReleasedAt } = commitment;
    const eurCents = commitment.amountEurCents;
    if (committedAt)
      timeline.push({ at: committedAt, event: 'FUNDS_COMMITTED', detail: { fundYear, eurCents } });
    if (releasedAt)
      timeline.push({ at: releasedAt, event: 'COMMITMENT_RELEASED', detail: { fundYear, eurCents } });
    // After an approved evaluation: the running cost beyond the tranche went back to the envelope.
    const returned = commitment.runningCostReleasedEurCents;
    if (returned !== undefined && runningCostReleasedAt) {
      timeline.push({
        at: runningCostReleasedAt,
        event: 'COMMITMENT_RELEASED',
        detail: { fundYear, purpose: 'RUNNING_COST', eurCents: returned },
      });
    }
    return {
      fundYear,
      status: commitment.status,
      amountEurCents: eurCents,
      amountGbpPence: amount(eurCents).gbpPence,
      committedAt,
      ...(releasedAt ? { releasedAt } : {}),
      ...(returned !== undefined
        ? {
            runningCostReleasedEurCents: returned,
            runningCostReleasedGbpPence: amount(returned).gbpPence,
            runningCostReleasedAt,
          }
        : {}),
    };
  });
  const disbursements = claims.flatMap((claim) => {
    if (claim.ledgerSeq === undefined) return [];
    const disbursedAt = claim.disbursedAt ?? claim.claimedAt;
    timeline.push({
      at: disbursedAt,
      event: 'FUNDS_DISBURSED',
      detail: {
        fundYear: claim.fundYear,
        purpose: claim.purpose,
        eurCents: claim.amountEurCents,
        paymentReference: claim.paymentReference,
      },
    });
    return [
      {
        disbursementId: claim.disbursementId,
        fundYear: claim.fundYear,
        purpose: claim.purpose,
        amountEurCents: claim.amountEurCents,
        amountGbpPence: claim.amountGbpPence,
        paymentReference: claim.paymentReference,
        disbursedAt,
        ledgerSeq: claim.ledgerSeq,
      },
    ];
  });
  timeline.sort((a, b) => a.at.localeCompare(b.at));
  const { ownerSub: _owner, pendingNotice: _notice, statusHistory: _history, ...visible } = proposal;
  return {
    ...visible,
    funding: proposal.funding.map((line) => ({
      ...line,
      amountGbpPence: amount(line.amountEurCents, proposal.rate).gbpPence,
    })),
    signOffs,
    // FUNDS_UNAVAILABLE: "nothing is committed" (the contract). What a partial commit took and gave
    // back at once (compensation) stays in the timeline, not among the commitments; one still held
    // (which compensation exists to prevent) would show.
    commitments:
      proposal.status === 'FUNDS_UNAVAILABLE'
        ? commitments.filter((commitment) => commitment.status !== 'RELEASED')
        : commitments,
    disbursements,
    timeline,
  };
}
