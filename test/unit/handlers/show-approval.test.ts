/** GET and HEAD on an emailed sign-off link: the same answer, HEAD without a body, nothing decided. */
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../../functions/platform/http.ts';
import { hashToken } from '../../../functions/sign-off/data/sign-offs.ts';
import { httpEvent, lambdaContext, loadHandlerModule, storedProposalItem } from './support.ts';

const documents = mockClient(DynamoDBDocumentClient);
type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;
let handler: Handler;

beforeAll(async () => {
  ({ handler } = await loadHandlerModule<{ handler: Handler }>('show-approval'));
});
afterEach(() => documents.reset());

const APPROVAL_ID = '3f6c2a1e-8b4d-4c7a-9e21-5d0b7f3a9c10';
const PROPOSAL_ID = 'b7a1c3d2-0e4f-4a5b-8c6d-7e8f9a0b1c2d';
const TOKEN = 'link-token-from-the-email';

function linkEvent(method: 'GET' | 'HEAD', token = TOKEN): HttpEvent {
  return httpEvent('post-approval.json', (event) => {
    event.routeKey = `${method} /approvals/{approvalId}`;
    event.requestContext.routeKey = event.routeKey;
    event.requestContext.http.method = method;
    event.rawQueryString = `token=${token}`;
    event.queryStringParameters = { token };
    delete event.body;
    delete event.headers['content-type'];
  });
}

function pendingRequest() {
  documents.on(GetCommand).resolves({});
  // The page shows what the other authorities decided: none has yet.
  documents.on(QueryCommand).resolves({ Items: [] });
  documents.on(GetCommand, { Key: { pk: `APPROVAL#${APPROVAL_ID}`, sk: 'APPROVAL' } }).resolves({
    Item: {
      pk: `APPROVAL#${APPROVAL_ID}`,
      sk: 'APPROVAL',
      approvalId: APPROVAL_ID,
      subjectType: 'PROPOSAL',
      subjectId: PROPOSAL_ID,
      authority: 'UK',
      status: 'PENDING',
      tokens: { [hashToken(TOKEN)]: 'REQUEST' },
      sentStages: new Set(['REQUEST']),
      stageTimes: { REQUEST: '2025-05-01T09:00:05.000Z' },
      createdAt: '2025-05-01T09:00:00.000Z',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    },
  });
  // The proposal is read with the rest of its partition, in one Query.
  documents.on(QueryCommand, { ExpressionAttributeValues: { ':pk': `PROPOSAL#${PROPOSAL_ID}` } }).resolves({
    Items: [storedProposalItem(PROPOSAL_ID)],
  });
}

describe('showApproval on GET and HEAD', () => {
  it('answers HEAD with the status and headers of GET and no body, reading only', async () => {
    pendingRequest();
    const get = await handler(linkEvent('GET'), lambdaContext());
    expect(get.statusCode).toBe(200);
    expect(get.body).toContain('Ring road fencing');
    const head = await handler(linkEvent('HEAD'), lambdaContext());
    expect(head).toEqual({ ...get, body: '' });
    const commands = documents.calls().map((call) => call.args[0].constructor.name);
    expect(new Set(commands)).toEqual(new Set(['GetCommand', 'QueryCommand']));
  });

  it('answers HEAD on a link with a wrong token 404 without a body, as GET answers 404', async () => {
    pendingRequest();
    const get = await handler(linkEvent('GET', 'wrong-token'), lambdaContext());
    const head = await handler(linkEvent('HEAD', 'wrong-token'), lambdaContext());
    expect(get.statusCode).toBe(404);
    expect(get.body).not.toBe('');
    expect(head).toEqual({ ...get, body: '' });
  });
});
