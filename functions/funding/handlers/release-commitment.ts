/** Workflow task (compensation): releases every commitment of a proposal; safe to run again. */

import * as v from 'valibot';
import { logger } from '../../platform/logger.ts';
import { id, taskHandler, taskInput } from '../../platform/task.ts';
import { releaseCommitments } from '../data/envelopes.ts';

const ReleaseCommitmentInput = taskInput(v.object({ proposalId: id() }), 'Funds.InvalidInput');

export const handler = taskHandler(async (input) => {
  const released = await releaseCommitments(input.proposalId, new Date().toISOString());
  logger.info('commitments released', { proposalId: input.proposalId, fundYears: released });
  return { proposalId: input.proposalId, releasedFundYears: released };
}, ReleaseCommitmentInput);
