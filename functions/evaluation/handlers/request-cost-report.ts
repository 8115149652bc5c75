/**
 * Workflow task, one per project of an evaluation round: makes or finds the project's cost report for
 * (fund year, round, proposal), due by the round's deadline, and emails the port authority (the
 * proposal's contact) a link to the report form, French first then English, each language's link
 * opening the form in that language. Safe to re-run: the report is found by its business key and the
 * email goes out once.
 */

import * as v from 'valibot';
import { WorkflowError } from '../../platform/errors.ts';
import { logger } from '../../platform/logger.ts';
import { id, taskHandler, taskInput } from '../../platform/task.ts';
import { getProposal } from '../../proposals/data/proposals.ts';
import { emailCostReportLink } from '../cost-report-mail.ts';
import { ensureCostReport, markReportEmailed } from '../data/cost-reports.ts';
import { recordForRoundTask, roundOf } from '../data/evaluations.ts';
import { evaluationRoundInput, runningCostAfter } from '../domain/evaluation.ts';

const RequestCostReportInput = taskInput(
  v.object({ ...evaluationRoundInput, proposalId: id(), reportsDueBy: v.string() }),
  'Evaluation.InvalidInput',
);

export const handler = taskHandler(async (input) => {
  const record = await recordForRoundTask(input);
  const proposal = await getProposal(input.proposalId);
  if (!proposal) throw new WorkflowError('Proposal.NotFound', `No proposal ${input.proposalId}`);
  const fundedEurCents = runningCostAfter(proposal.funding, record.fundYear);
  const report = await ensureCostReport(
    {
      fundYear: record.fundYear,
      round: roundOf(record),
      proposalId: proposal.proposalId,
      title: proposal.title,
      contactEmail: proposal.contactEmail,
      fundedEurCents,
    },
    new Date(),
    record.reportsDueBy ?? input.reportsDueBy,
  );
  if (report.emailedAt) {
    logger.info('cost report already emailed', { reportId: report.reportId });
    return { reportId: report.reportId, emailed: false };
  }
  await emailCostReportLink(report);
  await markReportEmailed(report.reportId, new Date().toISOString());
  logger.info('cost report link emailed', { reportId: report.reportId, proposalId: report.proposalId });
  return { reportId: report.reportId, emailed: true };
}, RequestCostReportInput);
