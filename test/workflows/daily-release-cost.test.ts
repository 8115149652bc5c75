/**
 * What the daily release costs does not depend on how many proposals are funded: due money is
 * found by one query on the due index, so an idle funded proposal (nothing due today) costs no state
 * transition, no Lambda invocation and no DynamoDB read. Counted, not timed: the run's history
 * (states entered, Lambda tasks scheduled), the local functions' invocations, and the DynamoDB
 * requests and read units at the local endpoint (the bench's meter).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '../../functions/platform/config.ts';
import { DynamoDbMeter } from '../bench/dynamodb-meter.ts';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { entered } from '../support/executions.ts';
import { approveAll, settle, waitUntil } from '../support/flows.ts';

let cloud: TestCloud;
const meter = new DynamoDbMeter();
const IDLE = 5;

/** The fund started a year and a day ago: fund year 2 opened yesterday. */
const openFundYear2 = () => {
  const start = new Date();
  start.setUTCFullYear(start.getUTCFullYear() - 1);
  start.setUTCDate(start.getUTCDate() - 1);
  process.env.FUND_START_DATE = start.toISOString().slice(0, 10);
  resetConfigForTests();
  // The handlers run in sandboxes: a configuration change, as UpdateFunctionConfiguration makes it.
  cloud.functions.updateEnvironment({ FUND_START_DATE: process.env.FUND_START_DATE });
};

beforeAll(async () => {
  const endpoint = await meter.start();
  // A slow clock: the scheduled daily run does not start again while the test counts its own.
  cloud = await startTestCloud({
    timeScale: 0.01,
    fundStartDate: new Date().toISOString().slice(0, 10),
    environment: { AWS_ENDPOINT_URL_DYNAMODB: endpoint },
  });
  meter.retarget(cloud.endpoints.dynamodb);
});
afterAll(async () => {
  await cloud?.close();
  await meter.close();
});

interface RunCost {
  status: string;
  transitions: number;
  lambdaTasks: number;
  invocations: number;
  dynamoRequests: number;
  readUnits: number;
  disbursed: string[];
}

/** One daily run, started by hand once nothing else runs (the start-up's scheduled runs), and what it cost. */
async function dailyRun(): Promise<RunCost> {
  await waitUntil(
    () => (cloud.engine.listExecutions({}).some((e) => e.status === 'RUNNING') ? undefined : true),
    'every execution to finish',
  );
  const calls = () => [...cloud.functions.invocations.values()].reduce((sum, v) => sum + v.count, 0);
  const invocationsBefore = calls();
  const unitsBefore = meter.totals();
  const { executionArn } = cloud.engine.startExecution({
    stateMachineArn: cloud.stateMachineArn('releaseDueFunds'),
    input: '{"scheduled":true}',
  });
  const done = await cloud.engine.waitForExecution(executionArn);
  const unitsAfter = meter.totals();
  return {
    status: done.status,
    transitions: entered(done.history).length,
    lambdaTasks: done.history.filter((e) => e.type === 'TaskScheduled').length,
    invocations: calls() - invocationsBefore,
    dynamoRequests: unitsAfter.requests - unitsBefore.requests,
    readUnits: unitsAfter.rru - unitsBefore.rru,
    disbursed: entered(done.history).filter((name) => name === 'DisburseDue'),
  };
}

describe('the daily release with idle funded proposals', () => {
  let baseline: RunCost;
  const ids: string[] = [];

  it('costs the same with no funded proposal and with five idle ones', async () => {
    baseline = await dailyRun();
    expect(baseline.status).toBe('SUCCEEDED');
    expect(baseline.disbursed).toEqual([]);
    expect(baseline.lambdaTasks).toBe(1);

    // Five funded proposals: this year's investment paid at approval, next year's not due yet.
    const submitted = await Promise.all(
      Array.from({ length: IDLE }, (_, i) =>
        cloud.submit(
          sampleProposal({
            title: `Idle fences ${i + 1}`,
            funding: [
              { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 1_000_000 + i },
              { fundYear: 2, purpose: 'INVESTMENT', amountEurCents: 2_000_000 + i },
            ],
          }),
        ),
      ),
    );
    ids.push(...submitted.map((s) => s.proposalId));
    await approveAll(cloud, ids);
    for (const id of ids) await settle(cloud, id, ['FUNDED']);

    const idle = await dailyRun();
    expect(idle.status).toBe('SUCCEEDED');
    expect(idle.disbursed).toEqual([]);
    // Per idle proposal: 0 transitions, 0 Lambda invocations, 0 DynamoDB requests or read units.
    expect({ ...idle, status: undefined }).toEqual({ ...baseline, status: undefined });
  });

  it('visits a proposal once its money is due, and not again once paid', async () => {
    // Fund year 2 opens: five investments are due.
    openFundYear2();
    const due = await dailyRun();
    expect(due.status).toBe('SUCCEEDED');
    expect(due.disbursed).toHaveLength(IDLE);
    expect(due.lambdaTasks).toBe(1 + IDLE);
    for (const id of ids) {
      const view = (await (await cloud.api('GET', `/proposals/${id}`, { as: 'admin' })).json()) as {
        status: string;
        disbursements: { fundYear: number }[];
      };
      // Everything granted is paid: its life ends, and nothing will visit it again.
      expect(view.status).toBe('COMPLETED');
      expect(view.disbursements.map((d) => d.fundYear).sort()).toEqual([1, 2]);
    }

    // Paid money leaves the due index: the next run is back to the cost of an empty fund.
    const after = await dailyRun();
    expect(after.disbursed).toEqual([]);
    expect(after.lambdaTasks).toBe(baseline.lambdaTasks);
    expect(after.transitions).toBe(baseline.transitions);
    expect(after.readUnits).toBe(baseline.readUnits);
    const verify = (await (await cloud.api('GET', '/ledger/verify', { as: 'finance' })).json()) as {
      ok: boolean;
      records: number;
    };
    expect(verify).toMatchObject({ ok: true, records: 2 * IDLE });
  });
});
