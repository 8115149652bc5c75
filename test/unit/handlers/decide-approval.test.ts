import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent } from '../../../functions/platform/http.ts';
import { hashToken, type SignOffRequest } from '../../../functions/sign-off/data/sign-offs.ts';
import { httpEvent, lambdaContext, loadHandlerModule, storedProposalItem, TEST_ENV } from './support.ts';

const documents = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;

beforeAll(async () => {
  ({ handler } = await loadHandlerModule<{ handler: Handler }>('decide-approval'));
});

afterEach(() => {
  documents.reset();
  sfn.reset();
});

const APPROVAL_ID = '3f6c2a1e-8b4d-4c7a-9e21-5d0b7f3a9c10';
const LINK_TOKEN = 'link-token-from-the-email';
const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAfake-step-functions-task-token';
const KEY = { pk: `APPROVAL#${APPROVAL_ID}`, sk: 'APPROVAL' };

function signOffRequest(overrides: Partial<SignOffRequest> = {}): SignOffRequest {
  return {
    approvalId: APPROVAL_ID,
    subjectType: 'PROPOSAL',
    subjectId: '0b8e5c1d-2f4a-4e6b-8c9d-1a2b3c4d5e6f',
    authority: 'UK',
    status: 'PENDING',
    tokens: { [hashToken(LINK_TOKEN)]: 'REQUEST' },
    sentStages: ['REQUEST'],
    stageTimes: { REQUEST: '2025-05-01T09:00:05.000Z' },
    taskToken: TASK_TOKEN,
    taskStage: 'REQUEST',
    createdAt: '2025-05-01T09:00:00.000Z',
    expiresAt: '2099-05-31T09:00:00.000Z',
    ...overrides,
  };
}

/** The request as DynamoDB holds it (keys, type, and sentStages as a string set). */
const item = (request: SignOffRequest) => ({
  ...KEY,
  type: 'SignOffRequest',
  ...request,
  sentStages: new Set(request.sentStages),
});

