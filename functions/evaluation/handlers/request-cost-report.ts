/**
 * Workflow callback task (`lambda:invoke.waitForTaskToken`), one per project of an evaluation: makes
 * or finds the project's cost report for (fund year, proposal), binds the waiting task to it, and
 * emails the port authority (the proposal's contact) a link to the report form. Safe to re-run: the
 * report is found by its business key, the email goes out once, and a report submitted while no task
 * waited completes the new task at once.
 */
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { costReportRequestEmail } from '../../pages/emails.ts';
import { requirePublicBaseUrl } from '../../platform/config.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { taskHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { sendEmail } from '../../platform/mail.ts';
import { sfn } from '../../platform/sfn.ts';
import { getProposal } from '../../proposals/data/proposals.ts';
import { hashToken, newLinkToken } from '../../sign-off/data/sign-offs.ts';
import {
  addReportToken,
  bindReportTask,
  ensureCostReport,
  markReportEmailed,
  reportOutcome,
} from '../data/cost-reports.ts';
import { COST_REPORT_WINDOW_SECONDS, isEvaluatedYear } from '../domain/evaluation.ts';

export interface RequestCostReportInput {
  fundYear: number;
  proposalId: string;
  taskToken: string;
}

export const handler = taskHandler(async (input: RequestCostReportInput) => {
  if (
    !isEvaluatedYear(input.fundYear) ||
    typeof input.proposalId !== 'string' ||
    typeof input.taskToken !== 'string' ||
    input.taskToken.length === 0
  ) {
    throw new WorkflowError(
      'Evaluation.InvalidInput',
      `Invalid cost report task input: ${JSON.stringify({ ...input, taskToken: '…' })}`,
    );
  }
  const proposal = await getProposal(input.proposalId);
  if (!proposal) throw new WorkflowError('Proposal.NotFound', `No proposal ${input.proposalId}`);
  const fundedEurCents = proposal.funding
    .filter((line) => line.purpose === 'RUNNING_COST' && line.fundYear === input.fundYear + 1)
    .reduce((sum, line) => sum + line.amountEurCents, 0);
  const now = new Date();
  const report = await ensureCostReport(
    {
      fundYear: input.fundYear,
      proposalId: proposal.proposalId,
      title: proposal.title,
      contactEmail: proposal.contactEmail,
      fundedEurCents,
    },
    now,
    COST_REPORT_WINDOW_SECONDS,
  );
  const bound = await bindReportTask(report.reportId, input.taskToken);
  if (!bound.bound) {
    // Submitted (or closed) while no task waited: carry the outcome on now.
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: input.taskToken,
        output: JSON.stringify(reportOutcome(bound.report)),
      }),
    );
    return { reportId: report.reportId, emailed: false, alreadyClosed: bound.report.status };
  }
  if (bound.report.emailedAt) {
    logger.info('cost report already emailed; task re-bound', { reportId: report.reportId });
    return { reportId: report.reportId, emailed: false };
  }
  const token = newLinkToken();
  await addReportToken(report.reportId, hashToken(token));
  const link = `${requirePublicBaseUrl()}/cost-reports/${report.reportId}?token=${encodeURIComponent(token)}`;
  await sendEmail(
    [report.contactEmail],
    costReportRequestEmail({
      link,
      proposalId: report.proposalId,
      title: report.title,
      fundYear: report.fundYear,
      fundedEurCents: report.fundedEurCents,
      expiresAt: report.expiresAt,
    }),
  );
  await markReportEmailed(report.reportId, new Date().toISOString());
  logger.info('cost report link emailed', { reportId: report.reportId, proposalId: report.proposalId });
  return { reportId: report.reportId, emailed: true };
});
