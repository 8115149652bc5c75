/**
 * Evaluation records, one per fund year evaluated, holding its current round. The record is claimed
 * once, by the execution that runs round 1 (a conditional put), so a scheduled run and an admin's
 * `POST /evaluations` can never evaluate the same year twice; a new round (after a round that left
 * projects undecided) is one conditional update from that round's outcome, which keeps a summary of
 * the round it replaces. Every later change is one conditional update from the statuses it may
 * follow, and a re-run that finds the change already made returns the record as it is.
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
  isEvaluatedYear,
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
  /** The port authority's note with its report, shown to the approvers. */
  note: v.optional(v.string()),
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

/** Why an admin started a round before the evaluation window opened (30 days before the year ends). */
const earlyStartSchema = v.object({ reason: v.string(), opensAt: v.string() });
export type EarlyStart = v.InferOutput<typeof earlyStartSchema>;

/** A finished round, as the record keeps it once a new round replaces it. */
const roundSummary = v.object({
  round: v.number(),
  evaluationId: v.string(),
  status: v.picklist(EVALUATION_STATUSES),
  startedAt: v.string(),
  decidedAt: v.optional(v.string()),
  reason: v.optional(v.string()),
  earlyStart: v.optional(earlyStartSchema),
  lines: v.array(evaluationLine),
});
export type EvaluationRoundSummary = v.InferOutput<typeof roundSummary>;

const evaluation = codec(
  'Evaluation',
  v.object({
    fundYear: v.picklist(EVALUATED_YEARS),
    evaluationId: v.string(),
    /** The current round: 1, then 2, ... after a round that left projects undecided (absent: 1). */
    round: v.optional(v.number()),
    status: v.picklist(EVALUATION_STATUSES),
    /** Name of the execution that owns the round (`evaluation-FY1`, `evaluation-FY1-R2`, or a scheduled run's). */
    startedBy: v.string(),
    startedAt: v.string(),
    earlyStart: v.optional(earlyStartSchema),
    /** When the round's cost reports are due (and can no longer be corrected). */
    reportsDueBy: v.optional(v.string()),
    /**
     * The task token of the flow's task waiting for the round's reports (the latest one: each wait
     * is a new task), which the last report completes. Never shown.
     */
    reportsTaskToken: v.optional(v.string()),
    /** The projects, fixed at the first listing so a re-run asks the same ones. */
    projects: v.optional(v.array(v.string())),
    lines: v.optional(v.array(evaluationLine)),
    summarisedAt: v.optional(v.string()),
    decidedAt: v.optional(v.string()),
    reason: v.optional(v.string()),
    tranches: v.optional(v.array(releasedTranche)),
    releasedAt: v.optional(v.string()),
    statusHistory: v.array(statusChange),
    /** Earlier rounds, oldest first. */
    previousRounds: v.optional(v.array(roundSummary)),
  }),
);
export type EvaluationRecord = ReturnType<typeof evaluation.decode>;

export const roundOf = (record: Pick<EvaluationRecord, 'round'>): number => record.round ?? 1;

/** Projects whose tranche an earlier round decided (reported and approved): later rounds leave them out. */
export function settledProjects(record: Pick<EvaluationRecord, 'previousRounds'>): Set<string> {
  const settled = new Set<string>();
  for (const round of record.previousRounds ?? []) {
    if (round.status !== 'APPROVED' && round.status !== 'PARTLY_APPROVED') continue;
    for (const line of round.lines) if (line.reportStatus === 'SUBMITTED') settled.add(line.proposalId);
  }
  return settled;
}

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
  earlyStart?: EarlyStart,
): Promise<{ owned: boolean; record: EvaluationRecord }> {
  const record: EvaluationRecord = {
    fundYear,
    evaluationId: evaluationIdOf(fundYear),
    round: 1,
    status: 'COLLECTING_REPORTS',
    startedBy,
    startedAt: now,
    ...(earlyStart ? { earlyStart } : {}),
    statusHistory: [{ status: 'COLLECTING_REPORTS', at: now }],
  };
  const result = await putIfNew(evaluation, evaluationKey(fundYear), record);
  return { owned: result.record.startedBy === startedBy, record: result.record };
}

/**
 * Starts round `round + 1` after round `round` ended leaving projects undecided (REJECTED, EXPIRED,
 * PARTLY_APPROVED): one conditional update, which keeps a summary of the round it replaces. Undefined
 * when the record is no longer at that round's end (another request started the next round first).
 */
