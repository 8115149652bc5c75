/**
 * Workflow task, on a cost report task's States.Timeout: the port authority did not report in time,
 * so the report expires and the project's tranche is 0 (no report, no money). If a report landed in
 * the last moment (submitted while the task was timing out), that report stands and is returned.
 */

import { WorkflowError } from '../../platform/errors.ts';
import { taskHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { expireReport, reportFor, reportOutcome } from '../data/cost-reports.ts';
import { isEvaluatedYear } from '../domain/evaluation.ts';

export const handler = taskHandler(async (input: { fundYear: number; proposalId: string }) => {
  if (!isEvaluatedYear(input.fundYear) || typeof input.proposalId !== 'string') {
    throw new WorkflowError('Evaluation.InvalidInput', `Invalid input: ${JSON.stringify(input)}`);
  }
  const report = await reportFor(input.fundYear, input.proposalId);
  if (!report) {
    throw new WorkflowError(
      'Evaluation.ReportNotFound',
      `No cost report of ${input.proposalId} for fund year ${input.fundYear}`,
    );
  }
  const { expired, report: after } = await expireReport(report.reportId, new Date().toISOString());
  logger.info('cost report deadline passed', { reportId: after.reportId, expired, status: after.status });
  return reportOutcome(after);
});
