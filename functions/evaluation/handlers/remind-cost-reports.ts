/**
 * Workflow task, before an evaluation round's cost reports are due: reminder `n` goes to the port
 * authority of each report still missing (not to those already sent, which can still be corrected),
 * with a fresh link and the deadline. Each reminder goes out once per report, whatever re-runs.
 */

import { WorkflowError } from '../../platform/errors.ts';
import { taskHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { emailCostReportLink } from '../cost-report-mail.ts';
import { markReminderSent, reportsForEvaluation } from '../data/cost-reports.ts';
import { recordForRoundTask, roundOf } from '../data/evaluations.ts';

export const handler = taskHandler(async (input: { fundYear: number; round: number; reminder: number }) => {
  const record = await recordForRoundTask(input);
  if (!Number.isInteger(input.reminder) || input.reminder < 1) {
    throw new WorkflowError('Evaluation.InvalidInput', `Invalid reminder: ${JSON.stringify(input)}`);
  }
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
});
