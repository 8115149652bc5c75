/**
 * Money follows the decisions recorded in the table, never a workflow task's output alone: anyone
 * holding a task token could complete a sign-off task, so a forged or replayed completion must not
 * fund a proposal whose sign-offs say otherwise.
 */

import { WorkflowError } from '../platform/errors.ts';
import { requestsOf } from '../sign-off/data/sign-offs.ts';
import { approvalsMissing, approvalsRequired } from '../sign-off/domain/sign-off.ts';
import type { ProposalPartition, ProposalRecord } from './data/proposals.ts';
import { needsRoadAuthorityAgreement } from './domain/categories.ts';

/**
 * Throws `SignOff.NotRecorded` unless every decision the proposal needs is a recorded approval.
 * `signOffs`: the pointers read with the proposal (its partition), whose requests are read here.
 */
export async function requireRecordedApprovals(
  proposal: ProposalRecord,
  signOffs: ProposalPartition['signOffs'],
): Promise<void> {
  const required = approvalsRequired(needsRoadAuthorityAgreement(proposal.category));
  const missing = approvalsMissing(required, await requestsOf(signOffs));
  if (missing.length > 0) {
    throw new WorkflowError(
      'SignOff.NotRecorded',
      `${proposal.proposalId}: no approval recorded for ${missing.join(', ')}; nothing is committed`,
    );
  }
}
