/**
 * Cost reports: the port authority's report of a project's actual annual security cost, one per
 * (fund year, evaluation round, proposal). As with sign-off requests, a business-key pointer makes a
 * re-run of the workflow task find the report it already made; link tokens are stored only as SHA-256
 * hashes. Until its deadline a report can be sent and corrected (PENDING or SUBMITTED, each a
 * conditional write that refuses a closed report); at the deadline the workflow closes it in one
 * conditional write (PENDING to EXPIRED, or SUBMITTED stays with `closedAt`): after that, nothing
 * changes it, so the figure the evaluation reads is the one the port authority last sent in time.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../../platform/dynamodb.ts';
import { costReportKey, costReportPointerKey, evaluationPk, fundTable } from '../../platform/keys.ts';
import { hashToken } from '../../sign-off/data/sign-offs.ts';
import type { CostReportStatus } from '../domain/evaluation.ts';

export interface CostReport {
  reportId: string;
  fundYear: number;
  /** The evaluation round that asked for it (absent: 1). */
  round?: number;
  proposalId: string;
  title: string;
  contactEmail: string;
  /** RUNNING_COST committed for fund year N+1 (the ceiling of the tranche). */
  fundedEurCents: number;
  status: CostReportStatus;
  /** Hashes of every link token emailed for this report. */
  tokenHashes: string[];
  emailedAt?: string;
  /** How many reminders went out (each once). */
  remindersSent?: number;
  createdAt: string;
  /** The deadline: reports and corrections are taken until then. */
  expiresAt: string;
  /** The first report, and the last time it was sent (a correction moves only this one). */
  firstSubmittedAt?: string;
  submittedAt?: string;
  actualEurCents?: number;
  note?: string;
  /** Set when the deadline passed and the workflow closed the report. */
  closedAt?: string;
  /** When the port authority was told that the deadline passed without a report. */
  noticeSentAt?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type CostReportSubject = Pick<
  CostReport,
  'fundYear' | 'proposalId' | 'title' | 'contactEmail' | 'fundedEurCents'
> & { round: number };

function toReport(item: Record<string, unknown> | undefined): CostReport | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  const report = rest as unknown as CostReport & { tokenHashes?: Set<string> | string[] };
  report.tokenHashes = [...(report.tokenHashes ?? [])];
  return report as CostReport;
}

/** A report's outcome for its evaluation line. */
export function reportOutcome(report: CostReport): {
  proposalId: string;
  status: CostReportStatus;
  actualEurCents: number | null;
} {
  return {
    proposalId: report.proposalId,
    status: report.status,
    actualEurCents: report.status === 'SUBMITTED' ? (report.actualEurCents ?? null) : null,
  };
}

export async function getCostReport(reportId: string): Promise<CostReport | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: fundTable(), Key: costReportKey(reportId), ConsistentRead: true }),
  );
  return toReport(Item);
}

