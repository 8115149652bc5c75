/**
 * Workflow task: moves a proposal to its next status (only as the fund's rules allow) and tells the
 * port authority. Idempotent: re-running it for a status already reached changes nothing, and the
 * email is sent until it is confirmed once (`pendingNotice`). APPROVED is refused
 * (`SignOff.NotRecorded`) unless every required decision recorded in the table is an approval.
 */

import { authorityOutcomeEmail, proposalOutcomeEmail } from '../../pages/emails.ts';
import { authorityDirectory, proposalPageUrl } from '../../platform/config.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { taskHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { sendEmail } from '../../platform/mail.ts';
import { requestsForSubject, type SignOffRequest } from '../../sign-off/data/sign-offs.ts';
import { type DecisionNote, decisionNotes } from '../../sign-off/decisions.ts';
import { approvalsMissing, approvalsRequired } from '../../sign-off/domain/sign-off.ts';
import {
  clearPendingNotice,
  getProposal,
  type ProposalRecord,
  transitionProposal,
} from '../data/proposals.ts';
import { needsRoadAuthorityAgreement } from '../domain/categories.ts';
import { isFinal, isProposalStatus, type ProposalStatus } from '../domain/statuses.ts';

export interface RecordOutcomeInput {
  proposalId: string;
  status: ProposalStatus;
  reason?: string;
}

/**
 * The outcome, to each authority that decided or let its request run out (a withdrawn one was told
 * already, with the reason), so approvers and the road authority learn how it ended.
 */
async function tellAuthorities(
  record: ProposalRecord,
  input: RecordOutcomeInput,
  requests: SignOffRequest[],
  decisions: DecisionNote[],
): Promise<void> {
  const directory = authorityDirectory();
  for (const request of requests) {
    if (!['APPROVED', 'REJECTED', 'EXPIRED'].includes(request.status)) continue;
    const entry = directory[request.authority];
    const to = [entry.primary];
    if (request.sentStages.includes('DEPUTY') && entry.deputy !== entry.primary) to.push(entry.deputy);
    await sendEmail(
      to,
      authorityOutcomeEmail({
        authority: request.authority,
        proposalId: record.proposalId,
        title: record.title,
        status: input.status,
        decisions,
        ...(input.reason ? { reason: input.reason } : {}),
      }),
    );
  }
}

export const handler = taskHandler(async (input: RecordOutcomeInput) => {
  if (typeof input.proposalId !== 'string' || !isProposalStatus(input.status)) {
    throw new WorkflowError('Proposal.InvalidInput', `Invalid outcome input: ${JSON.stringify(input)}`);
  }
  if (input.status === 'APPROVED') await requireRecordedApprovals(input.proposalId);
  const { changed, record } = await transitionProposal(
    input.proposalId,
    input.status,
    new Date().toISOString(),
    input.reason,
  );
  if (record.pendingNotice === input.status) {
    const requests = await requestsForSubject('PROPOSAL', input.proposalId);
    const decisions = decisionNotes(requests);
    const rejection = input.status === 'REJECTED' ? requests.find((r) => r.status === 'REJECTED') : undefined;
    await sendEmail(
      [record.contactEmail],
      proposalOutcomeEmail({
        proposalId: record.proposalId,
        title: record.title,
        status: input.status,
        ...(input.reason ? { reason: input.reason } : {}),
        ...(rejection ? { rejectedBy: rejection.authority } : {}),
        ...(rejection?.comment ? { comment: rejection.comment } : {}),
        amounts: { requestedEurCents: record.funding.reduce((sum, line) => sum + line.amountEurCents, 0) },
        ...linkTo(record.proposalId),
        decisions,
      }),
    );
    if (isFinal(input.status) || input.status === 'FUNDED') {
      await tellAuthorities(record, input, requests, decisions);
    }
    await clearPendingNotice(record.proposalId, input.status);
  }
  logger.info('proposal status recorded', { proposalId: record.proposalId, status: record.status, changed });
  return { proposalId: record.proposalId, status: record.status, changed };
});

/** A forged or replayed task completion must not fund a proposal whose sign-offs say otherwise. */
async function requireRecordedApprovals(proposalId: string): Promise<void> {
  const proposal = await getProposal(proposalId);
  if (!proposal) throw new WorkflowError('Proposal.NotFound', `No proposal ${proposalId}`);
  const required = approvalsRequired(needsRoadAuthorityAgreement(proposal.category));
  const missing = approvalsMissing(required, await requestsForSubject('PROPOSAL', proposalId));
  if (missing.length > 0) {
    throw new WorkflowError(
      'SignOff.NotRecorded',
      `${proposalId}: no approval recorded for ${missing.join(', ')}; nothing is committed`,
    );
  }
}

function linkTo(proposalId: string): { link?: string } {
  const link = proposalPageUrl(proposalId);
  return link ? { link } : {};
}
