import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpEvent } from '../../../functions/platform/http.ts';
import {
  fixture,
  httpEvent,
  lambdaContext,
  loadHandlerModule,
  storedProposalItem,
  TEST_ENV,
} from './support.ts';
import { emfPrintedBy, enableMetrics, metricsOf } from './support-metrics.ts';

const documents = mockClient(DynamoDBDocumentClient);
const dynamodb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;

beforeAll(async () => {
  enableMetrics();
  ({ handler } = await loadHandlerModule<{ handler: Handler }>('submit-proposal'));
  // Fund year 1 began today, so the fixture's year-1 line is for a year still open.
  process.env.FUND_START_DATE = new Date().toISOString().slice(0, 10);
  const { resetConfigForTests } = await import('../../../functions/platform/config.ts');
  resetConfigForTests();
});

beforeEach(() => {
  // Intake reads the envelopes' room (empty: every year has its whole cap).
  documents.on(QueryCommand).resolves({ Items: [] });
});

afterEach(() => {
  documents.reset();
  dynamodb.reset();
  sfn.reset();
});

const submit = async (event: HttpEvent) =>
  (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2 & { body: string };
const bodyOf = (result: { body: string }) => JSON.parse(result.body);

const withBody = (body: unknown) =>
  httpEvent('post-proposals.json', (event) => {
    event.body = typeof body === 'string' ? body : JSON.stringify(body);
  });

const proposalBody = () => JSON.parse(fixture<{ body: string }>('post-proposals.json').body);

const noCommandsSent = () => {
  expect(documents.calls()).toHaveLength(0);
  expect(dynamodb.calls()).toHaveLength(0);
  expect(sfn.calls()).toHaveLength(0);
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST /proposals: the request is refused before anything is stored', () => {
  it('415 for a body that is not JSON by its Content-Type', async () => {
    const result = await submit(
      httpEvent('post-proposals.json', (event) => {
        event.headers['content-type'] = 'text/plain';
      }),
    );
    expect(result.statusCode).toBe(415);
    expect(bodyOf(result).message).toMatch(/application\/json/);
    noCommandsSent();
  });

  it('accepts application/json with a charset, whatever the header case', async () => {
    documents.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
    const result = await submit(
      httpEvent('post-proposals.json', (event) => {
        delete event.headers['content-type'];
        event.headers['Content-Type'] = 'Application/JSON; charset=utf-8';
      }),
    );
    expect(result.statusCode).toBe(201);
  });

  it('413 above 64 KiB, counting the decoded bytes of a base64 body', async () => {
    const big = { ...proposalBody(), description: 'x'.repeat(64 * 1024) };
    const result = await submit(withBody(big));
    expect(result.statusCode).toBe(413);
    expect(bodyOf(result).message).toContain('65536');

    const encoded = httpEvent('post-proposals.json', (event) => {
      event.body = Buffer.from(JSON.stringify(big)).toString('base64');
      event.isBase64Encoded = true;
    });
    expect((await submit(encoded)).statusCode).toBe(413);
    noCommandsSent();
  });

  it('a body of exactly 64 KiB is read (and then judged on its fields)', async () => {
    const base = JSON.stringify({ ...proposalBody(), description: '' });
    const exact = { ...proposalBody(), description: 'x'.repeat(64 * 1024 - base.length) };
    expect(Buffer.byteLength(JSON.stringify(exact))).toBe(64 * 1024);
    const result = await submit(withBody(exact));
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).errors).toEqual([
      { path: 'description', message: 'must be at most 10000 characters' },
    ]);
  });

  it('400 for a body that is not valid JSON', async () => {
    const result = await submit(withBody('{"title": "Ring road'));
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({
      message: 'The body is not valid JSON',
      errors: [{ path: '(body)' }],
    });
    noCommandsSent();
  });

  it("400 naming a __proto__ key (middy's prototype guard), not a 500", async () => {
    const body = JSON.stringify(proposalBody()).replace(/^\{/, '{"__proto__": {"admin": true}, ');
    const result = await submit(withBody(body));
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).errors).toEqual([{ path: '__proto__', message: 'is not allowed' }]);
    noCommandsSent();
  });

  it('answers every refusal as JSON {message, errors}, not cached, with the security headers', async () => {
    const result = await submit(withBody('[]'));
    expect(result.statusCode).toBe(400);
    expect(result.headers).toMatchObject({
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    expect(Object.keys(bodyOf(result)).sort()).toEqual(['errors', 'message']);
  });

  it('a 500 for an unexpected failure says nothing of it', async () => {
    documents.on(QueryCommand).rejects(new Error('secret detail'));
    const result = await submit(withBody(proposalBody()));
    expect(result.statusCode).toBeGreaterThanOrEqual(500);
    expect(result.body).not.toContain('secret detail');
    expect(Object.keys(bodyOf(result)).sort()).toEqual(['errors', 'message']);
  });

  it('400 listing every offending field, and nothing sent to DynamoDB or Step Functions', async () => {
    const body = proposalBody();
    body.funding[0].fundYear = 4;
    body.funding[1].amountEurCents = 1500.5;
    body.reference = 'PA-2025-001';
    const result = await submit(withBody(body));
    expect(result.statusCode).toBe(400);
    expect(result.headers).toMatchObject({ 'Content-Type': 'application/json' });
    const { message, errors } = bodyOf(result);
    expect(message).toBe('The proposal is not valid');
    expect(errors.map((e: { path: string }) => e.path)).toEqual([
      'funding.0.fundYear',
      'funding.1.amountEurCents',
      'reference',
    ]);
    noCommandsSent();
  });

  it('403 for a finance caller (API Gateway flattened groups "[finance]")', async () => {
    const event = httpEvent('post-proposals-as-finance.json');
    expect(event.requestContext.authorizer?.jwt?.claims?.['cognito:groups']).toBe('[finance]');
    const result = await submit(event);
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result).message).toContain('port-authority');
    noCommandsSent();
  });

  it('401 without JWT claims', async () => {
    const result = await submit(httpEvent('post-proposals-anonymous.json'));
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toEqual({ message: 'Unauthorized', errors: [] });
    noCommandsSent();
  });

  it('400 for an Idempotency-Key longer than 255 characters', async () => {
    const result = await submit(
      httpEvent('post-proposals.json', (event) => {
        event.headers['idempotency-key'] = 'k'.repeat(256);
      }),
    );
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).errors).toEqual([
      { path: 'Idempotency-Key', message: 'must be 1 to 255 characters' },
    ]);
    noCommandsSent();
  });
});

