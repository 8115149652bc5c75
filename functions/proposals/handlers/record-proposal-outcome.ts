/**
 * Workflow task: moves a proposal to its next status and tells the port authority (see
 * ../outcomes.ts). Idempotent: re-running it for a status already reached changes nothing.
 */

import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import * as v from 'valibot';
import { countEvent, metrics } from '../../platform/metrics.ts';
import { id, taskHandler, taskInput } from '../../platform/task.ts';
import { PROPOSAL_STATUSES } from '../domain/statuses.ts';
import { recordProposalOutcome } from '../outcomes.ts';

const RecordOutcomeInput = taskInput(
  v.object({ proposalId: id(), status: v.picklist(PROPOSAL_STATUSES), reason: v.optional(v.string()) }),
  'Proposal.InvalidInput',
);

export const handler = taskHandler(
  async (input) => {
    const outcome = await recordProposalOutcome(input);
    // Counted when the status is reached, not when a re-run finds it reached.
    if (outcome.changed && input.status === 'REJECTED') countEvent('ProposalRejected');
    if (outcome.changed && input.status === 'FUNDED') countEvent('ProposalFunded');
    return outcome;
  },
  RecordOutcomeInput,
  logMetrics(metrics),
);
