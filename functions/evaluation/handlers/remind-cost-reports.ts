/**
 * Workflow task, before an evaluation round's cost reports are due: reminder `n` goes to the port
 * authority of each report still missing (not to those already sent, which can still be corrected),
 * with a fresh link and the deadline. Each reminder goes out once per report, whatever re-runs.
 */

import * as v from 'valibot';
import { logger } from '../../platform/logger.ts';
import { positiveInteger, taskHandler, taskInput } from '../../platform/task.ts';
import { emailCostReportLink } from '../cost-report-mail.ts';
import { markReminderSent, reportsForEvaluation } from '../data/cost-reports.ts';
import { recordForRoundTask, roundOf } from '../data/evaluations.ts';
import { evaluationRoundInput } from '../domain/evaluation.ts';

const RemindCostReportsInput = taskInput(
  v.object({ ...evaluationRoundInput, reminder: positiveInteger() }),
  'Evaluation.InvalidInput',
);

export const handler = taskHandler(async (input) => {
  const record = await recordForRoundTask(input);
  const reminded: string[] = [];
  for (const report of await reportsForEvaluation(record.fundYear, roundOf(record))) {
    if (report.status !== 'PENDING' || report.closedAt) continue;
    if ((report.remindersSent ?? 0) >= input.reminder) continue;
    await emailCostReportLink(report, input.reminder);
    await markReminderSent(report.reportId, input.reminder);
    reminded.push(report.proposalId);
  }
  logger.info('cost report reminders sent', {
    fundYear: record.fundYear,
    reminder: input.reminder,
    reminded,
  });
  return { reminded };
}, RemindCostReportsInput);
