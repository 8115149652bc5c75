/**
 * Workflow task: moves a proposal to its next status and tells the port authority (see
 * ../outcomes.ts). Idempotent: re-running it for a status already reached changes nothing.
 */

import * as v from 'valibot';
import { id, taskHandler, taskInput } from '../../platform/task.ts';
import { PROPOSAL_STATUSES } from '../domain/statuses.ts';
import { recordProposalOutcome } from '../outcomes.ts';

const RecordOutcomeInput = taskInput(
  v.object({ proposalId: id(), status: v.picklist(PROPOSAL_STATUSES), reason: v.optional(v.string()) }),
  'Proposal.InvalidInput',
);

export const handler = taskHandler(async (input) => recordProposalOutcome(input), RecordOutcomeInput);
