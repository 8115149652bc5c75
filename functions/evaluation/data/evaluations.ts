/**
 * Evaluation records, one per fund year evaluated. The record is claimed once, by the execution that
 * runs the evaluation (a conditional put), so a scheduled run and an admin's `POST /evaluations` can
 * never evaluate the same year twice. Every later change is one conditional update from the statuses
 * it may follow, and a re-run that finds the change already made returns the record as it is.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../../platform/dynamodb.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { evaluationKey, fundTable } from '../../platform/keys.ts';
import {
  type CostReportStatus,
  type EvaluatedYear,
  type EvaluationStatus,
  evaluationIdOf,
} from '../domain/evaluation.ts';

/** One project's line: what was committed for year N+1, what year N actually cost, the tranche. */
export interface EvaluationLine {
  proposalId: string;
  title: string;
  /** RUNNING_COST committed for year N+1: the most the tranche can be. */
  fundedEurCents: number;
  /** Reported annual security cost of year N; null when no report came in time. */
  actualEurCents: number | null;
  nextTrancheEurCents: number;
  reportStatus: CostReportStatus;
}

export interface EvaluationStatusChange {
  status: EvaluationStatus;
  at: string;
  reason?: string;
}

export interface ReleasedTranche {
  proposalId: string;
  fundYear: number;
  amountEurCents: number;
  amountGbpPence: number;
  paymentReference: string;
}

export interface EvaluationRecord {
  fundYear: EvaluatedYear;
  evaluationId: string;
  status: EvaluationStatus;
  /** Name of the execution that owns the evaluation (`evaluation-FY1`, or a scheduled run's). */
  startedBy: string;
  startedAt: string;
  /** The projects, fixed at the first listing so a re-run asks the same ones. */
  projects?: string[];
  lines?: EvaluationLine[];
  summarisedAt?: string;
  decidedAt?: string;
  reason?: string;
  tranches?: ReleasedTranche[];
  releasedAt?: string;
  statusHistory: EvaluationStatusChange[];
}

function toRecord(item: Record<string, unknown>): EvaluationRecord {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as unknown as EvaluationRecord;
}

export async function getEvaluation(fundYear: number): Promise<EvaluationRecord | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: fundTable(), Key: evaluationKey(fundYear), ConsistentRead: true }),
  );
  return Item ? toRecord(Item) : undefined;
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
  try {
    await documents.send(
      new PutCommand({
        TableName: fundTable(),
        Item: { ...evaluationKey(fundYear), type: 'Evaluation', ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { owned: true, record };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const existing = (await getEvaluation(fundYear)) as EvaluationRecord;
    return { owned: existing.startedBy === startedBy, record: existing };
  }
}

/** Fixes the evaluation's projects the first time; later calls get the first list back. */
export async function fixProjects(fundYear: number, proposalIds: string[]): Promise<string[]> {
  const { Attributes } = await documents.send(
    new UpdateCommand({
      TableName: fundTable(),
      Key: evaluationKey(fundYear),
      UpdateExpression: 'SET projects = if_not_exists(projects, :projects)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':projects': proposalIds },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return (Attributes?.projects as string[] | undefined) ?? proposalIds;
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
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: evaluationKey(fundYear),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `#status IN (${fromNames.join(', ')})`,
        ExpressionAttributeNames: {
          '#status': 'status',
          ...(fields.lines ? { '#lines': 'lines' } : {}),
          ...(fields.reason !== undefined ? { '#reason': 'reason' } : {}),
        },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { changed: true, record: toRecord(Attributes ?? {}) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = await getEvaluation(fundYear);
    if (current?.status === to) return { changed: false, record: current };
    throw new WorkflowError(
      'Evaluation.InvalidTransition',
      `Evaluation of fund year ${fundYear} is ${current?.status ?? 'missing'}; it cannot become ${to}`,
    );
  }
}

/** Notes the tranches paid (the ledger holds the money; this is the evaluation's own account of it). */
export async function recordTranches(
  fundYear: number,
  tranches: ReleasedTranche[],
  now: string,
): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: fundTable(),
      Key: evaluationKey(fundYear),
      UpdateExpression: 'SET tranches = :tranches, releasedAt = if_not_exists(releasedAt, :now)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':tranches': tranches, ':now': now },
    }),
  );
}
