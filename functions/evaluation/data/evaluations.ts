/**
 * Evaluation records, one per fund year evaluated. The record is claimed once, by the execution that
 * runs the evaluation (a conditional put), so a scheduled run and an admin's `POST /evaluations` can
 * never evaluate the same year twice. Every later change is one conditional update from the statuses
 * it may follow, and a re-run that finds the change already made returns the record as it is.
 */
import * as v from 'valibot';
import { WorkflowError } from '../../platform/errors.ts';
import { evaluationKey } from '../../platform/keys.ts';
import { codec, getItem, notFound, putIfNew, updateIf, updateOnce } from '../../platform/table.ts';
import {
  COST_REPORT_STATUSES,
  EVALUATED_YEARS,
  EVALUATION_STATUSES,
  type EvaluatedYear,
  type EvaluationStatus,
  evaluationIdOf,
} from '../domain/evaluation.ts';

/** One project's line: what was committed for year N+1, what year N actually cost, the tranche. */
const evaluationLine = v.object({
  proposalId: v.string(),
  title: v.string(),
  /** RUNNING_COST committed for year N+1: the most the tranche can be. */
  fundedEurCents: v.number(),
  /** Reported annual security cost of year N; null when no report came in time. */
  actualEurCents: v.nullable(v.number()),
  nextTrancheEurCents: v.number(),
  reportStatus: v.picklist(COST_REPORT_STATUSES),
});
export type EvaluationLine = v.InferOutput<typeof evaluationLine>;

const statusChange = v.object({
  status: v.picklist(EVALUATION_STATUSES),
  at: v.string(),
  reason: v.optional(v.string()),
});
export type EvaluationStatusChange = v.InferOutput<typeof statusChange>;

const releasedTranche = v.object({
  proposalId: v.string(),
  fundYear: v.number(),
  amountEurCents: v.number(),
  amountGbpPence: v.number(),
  paymentReference: v.string(),
});
export type ReleasedTranche = v.InferOutput<typeof releasedTranche>;

const evaluation = codec(
  'Evaluation',
  v.object({
    fundYear: v.picklist(EVALUATED_YEARS),
    evaluationId: v.string(),
    status: v.picklist(EVALUATION_STATUSES),
    /** Name of the execution that owns the evaluation (`evaluation-FY1`, or a scheduled run's). */
    startedBy: v.string(),
    startedAt: v.string(),
    /** The projects, fixed at the first listing so a re-run asks the same ones. */
    projects: v.optional(v.array(v.string())),
    lines: v.optional(v.array(evaluationLine)),
    summarisedAt: v.optional(v.string()),
    decidedAt: v.optional(v.string()),
    reason: v.optional(v.string()),
    tranches: v.optional(v.array(releasedTranche)),
    releasedAt: v.optional(v.string()),
    statusHistory: v.array(statusChange),
  }),
);
export type EvaluationRecord = ReturnType<typeof evaluation.decode>;

export function getEvaluation(fundYear: number): Promise<EvaluationRecord | undefined> {
  return getItem(evaluation, evaluationKey(fundYear));
}

/**
 * Makes the year's evaluation record, owned by `startedBy`, unless one exists. `owned` says whether
 * the record (new or found) belongs to that execution, i.e. whether it may carry the evaluation on.
 */
export async function claimEvaluation(
  fundYear: EvaluatedYear,
  startedBy: string,
  now: string,
): Promise<{ owned: boolean; record: EvaluationRecord }> {
  const record: EvaluationRecord = {
    fundYear,
    evaluationId: evaluationIdOf(fundYear),
    status: 'COLLECTING_REPORTS',
    startedBy,
    startedAt: now,
    statusHistory: [{ status: 'COLLECTING_REPORTS', at: now }],
  };
  const result = await putIfNew(evaluation, evaluationKey(fundYear), record);
  return { owned: result.record.startedBy === startedBy, record: result.record };
}

/** Fixes the evaluation's projects the first time; later calls get the first list back. */
export async function fixProjects(fundYear: number, proposalIds: string[]): Promise<string[]> {
  const result = await updateIf(evaluation, evaluationKey(fundYear), {
    UpdateExpression: 'SET projects = if_not_exists(projects, :projects)',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':projects': proposalIds },
  });
  if (!result.updated) throw notFound(evaluation.type, `FY${fundYear}`);
  return result.record.projects ?? proposalIds;
}

/**
 * Moves the evaluation from one of `from` to `to`, with the fields that go with it (the lines when
 * summarised, a reason when it ends). Already at `to`: nothing changes (a re-run), `changed` is false.
 */
export async function moveEvaluation(
  fundYear: number,
  from: readonly EvaluationStatus[],
  to: EvaluationStatus,
  now: string,
  fields: { lines?: EvaluationLine[]; reason?: string } = {},
): Promise<{ changed: boolean; record: EvaluationRecord }> {
  const change: EvaluationStatusChange = fields.reason
    ? { status: to, at: now, reason: fields.reason }
    : { status: to, at: now };
  const sets = ['#status = :to', 'statusHistory = list_append(statusHistory, :change)'];
  const values: Record<string, unknown> = { ':to': to, ':change': [change] };
  if (fields.lines) {
    sets.push('#lines = :lines', 'summarisedAt = :now');
    values[':lines'] = fields.lines;
    values[':now'] = now;
  }
  if (fields.reason !== undefined) {
    sets.push('#reason = :reason');
    values[':reason'] = fields.reason;
  }
  if (to === 'APPROVED' || to === 'REJECTED' || to === 'EXPIRED') {
    sets.push('decidedAt = :decidedAt');
    values[':decidedAt'] = now;
  }
  const fromNames = from.map((_, index) => `:from${index}`);
  from.forEach((status, index) => {
    values[`:from${index}`] = status;
  });
  const result = await updateIf(evaluation, evaluationKey(fundYear), {
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: `#status IN (${fromNames.join(', ')})`,
    ExpressionAttributeNames: {
      '#status': 'status',
      ...(fields.lines ? { '#lines': 'lines' } : {}),
      ...(fields.reason !== undefined ? { '#reason': 'reason' } : {}),
    },
    ExpressionAttributeValues: values,
  });
  if (result.updated) return { changed: true, record: result.record };
  const current = result.record;
  if (current?.status === to) return { changed: false, record: current };
  throw new WorkflowError(
    'Evaluation.InvalidTransition',
    `Evaluation of fund year ${fundYear} is ${current?.status ?? 'missing'}; it cannot become ${to}`,
  );
}

/** Notes the tranches paid (the ledger holds the money; this is the evaluation's own account of it). */
export async function recordTranches(
  fundYear: number,
  tranches: ReleasedTranche[],
  now: string,
): Promise<void> {
  const noted = await updateOnce(evaluationKey(fundYear), {
    UpdateExpression: 'SET tranches = :tranches, releasedAt = if_not_exists(releasedAt, :now)',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':tranches': tranches, ':now': now },
  });
  if (!noted) throw notFound(evaluation.type, `FY${fundYear}`);
}
