/**
 * A round moves on to sign-off as soon as every project's cost report is in. The flow's task that
 * waits for the reports stores its task token on the round; whoever then sees the last report in
 * completes it: the task itself, right after storing its token (the last report came first), or the
 * form that recorded that report (the token came first). Each writes before it reads, so at least one
 * of them sees both; when both do, the token takes the first answer and refuses the second, which is
 * expected and ignored.
 */
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { logger } from '../platform/logger.ts';
import { sfn } from '../platform/sfn.ts';
import { reportsForEvaluation } from './data/cost-reports.ts';
import { type EvaluationRecord, roundOf } from './data/evaluations.ts';

/** What Step Functions answers for a token whose task already ended (completed or timed out). */
const ENDED_TASK_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut']);

/** Is every project of the record's round reported (a report sent, in time, not expired)? */
export async function everyReportIn(record: EvaluationRecord): Promise<boolean> {
  const projects = record.projects ?? [];
  if (projects.length === 0) return false;
  const reports = await reportsForEvaluation(record.fundYear, roundOf(record));
  const reported = new Set(reports.filter((r) => r.status === 'SUBMITTED').map((r) => r.proposalId));
  return projects.every((proposalId) => reported.has(proposalId));
}

/**
 * Completes the waiting task when every report of the round is in (or at once, `whatever`). `COMPLETED`
 * when this call's answer was taken, `ENDED` when the task had already ended (the other party answered,
 * or it timed out: the next wait's task finds the reports in), `WAITING` when a report is still missing.
 */
export async function completeWhenEveryReportIsIn(
  record: EvaluationRecord,
  taskToken: string,
  completedBy: 'awaitCostReports' | 'submitCostReport',
  whatever = false,
): Promise<'COMPLETED' | 'ENDED' | 'WAITING'> {
  if (!whatever && !(await everyReportIn(record))) return 'WAITING';
  try {
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ everyReportIn: true, completedBy }) }),
    );
    return 'COMPLETED';
  } catch (error) {
    const name = error instanceof Error ? error.name : String(error);
    if (!ENDED_TASK_ERRORS.has(name)) throw error;
    logger.info('the task waiting for the reports had already ended', {
      fundYear: record.fundYear,
      round: roundOf(record),
      completedBy,
      error: name,
    });
    return 'ENDED';
  }
}
