/**
 * Who completes the evaluation's wait for the cost reports, on a real DynamoDB API (dynalite) with
 * Step Functions mocked: the waiting task's function (awaitCostReports) and the report form
 * (submitCostReport). The last report completes the stored token; a task whose token comes after the
 * last report completes itself; a second answer to an ended task (a double click, a retry, the race of
 * the two) is ignored; any other Step Functions failure leaves the report recorded (the next wait picks
 * it up) in the form, and is retried by the flow in the task. The flows themselves:
 * test/workflows/evaluation-reports-in.test.ts.
 */
import { SendTaskSuccessCommand, SFNClient, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent } from '../../functions/platform/http.ts';
import { startFundStore, type TestDynamo } from '../support/dynalite.ts';
import { httpEvent, lambdaContext } from '../unit/handlers/support.ts';

const sfn = mockClient(SFNClient);
let dynamo: TestDynamo;
let evaluations: typeof import('../../functions/evaluation/data/evaluations.ts');
let reports: typeof import('../../functions/evaluation/data/cost-reports.ts');
let awaitReports: (input: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let submit: (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

beforeAll(async () => {
  dynamo = await startFundStore('2024-01-01');
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'SILENT', PUBLIC_BASE_URL: 'https://jif.example' });
  evaluations = await import('../../functions/evaluation/data/evaluations.ts');
  reports = await import('../../functions/evaluation/data/cost-reports.ts');
  ({ handler: awaitReports } = await import('../../functions/evaluation/handlers/await-cost-reports.ts'));
  ({ handler: submit } = await import('../../functions/evaluation/handlers/submit-cost-report.ts'));
});
afterAll(async () => {
  await dynamo?.stop();
});
afterEach(() => {
  sfn.reset();
});

const PROJECTS = ['0b8e5c1d-2f4a-4e6b-8c9d-1a2b3c4d5e6f', '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f'];
const LINK_TOKEN = 'link-token-from-the-email';

/** Round 1 of fund year `fundYear` collecting the reports of the two projects; their report ids. */
async function roundCollecting(fundYear: 1 | 2): Promise<string[]> {
  const now = new Date();
  await evaluations.claimEvaluation(fundYear, `evaluation-FY${fundYear}`, now.toISOString());
  const dueBy = new Date(now.getTime() + 14 * 86_400_000).toISOString();
  await evaluations.fixProjects(fundYear, PROJECTS, dueBy);
  const { hashToken } = await import('../../functions/sign-off/data/sign-offs.ts');
  const ids: string[] = [];
  for (const [index, proposalId] of PROJECTS.entries()) {
    const report = await reports.ensureCostReport(
      {
        fundYear,
        round: 1,
        proposalId,
        title: `Parking project ${index + 1}`,
        contactEmail: 'port@port-calais.example',
        fundedEurCents: 15_000_000,
      },
      now,
      dueBy,
    );
    await reports.addReportToken(report.reportId, hashToken(LINK_TOKEN));
    ids.push(report.reportId);
  }
  return ids;
}

/** The report form posted as a browser does. */
async function post(reportId: string, actualCostEur: string) {
  const result = (await submit(
    httpEvent('post-approval.json', (event) => {
      event.routeKey = 'POST /cost-reports/{reportId}';
      event.rawPath = `/cost-reports/${reportId}`;
      event.requestContext.http.path = event.rawPath;
      event.requestContext.routeKey = event.routeKey;
      event.pathParameters = { reportId };
      event.body = new URLSearchParams({ token: LINK_TOKEN, actualCostEur, lang: 'en' }).toString();
    }),
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2 & { body: string };
  return result;
}

const completions = () =>
  sfn.commandCalls(SendTaskSuccessCommand).map((call) => ({
    taskToken: call.args[0].input.taskToken,
    output: JSON.parse(call.args[0].input.output ?? 'null') as unknown,
  }));

const ended = (name: 'TaskDoesNotExist' | 'TaskTimedOut') =>
  name === 'TaskDoesNotExist'
    ? new TaskDoesNotExist({ message: 'Task Token does not exist or has expired', $metadata: {} })
    : new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} });

