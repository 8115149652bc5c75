/**
 * What `GET /proposals/{id}` shows: the proposal, its sign-offs, money and a timeline derived from
 * the records themselves (status history, sign-off stages, commitments, disbursements), so the
 * timeline can never drift from what happened.
 */

import { amount } from '../funding/domain/money.ts';
import type { SignOffRequest } from '../sign-off/data/sign-offs.ts';
import type { ProposalRecord } from './data/proposals.ts';

export interface TimelineEntry {
  at: string;
  event: string;
  detail: Record<string, unknown>;
}

export function proposalView(
  proposal: ProposalRecord,
  requests: SignOffRequest[],
  partition: Record<string, unknown>[],
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
          at: at as string,
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
        ...(request.decidedAt
          ? { decidedAt: request.decidedAt, byDeputy: request.decidedStage === 'DEPUTY' }
          : {}),
        ...(request.comment ? { comment: request.comment } : {}),
      };
    });
  const commitments = partition
    .filter((item) => item.type === 'Commitment')
    .map((item) => {
      const eurCents = Number(item.amountEurCents);
      if (typeof item.committedAt === 'string') {
        timeline.push({
          at: item.committedAt,
          event: 'FUNDS_COMMITTED',
          detail: { fundYear: item.fundYear, eurCents },
        });
      }
      if (typeof item.releasedAt === 'string') {
        timeline.push({
          at: item.releasedAt,
          event: 'COMMITMENT_RELEASED',
          detail: { fundYear: item.fundYear, eurCents },
        });
      }
      // After an approved evaluation: the running cost beyond the tranche went back to the envelope.
      const returned = item.runningCostReleasedEurCents;
      if (typeof returned === 'number' && typeof item.runningCostReleasedAt === 'string') {
        timeline.push({
          at: item.runningCostReleasedAt,
          event: 'COMMITMENT_RELEASED',
          detail: { fundYear: item.fundYear, purpose: 'RUNNING_COST', eurCents: returned },
        });
      }
      return {
        fundYear: item.fundYear,
        status: item.status,
        amountEurCents: eurCents,
        amountGbpPence: amount(eurCents).gbpPence,
        committedAt: item.committedAt,
        ...(item.releasedAt ? { releasedAt: item.releasedAt } : {}),
        ...(typeof returned === 'number'
          ? {
              runningCostReleasedEurCents: returned,
              runningCostReleasedGbpPence: amount(returned).gbpPence,
              runningCostReleasedAt: item.runningCostReleasedAt,
            }
          : {}),
      };
    });
  const disbursements = partition
    .filter((item) => item.type === 'DisbursementClaim' && item.ledgerSeq !== undefined)
    .map((item) => {
      timeline.push({
        at: String(item.disbursedAt),
        event: 'FUNDS_DISBURSED',
        detail: {
          fundYear: item.fundYear,
          purpose: item.purpose,
          eurCents: item.amountEurCents,
          paymentReference: item.paymentReference,
        },
      });
      return {
        disbursementId: item.disbursementId,
        fundYear: item.fundYear,
        purpose: item.purpose,
        amountEurCents: item.amountEurCents,
        amountGbpPence: item.amountGbpPence,
        paymentReference: item.paymentReference,
        disbursedAt: item.disbursedAt,
        ledgerSeq: item.ledgerSeq,
      };
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
    commitments,
    disbursements,
    timeline,
  };
}
