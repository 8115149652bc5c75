/**
 * Sign-off requests. Each is bound to one subject and one authority by a business-key pointer,
 * so a re-run of the workflow task finds the request it already made instead of making another.
 * Link tokens are stored only as SHA-256 hashes; the Step Functions task token never leaves here.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../../platform/dynamodb.ts';
import { approvalKey, fundTable, signOffPointerKey, subjectPk } from '../../platform/keys.ts';
import type { Authority, SignOffStage, SignOffStatus, SubjectType } from '../domain/sign-off.ts';

export interface SignOffRequest {
  approvalId: string;
  subjectType: SubjectType;
  subjectId: string;
  authority: Authority;
  status: SignOffStatus;
  /** hash of a link token -> the stage whose email carried it. */
  tokens: Record<string, SignOffStage>;
  sentStages: SignOffStage[];
  stageTimes: Partial<Record<SignOffStage, string>>;
  taskToken?: string;
  taskStage?: SignOffStage;
  createdAt: string;
  expiresAt: string;
  decidedAt?: string;
  decidedStage?: SignOffStage;
  comment?: string;
  closedAt?: string;
  /** Why a request was withdrawn: the other authority's rejection, or its expiry. */
  withdrawnBecause?: WithdrawalCause;
  /** When the withdrawn authority was told (its email is sent once). */
  withdrawalNoticeAt?: string;
}

export interface WithdrawalCause {
  authority: Authority;
  outcome: 'REJECTED' | 'EXPIRED';
}

/** A link token: 256 random bits, URL-safe. */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function toRequest(item: Record<string, unknown> | undefined): SignOffRequest | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  const request = rest as unknown as SignOffRequest & { sentStages?: Set<SignOffStage> | SignOffStage[] };
  request.sentStages = [...(request.sentStages ?? [])];
  return request as SignOffRequest;
}

export async function getRequest(approvalId: string): Promise<SignOffRequest | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: fundTable(), Key: approvalKey(approvalId), ConsistentRead: true }),
  );
  return toRequest(Item);
}

/** The request for (subject, authority): made once, found again on any re-run. */
export async function ensureRequest(
  subjectType: SubjectType,
  subjectId: string,
  authority: Authority,
  now: Date,
  windowMs: number,
): Promise<SignOffRequest> {
  const pointerKey = signOffPointerKey(subjectType, subjectId, authority);
  let approvalId: string = randomUUID();
  try {
    await documents.send(
      new PutCommand({
        TableName: fundTable(),
        Item: { ...pointerKey, type: 'SignOffPointer', approvalId, authority, createdAt: now.toISOString() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const { Item } = await documents.send(
      new GetCommand({ TableName: fundTable(), Key: pointerKey, ConsistentRead: true }),
    );
    approvalId = String(Item?.approvalId);
  }
  const existing = await getRequest(approvalId);
  if (existing) return existing;
  const request: SignOffRequest = {
    approvalId,
    subjectType,
    subjectId,
    authority,
    status: 'PENDING',
    tokens: {},
    sentStages: [],
    stageTimes: {},
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + windowMs).toISOString(),
  };
  try {
    await documents.send(
      new PutCommand({
        TableName: fundTable(),
        Item: { ...approvalKey(approvalId), type: 'SignOffRequest', ...request, sentStages: undefined },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return request;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return (await getRequest(approvalId)) as SignOffRequest;
  }
}

/** Adds a link token for a stage. Every token handed out stays valid until the request closes. */
export async function addLinkToken(
  approvalId: string,
  stage: SignOffStage,
  tokenHash: string,
): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: fundTable(),
      Key: approvalKey(approvalId),
      UpdateExpression: 'SET tokens.#hash = :stage',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#hash': tokenHash },
      ExpressionAttributeValues: { ':stage': stage },
    }),
  );
}

/**
 * Binds the waiting workflow task to the request. `false` (with the request) when the request is
 * no longer pending: it was decided or closed while no task was waiting.
 */
export async function bindTaskToken(
  approvalId: string,
  taskToken: string,
  stage: SignOffStage,
): Promise<{ bound: boolean; request: SignOffRequest }> {
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: approvalKey(approvalId),
        UpdateExpression: 'SET taskToken = :token, taskStage = :stage',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':token': taskToken, ':stage': stage, ':pending': 'PENDING' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { bound: true, request: toRequest(Attributes) as SignOffRequest };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { bound: false, request: (await getRequest(approvalId)) as SignOffRequest };
  }
}

/** Records that a stage's email went out; `true` only for the first caller. */
export async function markStageSent(approvalId: string, stage: SignOffStage, now: string): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: approvalKey(approvalId),
        UpdateExpression: 'ADD sentStages :stages SET stageTimes.#stage = :now',
        ConditionExpression: 'attribute_not_exists(sentStages) OR NOT contains(sentStages, :stage)',
        ExpressionAttributeNames: { '#stage': stage },
        ExpressionAttributeValues: { ':stages': new Set([stage]), ':stage': stage, ':now': now },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
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
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: approvalKey(approvalId),
        UpdateExpression:
          'SET #status = :status, decidedAt = :now, decidedStage = :stage, #comment = :comment',
        ConditionExpression: '#status = :pending AND expiresAt > :now',
        ExpressionAttributeNames: { '#status': 'status', '#comment': 'comment' },
        ExpressionAttributeValues: {
          ':status': status,
          ':now': now.toISOString(),
          ':stage': stage,
          ':comment': comment ?? null,
          ':pending': 'PENDING',
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { outcome: 'DECIDED', request: toRequest(Attributes) as SignOffRequest };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const request = (await getRequest(approvalId)) as SignOffRequest;
    const expired =
      request.status === 'EXPIRED' ||
      (request.status === 'PENDING' && request.expiresAt <= now.toISOString());
    return { outcome: expired ? 'EXPIRED' : 'ALREADY_CLOSED', request };
  }
}

/** Closes a pending request as EXPIRED or WITHDRAWN; returns the request as it ends up. */
export async function closeRequest(
  approvalId: string,
  status: 'EXPIRED' | 'WITHDRAWN',
  now: string,
  because?: WithdrawalCause,
): Promise<{ closed: boolean; request: SignOffRequest }> {
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: approvalKey(approvalId),
        UpdateExpression: `SET #status = :status, closedAt = :now${because ? ', withdrawnBecause = :because' : ''}`,
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':now': now,
          ':pending': 'PENDING',
          ...(because ? { ':because': because } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { closed: true, request: toRequest(Attributes) as SignOffRequest };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { closed: false, request: (await getRequest(approvalId)) as SignOffRequest };
  }
}

/** Records that the withdrawn authority was told; `true` only for the first caller. */
export async function markWithdrawalNoticeSent(approvalId: string, now: string): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: approvalKey(approvalId),
        UpdateExpression: 'SET withdrawalNoticeAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(withdrawalNoticeAt)',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Every request made for a subject, by its pointers. */
export async function requestsForSubject(
  subjectType: SubjectType,
  subjectId: string,
): Promise<SignOffRequest[]> {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: fundTable(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': subjectPk(subjectType, subjectId), ':prefix': 'SIGNOFF#' },
      ConsistentRead: true,
    }),
  );
  if (Items.length === 0) return [];
  const { Responses } = await documents.send(
    new BatchGetCommand({
      RequestItems: {
        [fundTable()]: {
          Keys: Items.map((item) => approvalKey(String(item.approvalId))),
          ConsistentRead: true,
        },
      },
    }),
  );
  return (Responses?.[fundTable()] ?? []).map((item) => toRequest(item) as SignOffRequest);
}
