/**
 * Workflow task, the evaluation's first step. With `{fundYear}` (an admin's POST /evaluations) it
 * claims that year's evaluation for this execution; with `{scheduled: true}` (the daily schedule) it
 * first works out whether a fund year ends within the next 30 days and has no evaluation yet, and
 * answers NOTHING_DUE otherwise. Then it lists the projects (FUNDED proposals with a RUNNING_COST line
 * in year N+1; in a later round, those an earlier round did not decide) and fixes that list and the
 * round's cost-report deadline on the record, so a re-run asks the very same projects by the same date.
 */

import * as v from 'valibot';
import { flowDurationMs, fundStart } from '../../platform/config.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { logger } from '../../platform/logger.ts';
import type { Item } from '../../platform/table.ts';
import { id, taskHandler, taskInput } from '../../platform/task.ts';
import { listProposals } from '../../proposals/data/proposals.ts';
import {
  claimEvaluation,
  fixProjects,
  getEvaluation,
  roundOf,
  settledProjects,
} from '../data/evaluations.ts';
import {
  COST_REPORT_WINDOW_SECONDS,
  type EvaluatedYear,
  evaluationSubjectId,
  isEvaluatedYear,
  runningCostAfter,
  yearEndingSoon,
} from '../domain/evaluation.ts';

export type PrepareEvaluationResult =
  | { action: 'NOTHING_DUE' | 'ALREADY_CLAIMED'; fundYear: number | null; projects: [] }
  | {
      action: 'EVALUATE';
      fundYear: EvaluatedYear;
      round: number;
      subjectId: string;
      evaluationId: string;
      reportsDueBy: string;
      projects: { proposalId: string }[];
    };

/** Projects of the evaluation of year N: FUNDED proposals with running costs committed for N+1. */
async function projectsOf(fundYear: EvaluatedYear): Promise<string[]> {
  const proposalIds: string[] = [];
  let startKey: Item | undefined;
  do {
    const page = await listProposals({ status: 'FUNDED', limit: 100, ...(startKey ? { startKey } : {}) });
    for (const proposal of page.items) {
      if (runningCostAfter(proposal.funding, fundYear) > 0) proposalIds.push(proposal.proposalId);
    }
    startKey = page.lastKey;
  } while (startKey);
  return proposalIds.sort();
}

/** The execution's input (`{fundYear}` or `{scheduled: true}`, judged below) and `$$.Execution.Name`. */
const PrepareEvaluationInput = taskInput(
  v.object({
    request: v.optional(
      v.object({ fundYear: v.optional(v.unknown()), scheduled: v.optional(v.unknown()) }),
      {},
    ),
    executionName: id(),
  }),
  'Evaluation.InvalidInput',
);

export const handler = taskHandler(async (input) => {
  const request = input.request;
  let fundYear: EvaluatedYear;
  if (request.fundYear !== undefined) {
    if (!isEvaluatedYear(request.fundYear)) {
      throw new WorkflowError(
        'Evaluation.InvalidInput',
        `Fund year ${JSON.stringify(request.fundYear)} cannot be evaluated (only 1 and 2 have a next year)`,
      );
    }
    fundYear = request.fundYear;
  } else if (request.scheduled === true) {
    const due = yearEndingSoon(fundStart(), new Date());
    if (due === undefined || (await getEvaluation(due))) {
      logger.info('no evaluation due', { due });
      return { action: 'NOTHING_DUE', fundYear: due ?? null, projects: [] };
    }
    fundYear = due;
  } else {
    throw new WorkflowError('Evaluation.InvalidInput', 'Give {"fundYear": n} or {"scheduled": true}');
  }

  const { owned, record } = await claimEvaluation(fundYear, input.executionName, new Date().toISOString());
  if (!owned) {
    logger.info('evaluation already claimed by another execution', { fundYear, by: record.startedBy });
    return { action: 'ALREADY_CLAIMED', fundYear, projects: [] };
  }
  const round = roundOf(record);
  const settled = settledProjects(record);
  const dueBy = new Date(Date.now() + flowDurationMs(COST_REPORT_WINDOW_SECONDS)).toISOString();
  const { projects, reportsDueBy } = await fixProjects(
    fundYear,
    (await projectsOf(fundYear)).filter((proposalId) => !settled.has(proposalId)),
    dueBy,
  );
  logger.info('evaluation prepared', { fundYear, round, projects: projects.length });
  return {
    action: 'EVALUATE',
    fundYear,
    round,
    subjectId: evaluationSubjectId(fundYear, round),
    evaluationId: record.evaluationId,
    reportsDueBy,
    projects: projects.map((proposalId) => ({ proposalId })),
  };
}, PrepareEvaluationInput);
