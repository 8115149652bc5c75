/**
 * What one approved proposal costs in AWS, counted from a real run on the local cloud:
 *
 * - state transitions from the execution histories of every execution it caused (the approval and
 *   its nested sign-offs), as Step Functions bills standard workflows: one per state entered, plus
 *   one per retry (a task scheduled again within the same state entry);
 * - Lambda invocations per function, counted where the local runner calls the handler, with their
 *   local durations (GB-s at the function's memory; local durations, not AWS's);
 * - DynamoDB request units at the local endpoint (see dynamodb-meter.ts);
 * - emails from the outbox; API requests as the user makes them (submit, two page views, two decisions).
 *
 * Then the recurring cost of an idle FUNDED proposal: the daily release run with it, minus the same
 * run before it existed.
 */
import type { TestCloud } from '../support/cloud.ts';
import type { DynamoDbMeter, Units } from './dynamodb-meter.ts';
import { APPROVERS } from './latency.ts';
import { PRICES } from './prices.ts';
import type { Report } from './report.ts';

const SECTION = 'cost';
const DEFAULT_MEMORY_MB = 512; // infra/aws/function.ts

interface Tally {
  transitions: number;
  executions: number;
  invocations: Map<string, { count: number; ms: number }>;
  units: Units;
  emails: number;
}

export async function measureCost(report: Report, cloud: TestCloud, meter: DynamoDbMeter): Promise<void> {
  await quiet(cloud);
  const dailyBefore = await measure(cloud, meter, () => dailyRelease(cloud));

  let apiRequests = 0;
  let id = '';
  const proposal = await measure(cloud, meter, async () => {
    const { proposalId } = await cloud.submit({
      title: 'Cost: ring road fencing',
      category: 'PORT_SECURITY_INFRASTRUCTURE',
      description: 'Fences along the ring road, counted for what they cost to run.',
      contactEmail: 'port@port-calais.example',
      funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 100_000_00 }],
    });
    apiRequests += 1;
    id = proposalId;
    for (const to of APPROVERS) {
      await cloud.waitForEmail((e) => e.to.includes(to) && e.text.includes(proposalId), 60_000);
      const [link] = await cloud.linksFor(to, proposalId);
      if (!link) throw new Error(`no sign-off link for ${to}`);
      const page = await fetch(link.url);
      await page.text();
      const decided = await cloud.decide(link, 'approve');
      await decided.text();
      apiRequests += 2;
    }
    // Not polled through the API: the bench's own requests would be counted as the proposal's.
    await cloud.waitForEmail(
      (e) =>
        e.subject.includes('Funded') && e.to.includes('finance@fund.example') && e.text.includes(proposalId),
      60_000,
    );
    await quiet(cloud);
  });
  const status = (await (await cloud.api('GET', `/proposals/${id}`, { as: 'admin' })).json()) as {
    status: string;
  };
  if (status.status !== 'FUNDED' && status.status !== 'COMPLETED') {
    throw new Error(`the counted proposal is ${status.status}, not FUNDED or COMPLETED`);
  }
  const dailyAfter = await measure(cloud, meter, () => dailyRelease(cloud));

  const lambda = sum(proposal.invocations);
  const gbSeconds = [...proposal.invocations].reduce(
    (total, [, v]) => total + (Math.ceil(v.ms) / 1000) * (DEFAULT_MEMORY_MB / 1024),
    0,
  );
  const usd = {
    stepFunctions: proposal.transitions * PRICES.stepFunctionsPerTransition.usd,
    lambdaRequests: lambda * PRICES.lambdaPerRequest.usd,
    lambdaDuration: gbSeconds * PRICES.lambdaArmPerGbSecond.usd,
    dynamoDb: proposal.units.wru * PRICES.dynamoDbPerWru.usd + proposal.units.rru * PRICES.dynamoDbPerRru.usd,
    ses: proposal.emails * PRICES.sesPerEmail.usd,
    apiGateway: apiRequests * PRICES.httpApiPerRequest.usd,
  };
  const total = Object.values(usd).reduce((a, b) => a + b, 0);

  report.add({
    section: SECTION,
    measure: 'state transitions per approved proposal (2 parties, 1 year)',
    value: `${proposal.transitions} in ${proposal.executions} executions`,
    data: { transitions: proposal.transitions, executions: proposal.executions },
    target: '<= 20',
    met: proposal.transitions <= 20,
  });
  report.add({
    section: SECTION,
    measure: 'Lambda invocations per approved proposal (API + flows)',
    value: `${lambda}: ${[...proposal.invocations].map(([n, v]) => `${n} ${v.count}`).join(', ')}`,
    data: { total: lambda, byFunction: Object.fromEntries(proposal.invocations), gbSeconds },
    target: '<= 9',
    met: lambda <= 9,
  });
  report.add({
    section: SECTION,
    measure: 'DynamoDB, emails, API requests per approved proposal',
    value: `${proposal.units.requests} requests, ${proposal.units.rru} RRU, ${proposal.units.wru} WRU; ${proposal.emails} emails; ${apiRequests} API requests`,
    data: { dynamodb: proposal.units, emails: proposal.emails, apiRequests },
  });
  report.add({
    section: SECTION,
    measure: 'USD per approved proposal, eu-west-3 on-demand (see test/bench/prices.ts)',
    value: `$${total.toFixed(6)} (SFN ${usd.stepFunctions.toFixed(6)}, Lambda ${(usd.lambdaRequests + usd.lambdaDuration).toFixed(6)}, DynamoDB ${usd.dynamoDb.toFixed(6)}, SES ${usd.ses.toFixed(6)}, API ${usd.apiGateway.toFixed(6)})`,
    data: { usd, total, prices: PRICES },
  });
  const recurringTransitions = dailyAfter.transitions - dailyBefore.transitions;
  const recurringLambda = sum(dailyAfter.invocations) - sum(dailyBefore.invocations);
  const recurringUnits =
    dailyAfter.units.rru + dailyAfter.units.wru - dailyBefore.units.rru - dailyBefore.units.wru;
  report.add({
    section: SECTION,
    measure: 'daily work per idle FUNDED proposal (daily run with it minus without)',
    value: `${recurringTransitions} transitions, ${recurringLambda} Lambda, ${recurringUnits} DynamoDB units (daily run: ${dailyAfter.transitions} transitions, ${sum(dailyAfter.invocations)} Lambda)`,
    data: { before: plain(dailyBefore), after: plain(dailyAfter) },
    target: '0',
    met: recurringTransitions <= 0 && recurringLambda <= 0,
  });
}

