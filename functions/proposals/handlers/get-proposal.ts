/**
 * GET /proposals/{id}: a port authority sees its own only (others answer 404, revealing nothing).
 * `workflow` is the approval execution's status as Step Functions has it (one DescribeExecution).
 */

import { notFound } from '../../platform/errors.ts';
import { apiHandler, json } from '../../platform/http.ts';
import { requestsOf } from '../../sign-off/data/sign-offs.ts';
import { approvalWorkflow } from '../data/approval-executions.ts';
import { isProposalId, proposalPartition } from '../data/proposals.ts';
import { proposalView } from '../proposal-view.ts';

export const handler = apiHandler(async (event, caller) => {
  const proposalId = event.pathParameters?.id ?? '';
  // Proposal ids are UUIDs: anything else (an over-long id the database would refuse as a key) names
  // no proposal, and answers as one. The proposal comes with the rest of its partition (one Query).
  const partition = isProposalId(proposalId) ? await proposalPartition(proposalId) : undefined;
  const proposal = partition?.proposal;
  const seesAll = caller.has('finance') || caller.has('admin');
  if (!partition || !proposal || (!seesAll && proposal.ownerSub !== caller.sub))
    throw notFound(`No proposal ${proposalId.slice(0, 64)}`);
  const [requests, workflow] = await Promise.all([
    requestsOf(partition.signOffs),
    approvalWorkflow(proposalId),
  ]);
  return json(200, { ...proposalView(proposal, requests, partition), workflow: workflow ?? null });
});