const decide = async (form: Record<string, string>) =>
  (await handler(
    httpEvent('post-approval.json', (event) => {
      event.body = new URLSearchParams(form).toString();
    }),
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2 & { body: string };

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('POST /approvals/{approvalId}: links that decide nothing', () => {
  it('404 for a token that was never sent for this request (existence is not revealed)', async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest()) });
    const result = await decide({ token: 'guessed-token', decision: 'approve' });
    expect(result.statusCode).toBe(404);
    expect(documents.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({
      TableName: TEST_ENV.FUND_TABLE_NAME,
      Key: KEY,
      ConsistentRead: true,
    });
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('404 for an unknown request, the same page as a bad token', async () => {
    documents.on(GetCommand).resolves({});
    const unknown = await decide({ token: LINK_TOKEN, decision: 'approve' });
    documents.reset();
    documents.on(GetCommand).resolves({ Item: item(signOffRequest()) });
    const badToken = await decide({ token: 'guessed-token', decision: 'approve' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toBe(badToken.body);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('404 without reading the table for an id that is not a UUID or a missing token', async () => {
    const notUuid = (await handler(
      httpEvent('post-approval.json', (event) => {
        event.pathParameters = { approvalId: '../../etc' };
      }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    expect(notUuid.statusCode).toBe(404);
    expect((await decide({ decision: 'approve' })).statusCode).toBe(404);
    expect(documents.calls()).toHaveLength(0);
  });

  it('400 for a decision that is neither approve nor reject', async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest()) });
    const result = await decide({ token: LINK_TOKEN, decision: 'maybe' });
    expect(result.statusCode).toBe(400);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('415 for a body that is not a form', async () => {
    const result = (await handler(
      httpEvent('post-approval.json', (event) => {
        event.headers['content-type'] = 'application/json';
        event.body = JSON.stringify({ token: LINK_TOKEN, decision: 'approve' });
      }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    expect(result.statusCode).toBe(415);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('409 when the conditional update fails because the request is already APPROVED', async () => {
    documents
      .on(GetCommand)
      .resolvesOnce({ Item: item(signOffRequest()) })
      .resolves({ Item: item(signOffRequest({ status: 'APPROVED', decidedStage: 'REQUEST' })) });
    documents.on(UpdateCommand).rejects(conditionFailed());
    const result = await decide({ token: LINK_TOKEN, decision: 'reject', comment: 'Too late' });
    expect(result.statusCode).toBe(409);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('409 when the other authority rejected and the request was withdrawn', async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest({ status: 'WITHDRAWN' })) });
    documents.on(UpdateCommand).rejects(conditionFailed());
    expect((await decide({ token: LINK_TOKEN, decision: 'approve' })).statusCode).toBe(409);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('records a rejection without a comment (the comment is optional; the form asks for one)', async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest()) });
    documents.on(UpdateCommand).resolves({
      Attributes: item(
        signOffRequest({ status: 'REJECTED', decidedAt: new Date().toISOString(), decidedStage: 'REQUEST' }),
      ),
    });
    documents.on(QueryCommand).resolves({ Items: [] });
    sfn.on(SendTaskFailureCommand).resolves({});
    for (const comment of [undefined, '', '   ']) {
      const result = await decide({
        token: LINK_TOKEN,
        decision: 'reject',
        ...(comment === undefined ? {} : { comment }),
      });
      expect(result.statusCode).toBe(200);
    }
    const updates = documents.commandCalls(UpdateCommand);
    expect(updates.map((call) => call.args[0].input.ExpressionAttributeValues?.[':comment'])).toEqual([
      null,
      null,
      null,
    ]);
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(3);
  });

  it('410 when the request is EXPIRED', async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest({ status: 'EXPIRED' })) });
    documents.on(UpdateCommand).rejects(conditionFailed());
    const result = await decide({ token: LINK_TOKEN, decision: 'approve' });
    expect(result.statusCode).toBe(410);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('410 when the request is still pending but past its expiry', async () => {
    const stale = signOffRequest({ expiresAt: '2025-05-31T09:00:00.000Z' });
    documents.on(GetCommand).resolves({ Item: item(stale) });
    documents.on(UpdateCommand).rejects(conditionFailed());
    expect((await decide({ token: LINK_TOKEN, decision: 'approve' })).statusCode).toBe(410);
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('POST /approvals/{approvalId}: a decision', () => {
  const decided = (status: 'APPROVED' | 'REJECTED', comment: string | null) =>
    item(
      signOffRequest({
        status,
        decidedAt: new Date().toISOString(),
        decidedStage: 'REQUEST',
        comment: comment ?? undefined,
      }),
    );

  it('approve: one conditional write from PENDING, then SendTaskSuccess with the outcome', async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest()) });
    documents.on(UpdateCommand).resolves({ Attributes: decided('APPROVED', 'Agreed for the Home Office') });
    sfn.on(SendTaskSuccessCommand).resolves({});

    const result = await decide({
      token: LINK_TOKEN,
      decision: 'approve',
      comment: '  Agreed for the Home Office ',
    });

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Content-Type']).toMatch(/text\/html/);
    const updates = documents.commandCalls(UpdateCommand);
    expect(updates).toHaveLength(1);
    const update = updates[0]?.args[0].input;
    expect(update).toMatchObject({
      TableName: TEST_ENV.FUND_TABLE_NAME,
      Key: KEY,
      ConditionExpression: '#status = :pending AND expiresAt > :now',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':pending': 'PENDING',
        ':status': 'APPROVED',
        ':stage': 'REQUEST',
        ':comment': 'Agreed for the Home Office',
      },
      ReturnValues: 'ALL_NEW',
    });

    const successes = sfn.commandCalls(SendTaskSuccessCommand);
    expect(successes).toHaveLength(1);
    expect(successes[0]?.args[0].input.taskToken).toBe(TASK_TOKEN);
    expect(JSON.parse(successes[0]?.args[0].input.output ?? '')).toEqual({
      decision: 'APPROVED',
      authority: 'UK',
      byDeputy: false,
      comment: 'Agreed for the Home Office',
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
    const [firstUpdate] = updates;
    const [firstSuccess] = successes;
    expect(firstUpdate && firstSuccess && firstUpdate.calledBefore(firstSuccess)).toBe(true);
  });

  it('takes the same form as multipart (curl -F), base64-encoded by the gateway, a file part ignored', async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest()) });
    documents.on(UpdateCommand).resolves({ Attributes: decided('APPROVED', 'By curl') });
    sfn.on(SendTaskSuccessCommand).resolves({});
    const form = new FormData();
    form.set('token', LINK_TOKEN);
    form.set('decision', 'approve');
    form.set('comment', 'By curl');
    form.set('attachment', new Blob(['not read']), 'note.txt');
    const request = new Request('http://form.invalid/', { method: 'POST', body: form });
    const bytes = Buffer.from(await request.arrayBuffer());
    const result = (await handler(
      httpEvent('post-approval.json', (event) => {
        event.headers = { 'Content-Type': request.headers.get('content-type') ?? '' };
        event.body = bytes.toString('base64');
        event.isBase64Encoded = true;
      }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2 & { body: string };
    expect(result.statusCode).toBe(200);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('415 for a multipart body that is malformed (no closing boundary), deciding nothing', async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest()) });
    const result = (await handler(
      httpEvent('post-approval.json', (event) => {
        event.headers = { 'Content-Type': 'multipart/form-data; boundary=jif-form' };
        event.body = `--jif-form\r\nContent-Disposition: form-data; name="token"\r\n\r\n${LINK_TOKEN}\r\n`;
      }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    expect(result.statusCode).toBe(415);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it("reject: SendTaskFailure with the error 'SignOff.Rejected'", async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest()) });
    documents.on(UpdateCommand).resolves({ Attributes: decided('REJECTED', 'Outside the declaration') });
    documents.on(QueryCommand).resolves({ Items: [] });
    sfn.on(SendTaskFailureCommand).resolves({});

    const result = await decide({
      token: LINK_TOKEN,
      decision: 'reject',
      comment: 'Outside the declaration',
    });

    expect(result.statusCode).toBe(200);
    expect(documents.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':status': 'REJECTED',
      ':comment': 'Outside the declaration',
    });
    const failures = sfn.commandCalls(SendTaskFailureCommand);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.args[0].input).toMatchObject({ taskToken: TASK_TOKEN, error: 'SignOff.Rejected' });
    expect(JSON.parse(failures[0]?.args[0].input.cause ?? '')).toEqual({
      decision: 'REJECTED',
      authority: 'UK',
      byDeputy: false,
      comment: 'Outside the declaration',
    });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('records the stage of the link used: a deputy link decides as the deputy', async () => {
    const deputyToken = 'deputy-link-token';
    const request = signOffRequest({
      authority: 'FR',
      tokens: { [hashToken(LINK_TOKEN)]: 'REQUEST', [hashToken(deputyToken)]: 'DEPUTY' },
    });
    documents.on(GetCommand).resolves({ Item: item(request) });
    documents.on(UpdateCommand).resolves({
      Attributes: item({ ...request, status: 'APPROVED', decidedStage: 'DEPUTY' }),
    });
    sfn.on(SendTaskSuccessCommand).resolves({});

    const result = await decide({ token: deputyToken, decision: 'approve' });

    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('lang="fr"');
    expect(documents.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':stage': 'DEPUTY',
    });
    expect(JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output ?? '')).toMatchObject(
      {
        authority: 'FR',
        byDeputy: true,
      },
    );
  });

  it('still answers 200 when the task has timed out meanwhile: the decision is recorded', async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest()) });
    documents.on(UpdateCommand).resolves({ Attributes: decided('APPROVED', null) });
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    const result = await decide({ token: LINK_TOKEN, decision: 'approve' });

    expect(result.statusCode).toBe(200);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('sends nothing to Step Functions when no task is waiting (the workflow picks the decision up)', async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest({ taskToken: undefined })) });
    const { taskToken: _none, ...withoutTask } = signOffRequest({ status: 'APPROVED' });
    documents.on(UpdateCommand).resolves({ Attributes: item(withoutTask as SignOffRequest) });
    expect((await decide({ token: LINK_TOKEN, decision: 'approve' })).statusCode).toBe(200);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('never shows the task token or the link token on the page', async () => {
    documents.on(GetCommand).resolves({ Item: item(signOffRequest()) });
    documents.on(UpdateCommand).resolves({ Attributes: decided('APPROVED', null) });
    sfn.on(SendTaskSuccessCommand).resolves({});
    const result = await decide({ token: LINK_TOKEN, decision: 'approve' });
    expect(result.body).not.toContain(TASK_TOKEN);
    expect(result.body).not.toContain(LINK_TOKEN);
  });
});

