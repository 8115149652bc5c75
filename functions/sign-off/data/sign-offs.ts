/**
 * Sign-off requests. Each is bound to one subject and one authority by a business-key pointer,
 * so a re-run of the workflow task finds the request it already made instead of making another.
 * Link tokens are stored only as SHA-256 hashes; the Step Functions task token never leaves here.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { approvalKey, SK_PREFIX, signOffPointerKey, subjectPk } from '../../platform/keys.ts';
import {
  codec,
  getItem,
  getMany,
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
import {
  AUTHORITIES,
  type Authority,
  hasExpired,
  SIGN_OFF_STAGES,
  SIGN_OFF_STATUSES,
  type SignOffStage,
  type SubjectType,
} from '../domain/sign-off.ts';
import { type SignOffPointer, signOffPointer } from './pointers.ts';

const stage = v.picklist(SIGN_OFF_STAGES);
const withdrawalCause = v.object({
  authority: v.picklist(AUTHORITIES),
  outcome: v.picklist(['REJECTED', 'EXPIRED']),
});
export type WithdrawalCause = v.InferOutput<typeof withdrawalCause>;

const signOffRequest = codec(
  'SignOffRequest',
  v.object({
    approvalId: v.string(),
    subjectType: v.picklist(['PROPOSAL', 'EVALUATION']),
    subjectId: v.string(),
    /** A proposal's title when the request was made (it never changes): what a receipt names. */
    subjectTitle: v.optional(v.string()),
    authority: v.picklist(AUTHORITIES),
    status: v.picklist(SIGN_OFF_STATUSES),
    /** hash of a link token -> the stage whose email carried it. */
    tokens: v.record(v.string(), stage),
    /** A string set in the table (`ADD`), so two stages' first sends cannot both win. */
    sentStages: stringSet(stage),
    stageTimes: v.record(stage, v.string()),
    taskToken: v.optional(v.string()),
    taskStage: v.optional(stage),
    createdAt: v.string(),
    expiresAt: v.string(),
    decidedAt: v.optional(v.string()),
    decidedStage: v.optional(stage),
    comment: optionalString,
    /** When it was closed as EXPIRED or WITHDRAWN. */
    closedAt: v.optional(v.string()),
    /** Why a request was withdrawn: the other authority's rejection, or its expiry. */
    withdrawnBecause: v.optional(withdrawalCause),
    /** When the withdrawn authority was told (its email is sent once). */
    withdrawalNoticeAt: v.optional(v.string()),
  }),
  // An empty set cannot be stored; `ADD` makes the set at the first stage sent.
  ({ sentStages, ...rest }) => (sentStages.length > 0 ? { ...rest, sentStages: new Set(sentStages) } : rest),
);
export type SignOffRequest = ReturnType<typeof signOffRequest.decode>;

/** A link token: 256 random bits, URL-safe. */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function getRequest(approvalId: string): Promise<SignOffRequest | undefined> {
  return getItem(signOffRequest, approvalKey(approvalId));
}

/**
 * The business key's pointer for (subject, authority), made once: the approvalId of its request.
 * `created`: this call made it, so no request can exist under it yet.
 */
export async function pointToRequest(
  subjectType: SubjectType,
  subjectId: string,
  authority: Authority,
  now: Date,
): Promise<{ approvalId: string; created: boolean }> {
  const pointer = await putIfNew(signOffPointer, signOffPointerKey(subjectType, subjectId, authority), {
    approvalId: randomUUID(),
    authority,
    createdAt: now.toISOString(),
  });
  return { approvalId: pointer.record.approvalId, created: pointer.created };
}

/**
 * Makes the request a pointer names, in one write with the waiting task bound and the first stage's
 * link token (its hash) stored. `created: false` when a concurrent run made it first (nothing written).
 */
export async function makeRequest(
  approvalId: string,
  subject: { subjectType: SubjectType; subjectId: string; subjectTitle?: string; authority: Authority },
  task: { taskToken: string; stage: SignOffStage; tokenHash: string },
  now: Date,
  windowMs: number,
): Promise<{ created: boolean; request: SignOffRequest }> {
  const request: SignOffRequest = {
    approvalId,
    ...subject,
    status: 'PENDING',
    tokens: { [task.tokenHash]: task.stage },
    sentStages: [],
    stageTimes: {},
    taskToken: task.taskToken,
    taskStage: task.stage,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + windowMs).toISOString(),
  };
  const made = await putIfNew(signOffRequest, approvalKey(approvalId), request);
  return { created: made.created, request: made.record };
}

/** Adds a link token for a stage. Every token handed out stays valid until the request closes. */
export function addLinkToken(approvalId: string, stage: SignOffStage, tokenHash: string): Promise<void> {
  return updateExisting(
    signOffRequest,
    approvalKey(approvalId),
    {
      UpdateExpression: 'SET tokens.#hash = :stage',
      ExpressionAttributeNames: { '#hash': tokenHash },
      ExpressionAttributeValues: { ':stage': stage },
    },
    approvalId,
  );
}

