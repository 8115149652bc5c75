/**
 * Workflow task: moves a proposal to its next status and tells the port authority (see
 * ../outcomes.ts). Idempotent: re-running it for a status already reached changes nothing.
 */

import { taskHandler } from '../../platform/http.ts';
import { type RecordOutcomeInput, recordProposalOutcome } from '../outcomes.ts';

export const handler = taskHandler(async (input: RecordOutcomeInput) => recordProposalOutcome(input));
