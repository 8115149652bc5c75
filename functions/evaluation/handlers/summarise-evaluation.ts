/**
 * Workflow task: once every cost report of the round is closed (its deadline passed), sets the round's
 * lines. Per project: funded = the RUNNING_COST committed for year N+1, actual = the cost reported for
 * year N (null without a report), next tranche = the lower of the two (0 without a report: that project
 * is left for a new round), and the port authority's note for the approvers. The round then awaits UK
 * and FR sign-off; with no project at all it is recorded, with no lines, as NO_PROJECTS.
 * Safe to re-run: the lines are written once, with the status change, and a re-run returns them.
 */

import * as v from 'valibot';
import { WorkflowError } from '../../platform/errors.ts';
import { logger } from '../../platform/logger.ts';
import { taskHandler, taskInput } from '../../platform/task.ts';
import { reportsForEvaluation } from '../data/cost-reports.ts';
import { type EvaluationLine, moveEvaluation, recordForRoundTask, roundOf } from '../data/evaluations.ts';
import { evaluationRoundInput, nextTranche } from '../domain/evaluation.ts';

const SummariseEvaluationInput = taskInput(v.object(evaluationRoundInput), 'Evaluation.InvalidInput');

export const handler = taskHandler(async (input) => {
  const evaluation = await recordForRoundTask(input);
  const reports = new Map(
    (await reportsForEvaluation(evaluation.fundYear, roundOf(evaluation))).map((r) => [r.proposalId, r]),
  );
  const lines: EvaluationLine[] = [];
  for (const proposalId of evaluation.projects ?? []) {
    const report = reports.get(proposalId);
    if (!report?.closedAt) {
      throw new WorkflowError(
        'Evaluation.ReportsOutstanding',
        `The cost report of ${proposalId} for fund year ${input.fundYear} is not closed yet`,
      );
    }
    const actual = report.status === 'SUBMITTED' ? (report.actualEurCents ?? null) : null;
    lines.push({
      proposalId,
      title: report.title,
      fundedEurCents: report.fundedEurCents,
      actualEurCents: actual,
      nextTrancheEurCents: nextTranche(report.fundedEurCents, actual),
      reportStatus: report.status,
      ...(actual !== null && report.note ? { note: report.note } : {}),
    });
  }
  const to = lines.length === 0 ? 'NO_PROJECTS' : 'AWAITING_SIGN_OFF';
  const { changed, record } = await moveEvaluation(
    input.fundYear,
    ['COLLECTING_REPORTS'],
    to,
    new Date().toISOString(),
    lines.length === 0
      ? { lines, reason: 'No funded project has running costs in the next fund year' }
      : { lines },
  );
  logger.info('evaluation summarised', { fundYear: input.fundYear, status: record.status, changed });
  return { fundYear: record.fundYear, status: record.status, lines: record.lines ?? [] };
}, SummariseEvaluationInput);
