/**
 * POST /evaluations (admin) `{fundYear, reason?}`: starts the annual security-cost evaluation of that
 * year, as the execution `evaluation-FY<n>` of the `evaluation` workflow (see
 * functions/evaluation/domain/evaluation.ts for what the evaluation decides). 202 `{fundYear, round, status,
 * evaluationId}` with a Location.
 * - While a round runs, a repeat answers the same (Step Functions treats a start with the same name and
 *   input as the same execution).
 * - After a round that left projects undecided (REJECTED, EXPIRED, PARTLY_APPROVED), it starts the next
 *   round (`evaluation-FY<n>-R<r>`) for those projects; after APPROVED (or a year with no projects), 409.
 * - The evaluation opens 30 days before the year ends; earlier, an admin must give a `reason`, which the
 *   round records and the report shows (400 naming `reason` without one). Before the year began, 400.
 */
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { fundYearBounds, fundYearHasOpened } from '../../funding/domain/fund.ts';
import { fundStart, requireStateMachineArn } from '../../platform/config.ts';
import { badRequest, conflict, HttpError } from '../../platform/errors.ts';
import { executionArnOf, redriveWorkflow } from '../../platform/executions.ts';
import { json, jsonApiHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { sfn } from '../../platform/sfn.ts';
import { evaluationStartSchema, fieldErrors } from '../../proposals/domain/proposal.ts';
import {
  claimEvaluation,
  type EarlyStart,
  type EvaluationRecord,
  getEvaluation,
  roundOf,
  startNextRound,
} from '../data/evaluations.ts';
import {
  EVALUATED_YEARS,
  type EvaluatedYear,
  evaluationExecutionName,
  evaluationWindow,
  isEvaluatedYear,
  isRedoableEvaluationStatus,
} from '../domain/evaluation.ts';

const MAX_BODY_BYTES = 4096;

function parseBody(body: unknown): { fundYear: number; reason?: string } {
  const parsed = evaluationStartSchema.safeParse(body);
  if (!parsed.success) throw badRequest('The evaluation request is not valid', fieldErrors(parsed.error));
  return parsed.data;
}

function answer(record: EvaluationRecord) {
  return json(
    202,
    {
      fundYear: record.fundYear,
      round: roundOf(record),
      status: record.status,
      evaluationId: record.evaluationId,
    },
    { Location: `/evaluations/${record.fundYear}` },
  );
}

/**
 * The evaluation window: from 30 days before the year ends. An earlier start is recorded as such,
 * with the reason given if any (the contract's `{fundYear}` alone starts it); never before the year
 * has begun.
 */
function checkWindow(fundYear: EvaluatedYear, reason: string | undefined, now: Date): EarlyStart | undefined {
  if (!fundYearHasOpened(fundStart(), fundYear, now)) {
    const startsOn = fundYearBounds(fundStart(), fundYear).start.toISOString().slice(0, 10);
    throw badRequest(`Fund year ${fundYear} has not begun`, [
      {
        path: 'fundYear',
        message: `fund year ${fundYear} starts on ${startsOn}; it cannot be evaluated before it has begun`,
      },
    ]);
  }
  const { opensAt } = evaluationWindow(fundStart(), fundYear);
  if (now >= opensAt) return undefined;
  return { reason: reason ?? '', opensAt: opensAt.toISOString() };
}

export const handler = jsonApiHandler(
  {
    maxBytes: MAX_BODY_BYTES,
    unsupportedMessage: 'Send {"fundYear": n} as JSON with Content-Type: application/json',
  },
  async (event) => {
    const { fundYear, reason } = parseBody(event.body);
    if (!isEvaluatedYear(fundYear)) {
      throw badRequest(`Fund year ${fundYear} cannot be evaluated`, [
        {
          path: 'fundYear',
          message: `must be ${EVALUATED_YEARS.join(' or ')}: an evaluation decides the next year's running-cost tranche, and fund year ${fundYear} is the fund's last`,
        },
      ]);
    }
    const now = new Date();
    const existing = await getEvaluation(fundYear);
    let record: EvaluationRecord;
    if (!existing) {
      const earlyStart = checkWindow(fundYear, reason, now);
      // The record is claimed for the named execution first, so that the daily schedule, finding it,
      // never evaluates the same year in another execution (and the answer can say where it stands).
      const claimed = await claimEvaluation(
        fundYear,
        evaluationExecutionName(fundYear),
        now.toISOString(),
        earlyStart,
      );
      if (!claimed.owned) return answer(claimed.record); // the daily schedule started it; it is running
      record = claimed.record;
    } else if (isRedoableEvaluationStatus(existing.status)) {
      const earlyStart = checkWindow(fundYear, reason, now);
      const next = evaluationExecutionName(fundYear, roundOf(existing) + 1);
      const started = await startNextRound(existing, next, now.toISOString(), earlyStart);
      // Another request started that round a moment ago: answer with it (it starts the execution).
      if (!started) return answer((await getEvaluation(fundYear)) ?? existing);
      record = started;
    } else if (existing.status === 'APPROVED' || existing.status === 'NO_PROJECTS') {
      throw conflict(`The evaluation of fund year ${fundYear} has already finished: ${existing.status}`);
    } else {
      record = existing; // a round is running
    }
    // Only a round this endpoint named is (re)started here; one the schedule runs is answered as it is.
    if (record.startedBy !== evaluationExecutionName(fundYear, roundOf(record))) return answer(record);
    try {
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: requireStateMachineArn('EVALUATION_STATE_MACHINE_ARN'),
          name: record.startedBy,
          input: JSON.stringify({ fundYear }),
        }),
      );
    } catch (error) {
      // A start with the same name and input while running is the same execution; this error means it
      // ended without recording an outcome: a failed round is redriven from the state that failed (as
      // POST /proposals/{id}/redrive does for a proposal); one that cannot be is left to an operator.
      if (error instanceof ExecutionAlreadyExists) {
        const redrive = await redriveWorkflow(
          executionArnOf(requireStateMachineArn('EVALUATION_STATE_MACHINE_ARN'), record.startedBy),
        );
        if (redrive.redriven || redrive.status === 'RUNNING') return answer(record);
        throw conflict(
          `The evaluation of fund year ${fundYear} has already run (execution ${record.startedBy})`,
        );
      }
      throw new HttpError(503, 'The evaluation workflow could not be started; please retry', [], {
        cause: error,
      });
    }
    logger.info('evaluation started', { fundYear, round: roundOf(record), execution: record.startedBy });
    return answer(record);
  },
);
