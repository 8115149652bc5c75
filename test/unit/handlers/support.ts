/** Shared by the handler tests: the environment a handler's config needs, event fixtures, a Lambda context. */
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import type { HttpEvent } from '../../../functions/platform/http.ts';
import { routesEnvironment } from '../../../infra/routes.ts';
import { functionNames, functionSpec, system } from '../../../infra/system.ts';

export const TEST_ENV = {
  AWS_REGION: 'eu-west-3',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_LAMBDA_FUNCTION_NAME: 'jif-test',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  FUND_TABLE_NAME: 'jif-fund-test',
  IDEMPOTENCY_TABLE_NAME: 'jif-idempotency-test',
  FUND_START_DATE: '2025-04-01',
  PUBLIC_BASE_URL: 'https://jif.example',
  LEDGER_KEY_FILE: '/tmp/jif-unit-tests/ledger.key',
  APPROVAL_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-3:123456789012:stateMachine:jif-approval',
  ROUTES: routesEnvironment(system.routes),
} as const;

/** Call before importing a handler: its modules read the environment when first used. */
export function setTestEnv(): void {
  Object.assign(process.env, TEST_ENV);
}

/** Sets the test environment, forgets any configuration read before, then imports a handler module. */
export async function loadHandlerModule<M>(name: string): Promise<M> {
  setTestEnv();
  const { resetConfigForTests } = await import('../../../functions/platform/config.ts');
  resetConfigForTests();
  return (await import(`../../../${handlerEntry(name)}`)) as M;
}

/** The entry file of the handler named by its file's base name (`decide-approval`), as the description lists it. */
function handlerEntry(name: string): string {
  const entry = functionNames
    .map((f) => functionSpec(f).entry)
    .find((e) => e.endsWith(`/handlers/${name}.ts`));
  if (!entry) throw new Error(`No function in infra/system.ts has the entry handlers/${name}.ts`);
  return entry;
}

const FIXTURES = new URL('../../fixtures/events/', import.meta.url);

/** A fresh copy of a fixture, so a test may change it freely. */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

export const httpEvent = (name: string, change: (event: HttpEvent) => void = () => {}): HttpEvent => {
  const event = fixture<HttpEvent>(name);
  change(event);
  return event;
};

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: TEST_ENV.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-3:123456789012:function:${TEST_ENV.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${TEST_ENV.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: '2025/05/01/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * A proposal as the table stores it, every attribute the data layer checks when it reads one, for the
 * tests that answer DynamoDB calls themselves; `overrides` replaces any of them.
 */
export function storedProposalItem(
  proposalId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    pk: `PROPOSAL#${proposalId}`,
    sk: 'PROPOSAL',
    type: 'Proposal',
    proposalId,
    title: 'Ring road fencing, phase 1',
    category: 'PORT_SECURITY_INFRASTRUCTURE',
    description: 'Robust fences along the ring road access to the public area of the port.',
    contactEmail: 'port@port-calais.example',
    funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 120_000_000 }],
    status: 'AWAITING_SIGN_OFF',
    statusHistory: [{ status: 'AWAITING_SIGN_OFF', at: '2025-05-01T09:00:00.000Z' }],
    ownerSub: 'port-user-1',
    createdAt: '2025-05-01T09:00:00.000Z',
    updatedAt: '2025-05-01T09:00:00.000Z',
    rate: { gbpPerEur: '0.80', source: 'Joint declaration of 20 September 2014' },
    ...overrides,
  };
}
