/**
 * POST /evaluations (admin) `{fundYear}`: starts the annual security-cost evaluation of that year,
 * as the execution `evaluation-FY<n>` of the `evaluation` workflow (see functions/evaluation/domain/evaluation.ts
 * for what the evaluation decides). 202 `{fundYear, status, evaluationId}` with a Location.
 * Idempotent: while the evaluation runs, a repeat answers the same (Step Functions treats a start with
 * the same name and input as the same execution); once it has finished, 409. Only years 1 and 2 are
 * evaluated, and only once the year has begun.
 */
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { FUND_YEARS, fundYearBounds, fundYearHasOpened } from '../../funding/domain/fund.ts';
import { config, fundStart } from '../../platform/config.ts';
import {
  badRequest,
  conflict,
  HttpError,
  payloadTooLarge,
  unsupportedMediaType,
} from '../../platform/errors.ts';
import { apiHandler, bodyBytes, type HttpEvent, header, json, jsonBody } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { sfn } from '../../platform/sfn.ts';
import { evaluationStartSchema, fieldErrors } from '../../proposals/domain/proposal.ts';
import { claimEvaluation, type EvaluationRecord } from '../data/evaluations.ts';
import {
  EVALUATED_YEARS,
  evaluationExecutionName,
  evaluationIdOf,
  isEvaluatedYear,
  isFinalEvaluationStatus,
} from '../domain/evaluation.ts';

const MAX_BODY_BYTES = 1024;

function parseBody(event: HttpEvent): number {
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw unsupportedMediaType('Send {"fundYear": n} as JSON with Content-Type: application/json');
  }
  const bytes = bodyBytes(event);
  if (bytes.length > MAX_BODY_BYTES) throw payloadTooLarge(`The body may be at most ${MAX_BODY_BYTES} bytes`);
  const parsed = evaluationStartSchema.safeParse(jsonBody(event));
  if (!parsed.success) throw badRequest('The evaluation request is not valid', fieldErrors(parsed.error));
  return parsed.data.fundYear;
}

function answer(record: Pick<EvaluationRecord, 'fundYear' | 'status' | 'evaluationId'>) {
  return json(
    202,
    { fundYear: record.fundYear, status: record.status, evaluationId: record.evaluationId },
    { Location: `/evaluations/${record.fundYear}` },
  );
}

export const handler = apiHandler(async (event) => {
  const fundYear = parseBody(event);
  if (!isEvaluatedYear(fundYear)) {
    throw badRequest(`Fund year ${fundYear} cannot be evaluated`, [
      {
        path: 'fundYear',
        message: `must be ${EVALUATED_YEARS.join(' or ')}: an evaluation decides the next year's running-cost tranche, and fund year ${fundYear} is the fund's last`,
      },
    ]);
  }
  const now = new Date();
  // An admin may evaluate a year at any point once it has begun (an early evaluation is their call);
  // the daily schedule waits for the last 30 days (see prepare-evaluation).
  if (!fundYearHasOpened(fundStart(), fundYear, now)) {
    const startsOn = fundYearBounds(fundStart(), fundYear).start.toISOString().slice(0, 10);
    throw badRequest(`Fund year ${fundYear} has not begun`, [
      {
        path: 'fundYear',
        message: `fund year ${fundYear} starts on ${startsOn}; it cannot be evaluated before it has begun`,
      },
    ]);
  }
  const name = evaluationExecutionName(fundYear);
  // The record is claimed for the named execution first, so that the daily schedule, finding it,
  // never evaluates the same year in another execution (and the answer can say where it stands).
  const { owned, record } = await claimEvaluation(fundYear, name, now.toISOString());
  if (isFinalEvaluationStatus(record.status)) {
    throw conflict(`The evaluation of fund year ${fundYear} has already finished: ${record.status}`);
  }
  if (!owned) return answer(record); // the daily schedule started it; it is running
  try {
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: requireArn(),
        name,
        input: JSON.stringify({ fundYear }),
      }),
    );
  } catch (error) {
    // A start with the same name and input while running is the same execution; this error means it
    // ended without recording an outcome (a failure an operator has to look at), so it is not rerun.
    if (error instanceof ExecutionAlreadyExists) {
      throw conflict(`The evaluation of fund year ${fundYear} has already run (execution ${name})`);
    }
    throw new HttpError(503, 'The evaluation workflow could not be started; please retry', [], {
      cause: error,
    });
  }
  logger.info('evaluation started', { fundYear, execution: name });
  return answer({ fundYear, status: record.status, evaluationId: evaluationIdOf(fundYear) });
});

function requireArn(): string {
  const arn = config().EVALUATION_STATE_MACHINE_ARN;
  if (!arn) throw new Error('Invalid configuration: EVALUATION_STATE_MACHINE_ARN is not set');
  return arn;
}