export async function startNextRound(
  current: EvaluationRecord,
  startedBy: string,
  now: string,
  earlyStart?: EarlyStart,
): Promise<EvaluationRecord | undefined> {
  const round = roundOf(current);
  const next = round + 1;
  const summary: EvaluationRoundSummary = {
    round,
    evaluationId: current.evaluationId,
    status: current.status,
    startedAt: current.startedAt,
    ...(current.decidedAt ? { decidedAt: current.decidedAt } : {}),
    ...(current.reason ? { reason: current.reason } : {}),
    ...(current.earlyStart ? { earlyStart: current.earlyStart } : {}),
    lines: current.lines ?? [],
  };
  const sets = [
    '#round = :next',
    'evaluationId = :evaluationId',
    '#status = :collecting',
    'startedBy = :startedBy',
    'startedAt = :now',
    'statusHistory = list_append(statusHistory, :change)',
    'previousRounds = list_append(if_not_exists(previousRounds, :none), :summary)',
  ];
  const values: Record<string, unknown> = {
    ':next': next,
    ':evaluationId': evaluationIdOf(current.fundYear, next),
    ':collecting': 'COLLECTING_REPORTS',
    ':startedBy': startedBy,
    ':now': now,
    ':change': [{ status: 'COLLECTING_REPORTS', at: now, reason: `Round ${next} started` }],
    ':none': [],
    ':summary': [summary],
    ':ended': current.status,
    ':round': round,
  };
  if (earlyStart) {
    sets.push('earlyStart = :earlyStart');
    values[':earlyStart'] = earlyStart;
  }
  // Round 1's record may predate rounds (no `round` attribute).
  const roundIs = round === 1 ? '(attribute_not_exists(#round) OR #round = :round)' : '#round = :round';
  const result = await updateIf(evaluation, evaluationKey(current.fundYear), {
    UpdateExpression: `SET ${sets.join(', ')} REMOVE projects, #lines, summarisedAt, decidedAt, #reason, reportsDueBy, reportsTaskToken${earlyStart ? '' : ', earlyStart'}`,
    ConditionExpression: `#status = :ended AND ${roundIs}`,
    ExpressionAttributeNames: {
      '#round': 'round',
      '#status': 'status',
      '#lines': 'lines',
      '#reason': 'reason',
    },
    ExpressionAttributeValues: values,
  });
  return result.updated ? result.record : undefined;
}

/**
 * Fixes the round's projects and its cost-report deadline the first time; later calls get the first
 * ones back (a re-run asks the same projects by the same date).
 */
export async function fixProjects(
  fundYear: number,
  proposalIds: string[],
  reportsDueBy: string,
): Promise<{ projects: string[]; reportsDueBy: string }> {
  const result = await updateIf(evaluation, evaluationKey(fundYear), {
    UpdateExpression:
      'SET projects = if_not_exists(projects, :projects), reportsDueBy = if_not_exists(reportsDueBy, :due)',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':projects': proposalIds, ':due': reportsDueBy },
  });
  if (!result.updated) throw notFound(evaluation.type, `FY${fundYear}`);
  return {
    projects: result.record.projects ?? proposalIds,
    reportsDueBy: result.record.reportsDueBy ?? reportsDueBy,
  };
}

/**
 * Binds the task waiting for round `round`'s reports to the record, while that round collects them
 * (one conditional write): the latest task's token replaces an earlier one's, which has ended.
 * `bound` is false when the round has moved on (another round, or past collecting reports).
 */
export async function bindReportsTask(
  fundYear: number,
  round: number,
  taskToken: string,
): Promise<{ bound: boolean; record: EvaluationRecord }> {
  // Round 1's record may predate rounds (no `round` attribute).
  const roundIs = round === 1 ? '(attribute_not_exists(#round) OR #round = :round)' : '#round = :round';
  const result = await updateIf(evaluation, evaluationKey(fundYear), {
    UpdateExpression: 'SET reportsTaskToken = :token',
    ConditionExpression: `#status = :collecting AND ${roundIs}`,
    ExpressionAttributeNames: { '#status': 'status', '#round': 'round' },
    ExpressionAttributeValues: { ':token': taskToken, ':collecting': 'COLLECTING_REPORTS', ':round': round },
  });
  if (result.updated) return { bound: true, record: result.record };
  if (!result.record) throw notFound(evaluation.type, `FY${fundYear}`);
  return { bound: false, record: result.record };
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
  if (to === 'APPROVED' || to === 'PARTLY_APPROVED' || to === 'REJECTED' || to === 'EXPIRED') {
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

/**
 * Notes the tranches paid (the ledger holds the money; this is the evaluation's own account of it),
 * beside those of earlier rounds: a tranche is one per project, so a re-run replaces its own entry.
 */
export async function recordTranches(
  record: EvaluationRecord,
  tranches: ReleasedTranche[],
  now: string,
): Promise<void> {
  const paidNow = new Set(tranches.map((tranche) => tranche.proposalId));
  const all = [...(record.tranches ?? []).filter((t) => !paidNow.has(t.proposalId)), ...tranches];
  const noted = await updateOnce(evaluationKey(record.fundYear), {
    UpdateExpression: 'SET tranches = :tranches, releasedAt = :now',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':tranches': all, ':now': now },
  });
  if (!noted) throw notFound(evaluation.type, `FY${record.fundYear}`);
}

/**
 * The year's record for a workflow task of round `round`: the task's input is checked, and a task of
 * a round that is no longer current (a redriven old execution) fails rather than act on a new round.
 */
export async function recordForRoundTask(input: {
  fundYear?: unknown;
  round?: unknown;
}): Promise<EvaluationRecord> {
  const { fundYear, round } = input;
  if (!isEvaluatedYear(fundYear) || typeof round !== 'number' || !Number.isInteger(round) || round < 1) {
    throw new WorkflowError('Evaluation.InvalidInput', `Invalid input: ${JSON.stringify(input)}`);
  }
  const record = await getEvaluation(fundYear);
  if (!record) throw new WorkflowError('Evaluation.NotFound', `No evaluation of fund year ${fundYear}`);
  if (roundOf(record) !== round) {
    throw new WorkflowError(
      'Evaluation.StaleRound',
      `The evaluation of fund year ${fundYear} is at round ${roundOf(record)}, not ${round}`,
    );
  }
  return record;
}
