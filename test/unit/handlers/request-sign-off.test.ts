import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashToken, type SignOffRequest } from '../../../functions/sign-off/data/sign-offs.ts';
import type { Authority, SignOffStage, SignOffStatus } from '../../../functions/sign-off/domain/sign-off.ts';
import type { RequestSignOffInput } from '../../../functions/sign-off/handlers/request-sign-off.ts';
import { fixture, lambdaContext, loadHandlerModule, storedProposalItem, TEST_ENV } from './support.ts';

const documents = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const ses = mockClient(SESv2Client);

type Handler = (input: RequestSignOffInput, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;

beforeAll(async () => {
  ({ handler } = await loadHandlerModule<{ handler: Handler }>('request-sign-off'));
});

beforeEach(() => {
  // The email shows what the other authorities decided: none has yet.
  documents.on(QueryCommand).resolves({ Items: [] });
});

afterEach(() => {
  documents.reset();
  sfn.reset();
  ses.reset();
});

const task = (overrides: Partial<RequestSignOffInput> = {}): RequestSignOffInput => ({
  ...fixture<RequestSignOffInput>('request-sign-off-task.json'),
  ...overrides,
});
const TASK_TOKEN = task().taskToken;
const PROPOSAL_ID = task().subjectId;
const APPROVAL_ID = '7d1e9c3b-5a2f-4b8e-a6c4-2e9f0d1b3a57';
const BIND = 'SET taskToken = :token, taskStage = :stage';

const proposalItem = storedProposalItem(PROPOSAL_ID);

function storedRequest(overrides: Partial<SignOffRequest> = {}): SignOffRequest {
  return {
    approvalId: APPROVAL_ID,
    subjectType: 'PROPOSAL',
    subjectId: PROPOSAL_ID,
    authority: 'UK',
    status: 'PENDING',
    tokens: { [hashToken('first-link-token')]: 'REQUEST' },
    sentStages: ['REQUEST'],
    stageTimes: { REQUEST: '2025-05-01T09:00:05.000Z' },
    createdAt: '2025-05-01T09:00:00.000Z',
    expiresAt: '2025-05-31T09:00:00.000Z',
    ...overrides,
  };
}
const item = (request: SignOffRequest) => ({
  pk: `APPROVAL#${request.approvalId}`,
  sk: 'APPROVAL',
  type: 'SignOffRequest',
  ...request,
  sentStages: request.sentStages.length > 0 ? new Set(request.sentStages) : undefined,
});

/** The proposal's partition as one Query reads it: the proposal (and no other request's pointer). */
const PARTITION_QUERY = {
  KeyConditionExpression: 'pk = :pk',
  ExpressionAttributeValues: { ':pk': `PROPOSAL#${PROPOSAL_ID}` },
};
function proposalStored() {
  documents.on(QueryCommand, PARTITION_QUERY).resolves({ Items: [proposalItem] });
}

/** No request yet for (subject, authority): the pointer put succeeds and the table answers as DynamoDB would. */
function firstTime() {
  documents.on(PutCommand).resolves({});
  documents.on(UpdateCommand).resolves({});
  documents.on(GetCommand).resolves({});
  proposalStored();
  ses.on(SendEmailCommand).resolves({ MessageId: 'message-1' });
}

/** A request made before: the pointer exists and names it. */
function existing(request: SignOffRequest, bindable: boolean) {
  documents.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
  documents.on(UpdateCommand).resolves({});
  documents
    .on(GetCommand, { Key: { pk: `PROPOSAL#${PROPOSAL_ID}`, sk: `SIGNOFF#${request.authority}` } })
    .resolves({ Item: { approvalId: request.approvalId, authority: request.authority } });
  documents
    .on(GetCommand, { Key: { pk: `APPROVAL#${request.approvalId}`, sk: 'APPROVAL' } })
    .resolves({ Item: item(request) });
  proposalStored();
  if (bindable) {
    documents
      .on(UpdateCommand, { UpdateExpression: BIND })
      .resolves({ Attributes: item({ ...request, taskToken: TASK_TOKEN }) });
  } else {
    documents
      .on(UpdateCommand, { UpdateExpression: BIND })
      .rejects(new ConditionalCheckFailedException({ message: 'not pending', $metadata: {} }));
  }
  ses.on(SendEmailCommand).resolves({ MessageId: 'message-2' });
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
}

const updatesWith = (expression: string) =>
  documents.commandCalls(UpdateCommand).filter((call) => call.args[0].input.UpdateExpression === expression);

describe('request-sign-off: the first stage', () => {
  it('puts the pointer, then the request with the task bound and the token hash, and emails the link once', async () => {
    firstTime();
    const result = (await handler(task(), lambdaContext())) as { approvalId: string; emailed: boolean };

    expect(result).toMatchObject({ stage: 'REQUEST', emailed: true });
    const approvalId = result.approvalId;
    expect(approvalId).toMatch(/^[0-9a-f-]{36}$/);

    const [pointer, request] = documents.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(pointer).toMatchObject({
      TableName: TEST_ENV.FUND_TABLE_NAME,
      Item: { pk: `PROPOSAL#${PROPOSAL_ID}`, sk: 'SIGNOFF#UK', type: 'SignOffPointer', approvalId },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(request).toMatchObject({
      Item: {
        pk: `APPROVAL#${approvalId}`,
        sk: 'APPROVAL',
        type: 'SignOffRequest',
        subjectType: 'PROPOSAL',
        subjectId: PROPOSAL_ID,
        authority: 'UK',
        status: 'PENDING',
        stageTimes: {},
        // Its receipt names the proposal by this title, without reading it again.
        subjectTitle: 'Ring road fencing, phase 1',
        // A new request is stored with the waiting task bound and its link's token hash: no other
        // write binds it or stores the token.
        taskToken: TASK_TOKEN,
        taskStage: 'REQUEST',
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    // The request expires when its last stage times out: four stages of three days (no time scale in AWS).
    const { createdAt, expiresAt } = (request?.Item ?? {}) as { createdAt?: string; expiresAt?: string };
    expect(Date.parse(expiresAt ?? '') - Date.parse(createdAt ?? '')).toBe(4 * 3 * 24 * 3600 * 1000);

    expect(updatesWith(BIND)).toHaveLength(0);
    // Nothing read before the request was made: the pointer was new, so no request could exist yet.
    expect(documents.commandCalls(GetCommand)).toHaveLength(0);

    expect(updatesWith('SET tokens.#hash = :stage')).toHaveLength(0);
    const tokens = (request?.Item?.tokens ?? {}) as Record<string, string>;
    expect(Object.values(tokens)).toEqual(['REQUEST']);
    const [storedHash] = Object.keys(tokens);
    expect(storedHash).toMatch(/^[0-9a-f]{64}$/);

    const emails = ses.commandCalls(SendEmailCommand);
    expect(emails).toHaveLength(1);
    const email = emails[0]?.args[0].input;
    expect(email?.Destination?.ToAddresses).toEqual(['approver@homeoffice.example']);
    const text = email?.Content?.Simple?.Body?.Text?.Data ?? '';
    const htmlPart = email?.Content?.Simple?.Body?.Html?.Data ?? '';
    const subject = email?.Content?.Simple?.Subject?.Data ?? '';
    const link = new RegExp(
      `${TEST_ENV.PUBLIC_BASE_URL}/approvals/${approvalId}\\?token=([A-Za-z0-9_%-]+)`,
    ).exec(text);
    expect(link, text).not.toBeNull();
    // Only the hash is stored; the emailed token is the one it hashes.
    const token = decodeURIComponent(link?.[1] ?? '');
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(hashToken(token)).toBe(storedHash);
    expect(JSON.stringify(documents.calls().map((call) => call.args[0].input))).not.toContain(token);
    expect(text).toContain('Ring road fencing, phase 1');
    expect(text).toContain(PROPOSAL_ID);
    for (const part of [subject, text, htmlPart]) expect(part).not.toContain(TASK_TOKEN);

    const sent = updatesWith('ADD sentStages :stages SET stageTimes.#stage = :now');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input.ExpressionAttributeValues?.[':stages']).toEqual(new Set(['REQUEST']));

    // Order: the subject is read before anything is made of the request, the token is stored before
    // the email goes out, and the stage is marked after it went.
    const [emailCall] = emails;
    const [, requestPut] = documents.commandCalls(PutCommand);
    const [partitionRead] = documents.commandCalls(QueryCommand, PARTITION_QUERY);
    expect(partitionRead && requestPut && partitionRead.calledBefore(requestPut)).toBe(true);
    expect(requestPut && emailCall && requestPut.calledBefore(emailCall)).toBe(true);
    expect(emailCall && sent[0] && emailCall.calledBefore(sent[0])).toBe(true);
    expect(sfn.calls()).toHaveLength(0);
  });

  it.each([
    ['UK', 'REQUEST', 'approver@homeoffice.example'],
    ['UK', 'REMINDER_2', 'approver@homeoffice.example'],
    ['UK', 'DEPUTY', 'deputy@homeoffice.example'],
    ['FR', 'REQUEST', 'approbateur@interieur.example'],
    ['FR', 'DEPUTY', 'suppleant@interieur.example'],
    ['ROAD', 'REQUEST', 'routes@dir-nord.example'],
  ] as [Authority, SignOffStage, string][])('%s at %s is written to %s', async (authority, stage, to) => {
    firstTime();
    await handler(task({ authority, stage }), lambdaContext());
    const email = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(email?.Destination?.ToAddresses).toEqual([to]);
    expect(email?.FromEmailAddress).toBe('jif@fund.example');
    expect(documents.commandCalls(PutCommand)[0]?.args[0].input.Item?.sk).toBe(`SIGNOFF#${authority}`);
  });
});

describe('request-sign-off: re-runs and requests decided meanwhile', () => {
  it('a later stage for an existing request adds a new link and emails it', async () => {
    existing(storedRequest(), true);
    const result = await handler(task({ stage: 'REMINDER_1' }), lambdaContext());
    expect(result).toEqual({ approvalId: APPROVAL_ID, stage: 'REMINDER_1', emailed: true });
    expect(documents.commandCalls(PutCommand)).toHaveLength(1); // the pointer attempt only
    expect(updatesWith('SET tokens.#hash = :stage')[0]?.args[0].input.ExpressionAttributeValues).toEqual({
      ':stage': 'REMINDER_1',
    });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('a re-run after a stop between the pointer and the request makes the request, with the task bound', async () => {
    documents.on(UpdateCommand).resolves({});
    documents
      .on(PutCommand, { Item: { sk: 'SIGNOFF#UK' } })
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    documents.on(PutCommand, { Item: { sk: 'APPROVAL' } }).resolves({});
    documents
      .on(GetCommand, { Key: { pk: `PROPOSAL#${PROPOSAL_ID}`, sk: 'SIGNOFF#UK' } })
      .resolves({ Item: { approvalId: APPROVAL_ID, authority: 'UK' } });
    // No request under the pointer: the bind's condition fails and the read back finds nothing.
    documents
      .on(UpdateCommand, { UpdateExpression: BIND })
      .rejects(new ConditionalCheckFailedException({ message: 'no item', $metadata: {} }));
    documents.on(GetCommand, { Key: { pk: `APPROVAL#${APPROVAL_ID}`, sk: 'APPROVAL' } }).resolves({});
    proposalStored();
    ses.on(SendEmailCommand).resolves({ MessageId: 'message-3' });

    const result = await handler(task(), lambdaContext());
    expect(result).toEqual({ approvalId: APPROVAL_ID, stage: 'REQUEST', emailed: true });
    const made = documents.commandCalls(PutCommand, { Item: { sk: 'APPROVAL' } });
    expect(made).toHaveLength(1);
    expect(made[0]?.args[0].input.Item).toMatchObject({
      pk: `APPROVAL#${APPROVAL_ID}`,
      status: 'PENDING',
      taskToken: TASK_TOKEN,
      taskStage: 'REQUEST',
    });
    expect(Object.values(made[0]?.args[0].input.Item?.tokens ?? {})).toEqual(['REQUEST']);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('a concurrent run that made the request first: this task is bound to it and its own link added', async () => {
    const made = storedRequest({
      sentStages: [],
      stageTimes: {},
      tokens: { [hashToken('other-run')]: 'REQUEST' },
    });
    documents.on(UpdateCommand).resolves({});
    documents.on(PutCommand, { Item: { sk: 'SIGNOFF#UK' } }).resolves({});
    documents
      .on(PutCommand, { Item: { sk: 'APPROVAL' } })
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    documents.on(GetCommand).callsFake((input) => ({
      Item: item({ ...made, approvalId: String(input.Key.pk).replace('APPROVAL#', '') }),
    }));
    documents.on(UpdateCommand, { UpdateExpression: BIND }).callsFake((input) => ({
      Attributes: item({
        ...made,
        approvalId: String(input.Key.pk).replace('APPROVAL#', ''),
        taskToken: input.ExpressionAttributeValues[':token'],
      }),
    }));
    proposalStored();
    ses.on(SendEmailCommand).resolves({ MessageId: 'message-4' });

    const result = await handler(task(), lambdaContext());
    expect(result).toMatchObject({ stage: 'REQUEST', emailed: true });
    expect(updatesWith(BIND)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':token': TASK_TOKEN,
    });
    const added = updatesWith('SET tokens.#hash = :stage');
    expect(added).toHaveLength(1);
    const text = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Body?.Text?.Data ?? '';
    const token = decodeURIComponent(/\?token=([A-Za-z0-9_%-]+)/.exec(text)?.[1] ?? '');
    expect(hashToken(token)).toBe(added[0]?.args[0].input.ExpressionAttributeNames?.['#hash']);
  });

  it('a re-run for a stage already in sentStages re-binds the task and sends no email', async () => {
    existing(storedRequest(), true);
    const rerunToken = `${TASK_TOKEN}-rerun`;
    const result = await handler(task({ taskToken: rerunToken }), lambdaContext());

    expect(result).toEqual({ approvalId: APPROVAL_ID, stage: 'REQUEST', emailed: false });
    expect(documents.commandCalls(PutCommand)).toHaveLength(1);
    expect(updatesWith(BIND)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':token': rerunToken,
    });
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(ses.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('a request already APPROVED completes the new task with SendTaskSuccess at once, and sends no email', async () => {
    existing(storedRequest({ status: 'APPROVED', decidedStage: 'REQUEST', comment: 'Agreed' }), false);
    const newToken = `${TASK_TOKEN}-after-timeout`;
    const result = await handler(task({ stage: 'REMINDER_1', taskToken: newToken }), lambdaContext());

    expect(result).toEqual({
      approvalId: APPROVAL_ID,
      stage: 'REMINDER_1',
      emailed: false,
      alreadyClosed: 'APPROVED',
    });
    const successes = sfn.commandCalls(SendTaskSuccessCommand);
    expect(successes).toHaveLength(1);
    expect(successes[0]?.args[0].input.taskToken).toBe(newToken);
    expect(JSON.parse(successes[0]?.args[0].input.output ?? '')).toEqual({
      decision: 'APPROVED',
      authority: 'UK',
      byDeputy: false,
      comment: 'Agreed',
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
    expect(updatesWith('SET tokens.#hash = :stage')).toHaveLength(0);
  });

  it.each([
    ['REJECTED', 'SignOff.Rejected'],
    ['EXPIRED', 'SignOff.Expired'],
    ['WITHDRAWN', 'SignOff.Withdrawn'],
  ] as [SignOffStatus, string][])(
    'a request already %s fails the new task with %s',
    async (status, error) => {
      existing(storedRequest({ status, decidedStage: 'DEPUTY' }), false);
      await handler(task({ stage: 'DEPUTY' }), lambdaContext());
      const failures = sfn.commandCalls(SendTaskFailureCommand);
      expect(failures).toHaveLength(1);
      expect(failures[0]?.args[0].input).toMatchObject({ taskToken: TASK_TOKEN, error });
      expect(JSON.parse(failures[0]?.args[0].input.cause ?? '')).toMatchObject({
        decision: status,
        byDeputy: true,
      });
      expect(ses.calls()).toHaveLength(0);
    },
  );
});

describe('request-sign-off: refusals', () => {
  it('refuses an invalid input by name, without echoing the task token', async () => {
    const attempt = handler(task({ authority: 'DE' as Authority }), lambdaContext());
    await expect(attempt).rejects.toMatchObject({ name: 'SignOff.InvalidInput' });
    await attempt.catch((error: Error) => expect(error.message).not.toContain(TASK_TOKEN));
    expect(documents.calls()).toHaveLength(0);
  });

  it('fails as SignOff.SubjectNotFound when the proposal is missing, before any link is made', async () => {
    firstTime();
    documents.on(QueryCommand, PARTITION_QUERY).resolves({ Items: [] });
    await expect(handler(task(), lambdaContext())).rejects.toMatchObject({ name: 'SignOff.SubjectNotFound' });
    expect(updatesWith('SET tokens.#hash = :stage')).toHaveLength(0);
    // Only the pointer: no request, so no token, was made (a re-run makes them).
    expect(documents.commandCalls(PutCommand).map((call) => call.args[0].input.Item?.sk)).toEqual([
      'SIGNOFF#UK',
    ]);
    expect(ses.calls()).toHaveLength(0);
  });
});
