/**
 * Workflow callback task (`lambda:invoke.waitForTaskToken`), each wait of a round's report window (until
 * a reminder, or the deadline): stores the task's token on the round (one conditional write; the latest
 * wait's token replaces the one before), so the form that records the last report can complete it, and
 * completes it at once when every report is already in (the last one came before the token). Safe to
 * re-run: binding again and completing an ended task change nothing.
 */

import * as v from 'valibot';
import { logger } from '../../platform/logger.ts';
import { id, taskHandler, taskInput } from '../../platform/task.ts';
import { bindReportsTask, recordForRoundTask, roundOf } from '../data/evaluations.ts';
import { evaluationRoundInput } from '../domain/evaluation.ts';
import { completeWhenEveryReportIsIn } from '../reports-in.ts';

const AwaitCostReportsInput = taskInput(
  v.object({ ...evaluationRoundInput, taskToken: id() }),
  'Evaluation.InvalidInput',
);

export const handler = taskHandler(async (input) => {
  const current = await recordForRoundTask(input);
  const { bound, record } = await bindReportsTask(current.fundYear, roundOf(current), input.taskToken);
  // Past collecting reports (a redriven step): nothing to wait for; closing them again changes nothing.
  const outcome = await completeWhenEveryReportIsIn(record, input.taskToken, 'awaitCostReports', !bound);
  logger.info('waiting for cost reports', { fundYear: record.fundYear, round: input.round, bound, outcome });
  return { bound, outcome };
}, AwaitCostReportsInput);