describe('the receipt: what was decided, by whom, when', () => {
  const PROPOSAL_KEY = { pk: 'PROPOSAL#0b8e5c1d-2f4a-4e6b-8c9d-1a2b3c4d5e6f', sk: 'PROPOSAL' };
  const proposalItem = storedProposalItem('0b8e5c1d-2f4a-4e6b-8c9d-1a2b3c4d5e6f', {
    title: 'Ring road fencing <b>phase 1</b>',
    description: 'Fences',
    statusHistory: [],
  });

  it('answers the decision with the subject, the decision, the authority and the time in London', async () => {
    documents.on(GetCommand, { Key: KEY }).resolves({ Item: item(signOffRequest()) });
    documents.on(GetCommand, { Key: PROPOSAL_KEY }).resolves({ Item: proposalItem });
    documents.on(QueryCommand).resolves({ Items: [] });
    documents.on(UpdateCommand).resolves({
      Attributes: item(
        signOffRequest({
          status: 'APPROVED',
          decidedAt: '2025-07-01T09:30:00.000Z',
          decidedStage: 'REQUEST',
          comment: 'Night work only',
        }),
      ),
    });
    sfn.on(SendTaskSuccessCommand).resolves({});
    const result = await decide({ token: LINK_TOKEN, decision: 'approve', comment: 'Night work only' });
    expect(result.statusCode).toBe(200);
    const text = result.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Approval recorded');
    expect(text).toContain('Ring road fencing &lt;b&gt;phase 1&lt;/b&gt;');
    expect(text).toContain('Decision Approved');
    expect(text).toContain('Decided by UK Home Office');
    // 09:30 UTC is 10:30 in London in July (BST).
    expect(text).toContain('Decided on 1 July 2025 at 10:30 BST');
    expect(text).toContain('Comment Night work only');
  });

  it('names a proposal by the title kept on its request, without reading the proposal', async () => {
    documents.on(GetCommand, { Key: KEY }).resolves({ Item: item(signOffRequest()) });
    documents.on(UpdateCommand).resolves({
      Attributes: item(
        signOffRequest({
          status: 'APPROVED',
          decidedAt: '2025-07-01T09:30:00.000Z',
          decidedStage: 'REQUEST',
          subjectTitle: 'Ring road fencing, as kept',
        }),
      ),
    });
    sfn.on(SendTaskSuccessCommand).resolves({});
    const result = await decide({ token: LINK_TOKEN, decision: 'approve' });
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('Ring road fencing, as kept');
    expect(documents.commandCalls(GetCommand, { Key: PROPOSAL_KEY })).toHaveLength(0);
  });

  it('shows the same receipt, as 409, when the link is used again, in the language asked', async () => {
    const decidedRequest = signOffRequest({
      status: 'REJECTED',
      decidedAt: '2025-01-15T16:05:00.000Z',
      decidedStage: 'DEPUTY',
      comment: 'Outside the declaration',
    });
    documents.on(GetCommand, { Key: KEY }).resolves({ Item: item(decidedRequest) });
    documents.on(GetCommand, { Key: PROPOSAL_KEY }).resolves({ Item: proposalItem });
    documents.on(QueryCommand).resolves({ Items: [] });
    const result = await decide({ token: LINK_TOKEN, decision: 'approve', lang: 'fr' });
    expect(result.statusCode).toBe(409);
    const text = result.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Déjà décidé');
    expect(text).toContain('Décision Rejeté');
    expect(text).toContain('Décidé par Home Office (Royaume-Uni), par le suppléant');
    // 16:05 UTC is 17:05 in Paris in January.
    expect(text).toContain('Décidé le 15 janvier 2025 à 17:05 UTC+1');
    expect(text).toContain('Outside the declaration');
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });
});
