/**
 * Cost reports: the port authority's report of a project's actual annual security cost, one per
 * (fund year, evaluation round, proposal). As with sign-off requests, a business-key pointer makes a
 * re-run of the workflow task find the report it already made; link tokens are stored only as SHA-256
 * hashes. Until it closes a report can be sent and corrected (PENDING or SUBMITTED, each a
 * conditional write that refuses a closed report); once every report of the round is in, or at the
 * deadline, the workflow closes it in one conditional write (PENDING to EXPIRED, or SUBMITTED stays
 * with `closedAt`): after that, nothing changes it, so the figure the evaluation reads is the one the
 * port authority last sent in time.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import * as v from 'valibot';
import { costReportKey, costReportPointerKey, evaluationPk, SK_PREFIX } from '../../platform/keys.ts';
import {
  codec,
  getItem,
  getMany,
  notFound,
  optionalString,
  present,
  putIfNew,
  queryAll,
  setOnce,
  stringSet,
  updateExisting,
  updateIf,
  updateOnce,
} from '../../platform/table.ts';
import { hashToken } from '../../sign-off/data/sign-offs.ts';
import { COST_REPORT_STATUSES, type CostReportStatus } from '../domain/evaluation.ts';

const costReport = codec(
  'CostReport',
  v.object({
    reportId: v.string(),
    fundYear: v.number(),
    /** The evaluation round that asked for it (absent: 1). */
    round: v.optional(v.number()),
    proposalId: v.string(),
    title: v.string(),
    contactEmail: v.string(),
    /** RUNNING_COST committed for fund year N+1 (the ceiling of the tranche). */
    fundedEurCents: v.number(),
    status: v.picklist(COST_REPORT_STATUSES),
    /** Hashes of every link token emailed for this report (a string set in the table, `ADD`ed to). */
    tokenHashes: stringSet(v.string()),
    emailedAt: v.optional(v.string()),
    /** How many reminders went out (each once). */
    remindersSent: v.optional(v.number()),
    createdAt: v.string(),
    /** The deadline: reports and corrections are taken until then. */
    expiresAt: v.string(),
    /** The first report, and the last time it was sent (a correction moves only this one). */
    firstSubmittedAt: v.optional(v.string()),
    submittedAt: v.optional(v.string()),
    actualEurCents: v.optional(v.number()),
    note: optionalString,
    /** Set when the deadline passed and the workflow closed the report. */
    closedAt: v.optional(v.string()),
    /** When the port authority was told that the deadline passed without a report. */
    noticeSentAt: v.optional(v.string()),
  }),
  // An empty set cannot be stored; `ADD` makes the set with the first link.
  ({ tokenHashes, ...rest }) =>
    tokenHashes.length > 0 ? { ...rest, tokenHashes: new Set(tokenHashes) } : rest,
);
export type CostReport = ReturnType<typeof costReport.decode>;

/** The business key's pointer to its report: (round, proposal) -> reportId. */
const costReportPointer = codec(
  'CostReportPointer',
  v.object({ reportId: v.string(), proposalId: v.string(), createdAt: v.string() }),
);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type CostReportSubject = Pick<
  CostReport,
  'fundYear' | 'proposalId' | 'title' | 'contactEmail' | 'fundedEurCents'
> & { round: number };

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

export function getCostReport(reportId: string): Promise<CostReport | undefined> {
  return getItem(costReport, costReportKey(reportId));
}

/** The report of (fund year, proposal): made once, found again on any re-run. */
export async function ensureCostReport(
  subject: CostReportSubject,
  now: Date,
  dueBy: string,
): Promise<CostReport> {
  const pointer = await putIfNew(
    costReportPointer,
    costReportPointerKey(subject.fundYear, subject.round, subject.proposalId),
    { reportId: randomUUID(), proposalId: subject.proposalId, createdAt: now.toISOString() },
  );
  const { reportId } = pointer.record;
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
  return (await putIfNew(costReport, costReportKey(reportId), report)).record;
}

/** Adds a link token's hash; every link handed out stays valid until the report closes. */
export function addReportToken(reportId: string, tokenHash: string): Promise<void> {
  return updateExisting(
    costReport,
    costReportKey(reportId),
    {
      UpdateExpression: 'ADD tokenHashes :hashes',
      ExpressionAttributeValues: { ':hashes': new Set([tokenHash]) },
    },
    reportId,
  );
}

/** Records that the link went out; `true` only for the first caller. */
export function markReportEmailed(reportId: string, now: string): Promise<boolean> {
  return setOnce(costReportKey(reportId), 'emailedAt', now);
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
  const result = await updateIf(costReport, costReportKey(reportId), {
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
  });
  const report = present(costReport, result, reportId);
  return { outcome: result.updated ? 'SUBMITTED' : 'CLOSED', report };
}

/**
 * The deadline passed: closes the report (PENDING becomes EXPIRED; a SUBMITTED report keeps its
 * figure), after which no report or correction is taken. `closed` is false when it already was.
 */
export async function closeReport(
  reportId: string,
  now: string,
): Promise<{ closed: boolean; report: CostReport }> {
  for (let current = await getCostReport(reportId); ; ) {
    if (!current) throw notFound(costReport.type, reportId);
    if (current.closedAt) return { closed: false, report: current };
    const result = await updateIf(costReport, costReportKey(reportId), {
      UpdateExpression: 'SET #status = :to, closedAt = :now',
      // The status it was read in: a report sent in between is closed on the next try, as sent.
      ConditionExpression: '#status = :from AND attribute_not_exists(closedAt)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':from': current.status,
        ':to': current.status === 'PENDING' ? 'EXPIRED' : current.status,
        ':now': now,
      },
    });
    if (result.updated) return { closed: true, report: result.record };
    current = result.record;
  }
}

/** Notes that reminder `n` went out; false when it already had (a re-run sends nothing twice). */
export function markReminderSent(reportId: string, n: number): Promise<boolean> {
  return updateOnce(costReportKey(reportId), {
    UpdateExpression: 'SET remindersSent = :n',
    ConditionExpression:
      'attribute_exists(pk) AND (attribute_not_exists(remindersSent) OR remindersSent < :n)',
    ExpressionAttributeValues: { ':n': n },
  });
}

/** Notes that the port authority was told the deadline passed without a report. */
export function markNoticeSent(reportId: string, now: string): Promise<void> {
  return updateExisting(
    costReport,
    costReportKey(reportId),
    {
      UpdateExpression: 'SET noticeSentAt = if_not_exists(noticeSentAt, :now)',
      ExpressionAttributeValues: { ':now': now },
    },
    reportId,
  );
}

/** Every report of an evaluation round, by its pointers. */
export async function reportsForEvaluation(fundYear: number, round: number): Promise<CostReport[]> {
  const pointers = await queryAll(costReportPointer.decode, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': evaluationPk(fundYear, round), ':prefix': SK_PREFIX.costReport },
    ConsistentRead: true,
  });
  return getMany(
    costReport,
    pointers.map((pointer) => costReportKey(pointer.reportId)),
  );
}
