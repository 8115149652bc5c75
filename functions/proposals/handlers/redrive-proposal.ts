/**
 * POST /proposals/{id}/redrive (admin): a proposal whose approval workflow failed (e.g. mail rejected
 * for good, a fault since cleared) is redriven from the state that failed, as Step Functions'
 * RedriveExecution does: 202 `{proposalId, workflow}`. 409 when its workflow has not failed, 404 for
 * an unknown proposal. Nothing done before the failure is done again: the steps are idempotent.
 */

import { conflict, notFound } from '../../platform/errors.ts';
import { apiHandler, json } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { redriveApproval } from '../data/approval-executions.ts';
import { getProposal } from '../data/proposals.ts';

export const handler = apiHandler(async (event) => {
  const proposalId = event.pathParameters?.id ?? '';
  const proposal = proposalId ? await getProposal(proposalId) : undefined;
  if (!proposal) throw notFound(`No proposal ${proposalId}`);
  const outcome = await redriveApproval(proposalId);
  if (!outcome.redriven) {
    throw conflict(
      outcome.status === 'NONE'
        ? `The workflow of proposal ${proposalId} has not started`
        : `The workflow of proposal ${proposalId} has not failed: it is ${outcome.status}`,
    );
  }
  logger.info('approval workflow redriven', { proposalId });
  return json(202, {
    proposalId,
    workflow: { status: 'RUNNING', redriveDate: outcome.redriveDate },
  });
});