/**
 * Binds the waiting workflow task to the request. `false` (with the request) when the request is
 * no longer pending: it was decided or closed while no task was waiting; undefined when there is no
 * such request (its pointer's run stopped before making it).
 */
export async function bindTaskToken(
  approvalId: string,
  taskToken: string,
  stage: SignOffStage,
): Promise<{ bound: boolean; request: SignOffRequest } | undefined> {
  const result = await updateIf(signOffRequest, approvalKey(approvalId), {
    UpdateExpression: 'SET taskToken = :token, taskStage = :stage',
    ConditionExpression: '#status = :pending',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':token': taskToken, ':stage': stage, ':pending': 'PENDING' },
  });
  return result.record ? { bound: result.updated, request: result.record } : undefined;
}

/** Records that a stage's email went out; `true` only for the first caller. */
export function markStageSent(approvalId: string, stage: SignOffStage, now: string): Promise<boolean> {
  return updateOnce(approvalKey(approvalId), {
    UpdateExpression: 'ADD sentStages :stages SET stageTimes.#stage = :now',
    ConditionExpression: 'attribute_not_exists(sentStages) OR NOT contains(sentStages, :stage)',
    ExpressionAttributeNames: { '#stage': stage },
    ExpressionAttributeValues: { ':stages': new Set([stage]), ':stage': stage, ':now': now },
  });
}

export type DecideResult =
  | { outcome: 'DECIDED'; request: SignOffRequest }
  | { outcome: 'ALREADY_CLOSED' | 'EXPIRED'; request: SignOffRequest };

/** Pending to decided, in one conditional write: a double click or a race has one winner. */
export async function decideRequest(
  approvalId: string,
  status: 'APPROVED' | 'REJECTED',
  stage: SignOffStage,
  comment: string | undefined,
  now: Date,
): Promise<DecideResult> {
  const result = await updateIf(signOffRequest, approvalKey(approvalId), {
    UpdateExpression: 'SET #status = :status, decidedAt = :now, decidedStage = :stage, #comment = :comment',
    ConditionExpression: '#status = :pending AND expiresAt > :now',
    ExpressionAttributeNames: { '#status': 'status', '#comment': 'comment' },
    ExpressionAttributeValues: {
      ':status': status,
      ':now': now.toISOString(),
      ':stage': stage,
      ':comment': comment ?? null,
      ':pending': 'PENDING',
    },
  });
  const request = present(signOffRequest, result, approvalId);
  if (result.updated) return { outcome: 'DECIDED', request };
  return { outcome: hasExpired(request, now) ? 'EXPIRED' : 'ALREADY_CLOSED', request };
}

/** Closes a pending request as EXPIRED or WITHDRAWN; returns the request as it ends up. */
export async function closeRequest(
  approvalId: string,
  status: 'EXPIRED' | 'WITHDRAWN',
  now: string,
  because?: WithdrawalCause,
): Promise<{ closed: boolean; request: SignOffRequest }> {
  const result = await updateIf(signOffRequest, approvalKey(approvalId), {
    UpdateExpression: `SET #status = :status, closedAt = :now${because ? ', withdrawnBecause = :because' : ''}`,
    ConditionExpression: '#status = :pending',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':status': status,
      ':now': now,
      ':pending': 'PENDING',
      ...(because ? { ':because': because } : {}),
    },
  });
  return { closed: result.updated, request: present(signOffRequest, result, approvalId) };
}

/**
 * After `decisive` rejected its subject: every other pending request of the subject is withdrawn,
 * saying why (each a conditional write: a decision that landed first stands).
 */
export async function withdrawOthers(decisive: SignOffRequest, now: string): Promise<void> {
  const others = (await requestsForSubject(decisive.subjectType, decisive.subjectId)).filter(
    (request) => request.approvalId !== decisive.approvalId && request.status === 'PENDING',
  );
  for (const request of others)
    await closeRequest(request.approvalId, 'WITHDRAWN', now, {
      authority: decisive.authority,
      outcome: 'REJECTED',
    });
}

/** Records that the withdrawn authority was told; `true` only for the first caller. */
export function markWithdrawalNoticeSent(approvalId: string, now: string): Promise<boolean> {
  return setOnce(approvalKey(approvalId), 'withdrawalNoticeAt', now);
}

/** Every request made for a subject, by its pointers. */
export async function requestsForSubject(
  subjectType: SubjectType,
  subjectId: string,
): Promise<SignOffRequest[]> {
  const pointers = await queryAll(signOffPointer.decode, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': subjectPk(subjectType, subjectId), ':prefix': SK_PREFIX.signOff },
    ConsistentRead: true,
  });
  return requestsOf(pointers);
}

/**
 * The requests its pointers name (read with the subject's partition, say), in one BatchGet. `except`:
 * an authority whose own request the caller does not need; a pointer that does not say its authority is
 * read all the same.
 */
export function requestsOf(pointers: SignOffPointer[], except?: Authority): Promise<SignOffRequest[]> {
  return getMany(
    signOffRequest,
    pointers
      .filter((pointer) => except === undefined || pointer.authority !== except)
      .map((pointer) => approvalKey(pointer.approvalId)),
  );
}