/** The report of (fund year, proposal): made once, found again on any re-run. */
export async function ensureCostReport(
  subject: CostReportSubject,
  now: Date,
  dueBy: string,
): Promise<CostReport> {
  const pointerKey = costReportPointerKey(subject.fundYear, subject.round, subject.proposalId);
  let reportId: string = randomUUID();
  try {
    await documents.send(
      new PutCommand({
        TableName: fundTable(),
        Item: {
          ...pointerKey,
          type: 'CostReportPointer',
          reportId,
          proposalId: subject.proposalId,
          createdAt: now.toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const { Item } = await documents.send(
      new GetCommand({ TableName: fundTable(), Key: pointerKey, ConsistentRead: true }),
    );
    reportId = String(Item?.reportId);
  }
  const existing = await getCostReport(reportId);
  if (existing) return existing;
  const report: CostReport = {
    reportId,
    ...subject,
    status: 'PENDING',
    tokenHashes: [],
    createdAt: now.toISOString(),
    expiresAt: dueBy,
  };
  try {
    await documents.send(
      new PutCommand({
        TableName: fundTable(),
        Item: { ...costReportKey(reportId), type: 'CostReport', ...report, tokenHashes: undefined },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return report;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return (await getCostReport(reportId)) as CostReport;
  }
}

/** Adds a link token's hash; every link handed out stays valid until the report closes. */
export async function addReportToken(reportId: string, tokenHash: string): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: fundTable(),
      Key: costReportKey(reportId),
      UpdateExpression: 'ADD tokenHashes :hashes',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':hashes': new Set([tokenHash]) },
    }),
  );
}

/** Records that the link went out; `true` only for the first caller. */
export async function markReportEmailed(reportId: string, now: string): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: costReportKey(reportId),
        UpdateExpression: 'SET emailedAt = :now',
        ConditionExpression: 'attribute_not_exists(emailedAt)',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** The report a link names, if its token is one that was sent for it. Anything else looks the same. */
export async function reportForLink(
  reportId: string | undefined,
  token: string | undefined,
): Promise<CostReport | undefined> {
  if (!reportId || !UUID.test(reportId) || !token || token.length > 200) return undefined;
  const report = await getCostReport(reportId);
  if (!report) return undefined;
  const presented = Buffer.from(hashToken(token), 'hex');
  const known = report.tokenHashes.some((hash) => {
    const stored = Buffer.from(hash, 'hex');
    return stored.length === presented.length && timingSafeEqual(stored, presented);
  });
  return known ? report : undefined;
}

/** A report is past its deadline once closed, or once `expiresAt` has passed: no report or correction then. */
export function isReportClosed(report: CostReport, now: Date): boolean {
  return (
    report.status === 'EXPIRED' || report.closedAt !== undefined || report.expiresAt <= now.toISOString()
  );
}

export type SubmitResult =
  | { outcome: 'SUBMITTED'; report: CostReport }
  | { outcome: 'CLOSED'; report: CostReport };

/**
 * Records (or corrects) the reported cost, in one conditional write that refuses a report past its
 * deadline or closed: a race with the deadline has one winner, and the last figure sent in time counts.
 */
export async function submitReport(
  reportId: string,
  actualEurCents: number,
  note: string | undefined,
  now: Date,
): Promise<SubmitResult> {
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: costReportKey(reportId),
        UpdateExpression:
          'SET #status = :submitted, submittedAt = :now, firstSubmittedAt = if_not_exists(firstSubmittedAt, :now), actualEurCents = :actual, note = :note',
        ConditionExpression:
          '#status IN (:pending, :submitted) AND attribute_not_exists(closedAt) AND expiresAt > :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':submitted': 'SUBMITTED',
          ':pending': 'PENDING',
          ':now': now.toISOString(),
          ':actual': actualEurCents,
          ':note': note ?? null,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { outcome: 'SUBMITTED', report: toReport(Attributes) as CostReport };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { outcome: 'CLOSED', report: (await getCostReport(reportId)) as CostReport };
  }
}

/**
 * The deadline passed: closes the report (PENDING becomes EXPIRED; a SUBMITTED report keeps its
 * figure), after which no report or correction is taken. `closed` is false when it already was.
 */
export async function closeReport(
  reportId: string,
  now: string,
): Promise<{ closed: boolean; report: CostReport }> {
  const current = await getCostReport(reportId);
  if (!current) throw new Error(`No cost report ${reportId}`);
  if (current.closedAt) return { closed: false, report: current };
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: costReportKey(reportId),
        UpdateExpression: 'SET #status = :to, closedAt = :now',
        // The status it was read in: a report sent in between is closed on the next try, as sent.
        ConditionExpression: '#status = :from AND attribute_not_exists(closedAt)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':from': current.status,
          ':to': current.status === 'PENDING' ? 'EXPIRED' : current.status,
          ':now': now,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { closed: true, report: toReport(Attributes) as CostReport };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return closeReport(reportId, now);
  }
}

/** Notes that reminder `n` went out; false when it already had (a re-run sends nothing twice). */
export async function markReminderSent(reportId: string, n: number): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: costReportKey(reportId),
        UpdateExpression: 'SET remindersSent = :n',
        ConditionExpression: 'attribute_not_exists(remindersSent) OR remindersSent < :n',
        ExpressionAttributeValues: { ':n': n },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Notes that the port authority was told the deadline passed without a report. */
export async function markNoticeSent(reportId: string, now: string): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: fundTable(),
      Key: costReportKey(reportId),
      UpdateExpression: 'SET noticeSentAt = if_not_exists(noticeSentAt, :now)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':now': now },
    }),
  );
}

/** Every report of an evaluation round, by its pointers. */
export async function reportsForEvaluation(fundYear: number, round: number): Promise<CostReport[]> {
  const reportIds: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: fundTable(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': evaluationPk(fundYear, round), ':prefix': 'REPORT#' },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    reportIds.push(...(page.Items ?? []).map((item) => String(item.reportId)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const reports: CostReport[] = [];
  for (let start = 0; start < reportIds.length; start += 100) {
    let keys: Record<string, unknown>[] = reportIds.slice(start, start + 100).map(costReportKey);
    while (keys.length > 0) {
      const { Responses, UnprocessedKeys } = await documents.send(
        new BatchGetCommand({ RequestItems: { [fundTable()]: { Keys: keys, ConsistentRead: true } } }),
      );
      reports.push(...(Responses?.[fundTable()] ?? []).map((item) => toReport(item) as CostReport));
      keys = UnprocessedKeys?.[fundTable()]?.Keys ?? [];
    }
  }
  return reports;
}