describe('POST /proposals: a valid proposal', () => {
  it('201: stores it with a conditional put, then starts the approval workflow named after it', async () => {
    documents.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });

    const result = await submit(httpEvent('post-proposals.json'));

    expect(result.statusCode).toBe(201);
    const { proposalId, status } = bodyOf(result);
    expect(proposalId).toMatch(UUID);
    expect(status).toBe('AWAITING_SIGN_OFF');
    expect(result.headers).toMatchObject({ Location: `/proposals/${proposalId}` });

    const puts = documents.commandCalls(PutCommand);
    expect(puts).toHaveLength(1);
    const put = puts[0]?.args[0].input;
    expect(put).toMatchObject({
      TableName: TEST_ENV.FUND_TABLE_NAME,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: `PROPOSAL#${proposalId}`,
        sk: 'PROPOSAL',
        type: 'Proposal',
        proposalId,
        status: 'AWAITING_SIGN_OFF',
        ownerSub: '5f0c1e2a-port-authority-calais',
        title: 'Ring road fencing, phase 1',
        funding: proposalBody().funding,
        rate: { gbpPerEur: '0.80' },
        statusHistory: [{ status: 'AWAITING_SIGN_OFF' }],
        gsi1pk: 'OWNER#5f0c1e2a-port-authority-calais',
        gsi3pk: 'STATUS#AWAITING_SIGN_OFF',
      },
    });

    const starts = sfn.commandCalls(StartExecutionCommand);
    expect(starts).toHaveLength(1);
    const start = starts[0]?.args[0].input;
    expect(start?.stateMachineArn).toBe(TEST_ENV.APPROVAL_STATE_MACHINE_ARN);
    expect(start?.name).toBe(proposalId);
    expect(JSON.parse(start?.input ?? '')).toEqual({
      proposalId,
      category: 'PORT_SECURITY_INFRASTRUCTURE',
      commitments: [
        { fundYear: 1, amountEurCents: 120_000_000 },
        { fundYear: 2, amountEurCents: 15_000_000 },
      ],
    });
    // Stored first: the workflow must never run for a proposal that is not in the table.
    const [firstPut] = puts;
    const [firstStart] = starts;
    expect(firstPut && firstStart && firstPut.calledBefore(firstStart)).toBe(true);
  });

  it('commits one sum per fund year, investment and running costs together, in year order', async () => {
    documents.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
    const body = {
      ...proposalBody(),
      category: 'PARKING_AREA_SECURITY',
      funding: [
        { fundYear: 3, purpose: 'RUNNING_COST', amountEurCents: 7_000 },
        { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 2_000 },
        { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 100_000 },
        { fundYear: 2, purpose: 'INVESTMENT', amountEurCents: 100_000 },
      ],
    };
    expect((await submit(withBody(body))).statusCode).toBe(201);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '');
    expect(input.commitments).toEqual([
      { fundYear: 1, amountEurCents: 100_000 },
      { fundYear: 2, amountEurCents: 102_000 },
      { fundYear: 3, amountEurCents: 7_000 },
    ]);
  });

  it('a temporary measure waits for the road authority first', async () => {
    documents.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
    const result = await submit(withBody({ ...proposalBody(), category: 'TEMPORARY_SECURITY_MEASURE' }));
    expect(result.statusCode).toBe(201);
    expect(bodyOf(result).status).toBe('AWAITING_AGREEMENT');
    expect(documents.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      status: 'AWAITING_AGREEMENT',
    });
  });

  it('503 when the workflow cannot start, and the stored proposal is taken back', async () => {
    documents.on(PutCommand).resolves({});
    documents.on(DeleteCommand).resolves({});
    sfn.on(StartExecutionCommand).rejects(new Error('Rate exceeded'));

    const result = await submit(httpEvent('post-proposals.json'));

    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toEqual({
      message: 'The approval workflow could not be started; please retry',
      errors: [],
    });
    const proposalId = documents.commandCalls(PutCommand)[0]?.args[0].input.Item?.proposalId;
    expect(documents.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({
      TableName: TEST_ENV.FUND_TABLE_NAME,
      Key: { pk: `PROPOSAL#${proposalId}`, sk: 'PROPOSAL' },
      ConditionExpression: '#status = :status',
      ExpressionAttributeValues: { ':status': 'AWAITING_SIGN_OFF' },
    });
  });

  it('500 without details when DynamoDB fails unexpectedly', async () => {
    documents.on(PutCommand).rejects(new Error('secret internal detail'));
    const result = await submit(httpEvent('post-proposals.json'));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret');
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('POST /proposals with an Idempotency-Key', () => {
  const withKey = (key: string, body?: unknown) =>
    httpEvent('post-proposals.json', (event) => {
      event.headers['idempotency-key'] = key;
      if (body !== undefined) event.body = JSON.stringify(body);
    });

  it('names the proposal after the caller and the key, so a retry after a crash creates nothing new', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(UpdateItemCommand).resolves({});
    documents.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
    const first = await submit(withKey('order-17'));
    expect(first.statusCode).toBe(201);
    const { proposalId } = bodyOf(first);
    expect(proposalId).toMatch(UUID);
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.TableName).toBe(
      TEST_ENV.IDEMPOTENCY_TABLE_NAME,
    );

    // The idempotency record was lost (a crash before it was saved): the proposal and the
    // execution exist already, and the same id finds them.
    documents.reset();
    documents.on(QueryCommand).resolves({ Items: [] });
    sfn.reset();
    documents
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    documents.on(GetCommand).resolves({
      // The whole stored item, as the first attempt wrote it.
      Item: storedProposalItem(proposalId, proposalBody()),
    });
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const retry = await submit(withKey('order-17'));
    expect(retry.statusCode).toBe(201);
    expect(bodyOf(retry)).toEqual({ proposalId, status: 'AWAITING_SIGN_OFF' });
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.name).toBe(proposalId);
  });

  it('503 when the workflow cannot start: the key is released for a retry, and the proposal kept for it', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(DeleteItemCommand).resolves({});
    documents.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).rejects(new Error('Rate exceeded'));

    const result = await submit(withKey('order-19'));

    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toEqual({
      message: 'The approval workflow could not be started; please retry',
      errors: [],
    });
    expect(dynamodb.commandCalls(DeleteItemCommand)[0]?.args[0].input.TableName).toBe(
      TEST_ENV.IDEMPOTENCY_TABLE_NAME,
    );
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(documents.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('a retry returns the first answer from the idempotency record and sends nothing else', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(UpdateItemCommand).resolves({});
    documents.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
    const first = await submit(withKey('order-18'));
    expect(first.statusCode).toBe(201);

    const inProgress = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    const saved = dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    const values = saved?.ExpressionAttributeValues ?? {};
    const completed = {
      ...inProgress,
      status: { S: 'COMPLETED' },
      expiration: values[':expiry'],
      data: values[':response_data'],
      validation: values[':validation_key'],
    } as NonNullable<typeof inProgress>;
    expect(completed.data).toBeDefined();

    documents.reset();
    dynamodb.reset();
    sfn.reset();
    dynamodb
      .on(PutItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: completed }));

    const retry = await submit(withKey('order-18'));
    expect(retry.statusCode).toBe(201);
    expect(bodyOf(retry)).toEqual(bodyOf(first));
    expect(retry.headers).toMatchObject({ Location: first.headers?.Location });
    expect(documents.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);

    // The same key with a different proposal is refused, and still creates nothing.
    const other = await submit(withKey('order-18', { ...proposalBody(), title: 'Something else' }));
    expect(other.statusCode).toBe(422);
    expect(bodyOf(other).errors).toEqual([
      { path: 'Idempotency-Key', message: 'reused with a different body' },
    ]);
    expect(documents.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('POST /proposals: the ProposalSubmitted metric', () => {
  it('counted once when the approval workflow starts (EMF, namespace JIF), not when a retry finds it started', async () => {
    documents.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
    const printed = await emfPrintedBy(() => submit(withBody(proposalBody())));
    expect(metricsOf(printed)).toEqual([
      { name: 'ProposalSubmitted', unit: 'Count', value: 1, namespace: 'JIF' },
    ]);
    expect(printed[0]?.service).toBe(TEST_ENV.AWS_LAMBDA_FUNCTION_NAME);

    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    expect(await emfPrintedBy(() => submit(withBody(proposalBody())))).toEqual([]);
  });

  it('nothing for a refused proposal', async () => {
    expect(await emfPrintedBy(() => submit(withBody('{"title": "Ring road')))).toEqual([]);
  });
});
