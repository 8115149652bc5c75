/**
 * Workflow task: records how a round's sign-off ended: APPROVED (after the tranches are released;
 * PARTLY_APPROVED when a project had no report, which a new round can still decide), REJECTED or
 * EXPIRED (nothing released). Re-running it for an outcome already recorded changes nothing.
 */

import * as v from 'valibot';
import { logger } from '../../platform/logger.ts';
import { taskHandler, taskInput } from '../../platform/task.ts';
import { moveEvaluation, recordForRoundTask } from '../data/evaluations.ts';
import { evaluationRoundInput } from '../domain/evaluation.ts';

const OUTCOMES = ['APPROVED', 'REJECTED', 'EXPIRED'] as const;

const RecordEvaluationOutcomeInput = taskInput(
  v.object({ ...evaluationRoundInput, status: v.picklist(OUTCOMES), reason: v.optional(v.string()) }),
  'Evaluation.InvalidInput',
);

export const handler = taskHandler(async (input) => {
  const current = await recordForRoundTask(input);
  const unreported = (current.lines ?? []).filter((line) => line.reportStatus !== 'SUBMITTED').length;
  const status = input.status === 'APPROVED' && unreported > 0 ? 'PARTLY_APPROVED' : input.status;
  const { changed, record } = await moveEvaluation(
    current.fundYear,
    ['AWAITING_SIGN_OFF'],
    status,
    new Date().toISOString(),
    status === 'PARTLY_APPROVED'
      ? { reason: `${unreported} project(s) without a report are left for a new round` }
      : input.reason
        ? { reason: input.reason }
        : {},
  );
  logger.info('evaluation outcome recorded', { fundYear: input.fundYear, status: record.status, changed });
  return { fundYear: record.fundYear, status: record.status, changed };
}, RecordEvaluationOutcomeInput);
