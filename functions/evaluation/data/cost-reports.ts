/**
 * Cost reports: the port authority's report of a project's actual annual security cost, one per
 * (fund year, proposal). As with sign-off requests, a business-key pointer makes a re-run of the
 * workflow task find the report it already made; link tokens are stored only as SHA-256 hashes, and
 * the Step Functions task token never leaves the database. A report moves once, PENDING to SUBMITTED
 * (the form) or PENDING to EXPIRED (the workflow's timeout), in one conditional write: one winner.
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
  proposalId: string;
  title: string;
  contactEmail: string;
  /** RUNNING_COST committed for fund year N+1 (the ceiling of the tranche). */
  fundedEurCents: number;
  status: CostReportStatus;
  /** Hashes of every link token emailed for this report. */
  tokenHashes: string[];
  taskToken?: string;
  emailedAt?: string;
  createdAt: string;
  expiresAt: string;
  submittedAt?: string;
  actualEurCents?: number;
  note?: string;
  closedAt?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type CostReportSubject = Pick<
  CostReport,
  'fundYear' | 'proposalId' | 'title' | 'contactEmail' | 'fundedEurCents'
>;

function toReport(item: Record<string, unknown> | undefined): CostReport | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  const report = rest as unknown as CostReport & { tokenHashes?: Set<string> | string[] };
  report.tokenHashes = [...(report.tokenHashes ?? [])];
  return report as CostReport;
}

/** What a waiting cost report task is completed with: the report's outcome for its evaluation line. */
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
  windowSeconds: number,
): Promise<CostReport> {
  const pointerKey = costReportPointerKey(subject.fundYear, subject.proposalId);
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
    expiresAt: new Date(now.getTime() + windowSeconds * 1000).toISOString(),
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

/**
 * Binds the waiting workflow task to the report. Not bound (with the report) when the report is no
 * longer pending: it was submitted or expired while no task was waiting.
 */
export async function bindReportTask(
  reportId: string,
  taskToken: string,
): Promise<{ bound: boolean; report: CostReport }> {
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: costReportKey(reportId),
        UpdateExpression: 'SET taskToken = :token',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':token': taskToken, ':pending': 'PENDING' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { bound: true, report: toReport(Attributes) as CostReport };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { bound: false, report: (await getCostReport(reportId)) as CostReport };
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

/** A report is past its deadline once it expired, or while still pending after `expiresAt`. */
export function isReportExpired(report: CostReport, now: Date): boolean {
  return (
    report.status === 'EXPIRED' || (report.status === 'PENDING' && report.expiresAt <= now.toISOString())
  );
}

export type SubmitResult =
  | { outcome: 'SUBMITTED'; report: CostReport }
  | { outcome: 'ALREADY_SUBMITTED' | 'EXPIRED'; report: CostReport };

/** Pending to submitted, in one conditional write: a double click or a race with expiry has one winner. */
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
          'SET #status = :submitted, submittedAt = :now, actualEurCents = :actual, note = :note',
        ConditionExpression: '#status = :pending AND expiresAt > :now',
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
    const report = (await getCostReport(reportId)) as CostReport;
    return { outcome: isReportExpired(report, now) ? 'EXPIRED' : 'ALREADY_SUBMITTED', report };
  }
}

/** Pending to expired (the workflow's deadline passed); the report as it ends up either way. */
export async function expireReport(
  reportId: string,
  now: string,
): Promise<{ expired: boolean; report: CostReport }> {
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: costReportKey(reportId),
        UpdateExpression: 'SET #status = :expired, closedAt = :now REMOVE taskToken',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':expired': 'EXPIRED', ':pending': 'PENDING', ':now': now },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { expired: true, report: toReport(Attributes) as CostReport };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { expired: false, report: (await getCostReport(reportId)) as CostReport };
  }
}

/** The report of one project in one evaluation, by its business key. */
export async function reportFor(fundYear: number, proposalId: string): Promise<CostReport | undefined> {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: fundTable(),
      Key: costReportPointerKey(fundYear, proposalId),
      ConsistentRead: true,
    }),
  );
  return Item ? getCostReport(String(Item.reportId)) : undefined;
}

/** Every report of an evaluation, by its pointers. */
export async function reportsForEvaluation(fundYear: number): Promise<CostReport[]> {
  const reportIds: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: fundTable(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': evaluationPk(fundYear), ':prefix': 'REPORT#' },
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
