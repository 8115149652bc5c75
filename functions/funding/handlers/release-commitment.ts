/** Workflow task (compensation): releases every commitment of a proposal; safe to run again. */

import { WorkflowError } from '../../platform/errors.ts';
import { taskHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { releaseCommitments } from '../data/envelopes.ts';

export const handler = taskHandler(async (input: { proposalId: string }) => {
  if (typeof input.proposalId !== 'string' || input.proposalId.length === 0) {
    throw new WorkflowError('Funds.InvalidInput', 'proposalId is required');
  }
  const released = await releaseCommitments(input.proposalId, new Date().toISOString());
  logger.info('commitments released', { proposalId: input.proposalId, fundYears: released });
  return { proposalId: input.proposalId, releasedFundYears: released };
});
