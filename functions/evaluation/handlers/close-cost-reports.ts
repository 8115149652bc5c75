/**
 * Workflow task, once every report of an evaluation round is in or at its deadline: closes each report
 * as it was last sent (no correction after this), expires those never sent, and tells their port
 * authority that the deadline passed (once): that project has no tranche from this round and is left
 * for a new round. With every report in, each is closed as sent and nobody is told anything.
 */

import * as v from 'valibot';
import { costReportDeadlinePassedEmail } from '../../pages/emails.ts';
import { logger } from '../../platform/logger.ts';
import { sendEmail } from '../../platform/mail.ts';
import { taskHandler, taskInput } from '../../platform/task.ts';
import { closeReport, markNoticeSent, reportOutcome, reportsForEvaluation } from '../data/cost-reports.ts';
import { recordForRoundTask, roundOf } from '../data/evaluations.ts';
import { evaluationRoundInput } from '../domain/evaluation.ts';

const CloseCostReportsInput = taskInput(v.object(evaluationRoundInput), 'Evaluation.InvalidInput');

export const handler = taskHandler(async (input) => {
  const record = await recordForRoundTask(input);
  const outcomes: ReturnType<typeof reportOutcome>[] = [];
  for (const found of await reportsForEvaluation(record.fundYear, roundOf(record))) {
    const { report } = await closeReport(found.reportId, new Date().toISOString());
    if (report.status === 'EXPIRED' && !report.noticeSentAt) {
      await sendEmail(
        [report.contactEmail],
        costReportDeadlinePassedEmail({
          proposalId: report.proposalId,
          title: report.title,
          fundYear: report.fundYear,
          expiresAt: report.expiresAt,
        }),
      );
      await markNoticeSent(report.reportId, new Date().toISOString());
    }
    outcomes.push(reportOutcome(report));
  }
  logger.info('cost reports closed', { fundYear: record.fundYear, round: roundOf(record), outcomes });
  return { reports: outcomes };
}, CloseCostReportsInput);