/** Runs `fn` and returns what it caused: new executions' transitions, invocations, units, emails. */
async function measure(cloud: TestCloud, meter: DynamoDbMeter, fn: () => Promise<void>): Promise<Tally> {
  const known = new Set(cloud.engine.listExecutions({}).map((e) => e.executionArn));
  const calls = new Map([...cloud.functions.invocations].map(([n, v]) => [n, { ...v }]));
  const units = meter.totals();
  const emails = cloud.outbox.list().length;
  await fn();
  await quiet(cloud);
  const fresh = cloud.engine.listExecutions({}).filter((e) => !known.has(e.executionArn));
  const invocations = new Map<string, { count: number; ms: number }>();
  for (const [name, now] of cloud.functions.invocations) {
    const before = calls.get(name) ?? { count: 0, ms: 0 };
    if (now.count > before.count)
      invocations.set(name, { count: now.count - before.count, ms: now.ms - before.ms });
  }
  const after = meter.totals();
  return {
    transitions: fresh.reduce((n, e) => n + transitions(cloud.engine.getExecutionHistory(e.executionArn)), 0),
    executions: fresh.length,
    invocations,
    units: {
      requests: after.requests - units.requests,
      rru: after.rru - units.rru,
      wru: after.wru - units.wru,
    },
    emails: cloud.outbox.list().length - emails,
  };
}

/** Billed transitions of one history: states entered, plus a task scheduled again (a retry). */
export function transitions(history: { type: string }[]): number {
  let entered = 0;
  let taskEntries = 0;
  let scheduled = 0;
  for (const event of history) {
    if (event.type.endsWith('StateEntered')) entered += 1;
    if (event.type === 'TaskStateEntered') taskEntries += 1;
    if (event.type === 'TaskScheduled') scheduled += 1;
  }
  return entered + Math.max(0, scheduled - taskEntries);
}

async function dailyRelease(cloud: TestCloud): Promise<void> {
  const { executionArn } = cloud.engine.startExecution({
    stateMachineArn: cloud.stateMachineArn('releaseDueFunds'),
    input: '{}',
  });
  await cloud.engine.waitForExecution(executionArn);
}

/** Waits until no execution runs except those waiting on people (none should, here). */
async function quiet(cloud: TestCloud, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (cloud.engine.listExecutions({ statusFilter: 'RUNNING' }).length > 0) {
    if (Date.now() > deadline) throw new Error('executions still running after 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  await cloud.functions.drain();
}

function sum(invocations: Map<string, { count: number }>): number {
  return [...invocations.values()].reduce((n, v) => n + v.count, 0);
}

function plain(t: Tally) {
  return { ...t, invocations: Object.fromEntries(t.invocations) };
}
