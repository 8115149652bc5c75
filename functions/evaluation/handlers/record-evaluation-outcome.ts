/**
 * Workflow task: records how an evaluation's sign-off ended: APPROVED (after the tranches are
 * released), REJECTED or EXPIRED (nothing released). Re-running it for an outcome already recorded
 * changes nothing.
 */

import { WorkflowError } from '../../platform/errors.ts';
import { taskHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { moveEvaluation } from '../data/evaluations.ts';
import { isEvaluatedYear } from '../domain/evaluation.ts';

const OUTCOMES = ['APPROVED', 'REJECTED', 'EXPIRED'] as const;

export interface RecordEvaluationOutcomeInput {
  fundYear: number;
  status: (typeof OUTCOMES)[number];
  reason?: string;
}

export const handler = taskHandler(async (input: RecordEvaluationOutcomeInput) => {
  if (!isEvaluatedYear(input.fundYear) || !OUTCOMES.includes(input.status)) {
    throw new WorkflowError('Evaluation.InvalidInput', `Invalid outcome input: ${JSON.stringify(input)}`);
  }
  const { changed, record } = await moveEvaluation(
    input.fundYear,
    ['AWAITING_SIGN_OFF'],
    input.status,
    new Date().toISOString(),
    input.reason ? { reason: input.reason } : {},
  );
  logger.info('evaluation outcome recorded', { fundYear: input.fundYear, status: record.status, changed });
  return { fundYear: record.fundYear, status: record.status, changed };
});