describe('the wait for a round’s cost reports', () => {
  it('the token comes first: the last report completes it, a double click answers 200 and is ignored', async () => {
    const [first, second] = await roundCollecting(1);
    if (!first || !second) throw new Error('two reports made');
    sfn.on(SendTaskSuccessCommand).resolves({});

    expect(await awaitReports({ fundYear: 1, round: 1, taskToken: 'token-1' }, lambdaContext())).toEqual({
      bound: true,
      outcome: 'WAITING',
    });
    expect((await evaluations.getEvaluation(1))?.reportsTaskToken).toBe('token-1');
    // The next wait (after a reminder) is a new task: its token replaces the ended one's.
    await awaitReports({ fundYear: 1, round: 1, taskToken: 'token-2' }, lambdaContext());
    expect((await evaluations.getEvaluation(1))?.reportsTaskToken).toBe('token-2');

    expect((await post(first, '148250.00')).statusCode).toBe(200);
    expect(completions()).toEqual([]);
    const last = await post(second, '120000');
    expect(last.statusCode).toBe(200);
    expect(completions()).toEqual([
      { taskToken: 'token-2', output: { everyReportIn: true, completedBy: 'submitCostReport' } },
    ]);

    // A double click (the task has ended): the report is corrected, the refused answer ignored.
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).rejects(ended('TaskDoesNotExist'));
    const again = await post(second, '125000');
    expect(again.statusCode).toBe(200);
    expect(completions()).toHaveLength(1);
    const [, stored] = await reports
      .reportsForEvaluation(1, 1)
      .then((found) => found.sort((a, b) => a.proposalId.localeCompare(b.proposalId)));
    expect(stored?.actualEurCents).toBe(12_500_000);
  });

  it('the last report comes first: the task completes itself; a retry meets its ended task and is ignored', async () => {
    const [first, second] = await roundCollecting(2);
    if (!first || !second) throw new Error('two reports made');
    sfn.on(SendTaskSuccessCommand).resolves({});
    expect((await post(first, '100000')).statusCode).toBe(200);
    expect((await post(second, '90000')).statusCode).toBe(200);
    // No token stored yet: nothing to complete.
    expect(completions()).toEqual([]);

    expect(await awaitReports({ fundYear: 2, round: 1, taskToken: 'token-A' }, lambdaContext())).toEqual({
      bound: true,
      outcome: 'COMPLETED',
    });
    expect(completions()).toEqual([
      { taskToken: 'token-A', output: { everyReportIn: true, completedBy: 'awaitCostReports' } },
    ]);

    // The same task again (a retry after the answer went out): the ended task's refusal is expected.
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).rejects(ended('TaskTimedOut'));
    expect(await awaitReports({ fundYear: 2, round: 1, taskToken: 'token-A' }, lambdaContext())).toEqual({
      bound: true,
      outcome: 'ENDED',
    });
  });

  it('any other Step Functions failure: the form still records the report; the task fails, to be retried', async () => {
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    // Fund year 2's reports are all in (test above): a correction there tries to complete the stored token.
    const [report] = await reports.reportsForEvaluation(2, 1);
    if (!report) throw new Error('a report of fund year 2');
    expect((await post(report.reportId, '99000')).statusCode).toBe(200);
    expect((await reports.getCostReport(report.reportId))?.actualEurCents).toBe(9_900_000);
    await expect(
      awaitReports({ fundYear: 2, round: 1, taskToken: 'token-B' }, lambdaContext()),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('a round past collecting reports: the task completes at once; the form, closed, completes nothing', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    const now = new Date().toISOString();
    for (const report of await reports.reportsForEvaluation(1, 1))
      await reports.closeReport(report.reportId, now);
    await evaluations.moveEvaluation(1, ['COLLECTING_REPORTS'], 'AWAITING_SIGN_OFF', now);
    expect(await awaitReports({ fundYear: 1, round: 1, taskToken: 'token-3' }, lambdaContext())).toEqual({
      bound: false,
      outcome: 'COMPLETED',
    });
    expect((await evaluations.getEvaluation(1))?.reportsTaskToken).toBe('token-2');
    sfn.reset();
    const [report] = await reports.reportsForEvaluation(1, 1);
    if (!report) throw new Error('a report of fund year 1');
    const closed = await post(report.reportId, '1.00');
    expect(closed.statusCode).toBe(410);
    expect(closed.body).toContain('every project of the round has reported, or the deadline has passed');
    expect(sfn.calls()).toHaveLength(0);
  });
});
