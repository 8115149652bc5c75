/**
 * `npm start` killed with SIGKILL in the middle of committing and of paying, then started again:
 * the approval execution resumes, and every fund year is committed once, the payment is in the
 * ledger once (the chain still verifies), and each email goes out once. The flow is held at the
 * point of the kill on purpose, not by timing: mid-commit by a fault on one function (the first
 * year's commit is made, its answer lost and retried, so the second year waits), mid-payment by
 * the ledger's lease held for another appender (the payment is claimed and waits for its record).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { stateMachineArn, tableName } from '../../infra/local/names.ts';
import { sampleProposal } from '../support/cloud.ts';
import { type Email, freePort, NpmStart, type Running } from '../support/npm-start.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'jif-kill-money-'));
const npmStart = new NpmStart(dataDir);
const FUND_TABLE = tableName('Fund');
const FY1_INVESTMENT = 120_000_000;
const FY2_RUNNING_COST = 15_000_000;
/** The ledger's head item, whose lease one appender at a time holds. */
const LEDGER_HEAD = { pk: 'LEDGER', sk: 'HEAD' };
const OTHER_APPENDER = 'another-appender-in-the-test';

afterAll(async () => {
  await npmStart.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function getJson<T>(stack: Running, path: string, role = 'finance'): Promise<T> {
  const response = await fetch(`${stack.base}${path}`, {
    headers: { authorization: `Bearer ${stack.tokens[role]}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

type FundYears = { years: { fundYear: number; committedEurCents: number; disbursedEurCents: number }[] };
const yearOf = (fund: FundYears, fundYear: number) => fund.years.find((y) => y.fundYear === fundYear);

async function emailsAbout(stack: Running, proposalId: string): Promise<Email[]> {
  const all = (await (await fetch(`${stack.base}/local/outbox`)).json()) as Email[];
  return all.filter((e) => e.subject.includes(proposalId) || e.text.includes(proposalId));
}

/** Submits the sample proposal (FY1 investment, FY2 running cost) and waits for both sign-off emails. */
async function submitted(stack: Running, title: string): Promise<{ proposalId: string; links: URL[] }> {
  const response = await fetch(`${stack.base}/proposals`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.tokens['port-authority']}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(sampleProposal({ title })),
  });
  expect(response.status).toBe(201);
  const { proposalId } = (await response.json()) as { proposalId: string };
  const links = await npmStart.waitFor(async () => {
    const found = (await emailsAbout(stack, proposalId))
      .map((e) => /https?:\/\/\S+\/approvals\/\S+/.exec(e.text)?.[0])
      .filter((link): link is string => link !== undefined);
    return found.length === 2 ? found.map((link) => new URL(link)) : undefined;
  }, 'both sign-off emails');
  return { proposalId, links };
}

async function approveBoth(stack: Running, links: URL[]): Promise<void> {
  for (const link of links) {
    const response = await fetch(`${stack.base}${link.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: link.searchParams.get('token') ?? '', decision: 'approve' }),
    });
    expect(response.status).toBe(200);
  }
}

/** After the restart: FUNDED, its flow SUCCEEDED, and nothing committed, paid or sent twice. */
async function expectFundedOnce(stack: Running, proposalId: string, before: FundYears): Promise<void> {
  const funded = await npmStart.waitFor(async () => {
    const body = await getJson<{ status: string; workflow: { status: string } | null }>(
      stack,
      `/proposals/${proposalId}`,
    );
    return body.status === 'FUNDED' && body.workflow?.status === 'SUCCEEDED' ? body : undefined;
  }, 'FUNDED after the kill');
  expect(funded.status).toBe('FUNDED');

  const after = await getJson<FundYears>(stack, '/fund');
  expect((yearOf(after, 1)?.committedEurCents ?? 0) - (yearOf(before, 1)?.committedEurCents ?? 0)).toBe(
    FY1_INVESTMENT,
  );
  expect((yearOf(after, 2)?.committedEurCents ?? 0) - (yearOf(before, 2)?.committedEurCents ?? 0)).toBe(
    FY2_RUNNING_COST,
  );
  expect((yearOf(after, 1)?.disbursedEurCents ?? 0) - (yearOf(before, 1)?.disbursedEurCents ?? 0)).toBe(
    FY1_INVESTMENT,
  );
  const paid = await getJson<{ items: { amountEurCents: number }[] }>(
    stack,
    `/disbursements?proposalId=${proposalId}`,
  );
  expect(paid.items.map((item) => item.amountEurCents)).toEqual([FY1_INVESTMENT]);
  expect((await getJson<{ ok: boolean }>(stack, '/ledger/verify')).ok).toBe(true);

  const emails = await emailsAbout(stack, proposalId);
  const sent = emails.map((e) => `${e.subject} -> ${e.to.join(',')}`);
  expect(sent.length).toBe(new Set(sent).size); // no email twice
  // One Funded email tells finance of the commitments and the payment.
  expect(
    emails.filter((e) => e.subject.includes('Funded') && e.to.includes('finance@fund.example')),
  ).toHaveLength(1);
  expect(emails.filter((e) => e.text.includes('/approvals/'))).toHaveLength(2);
}

describe('npm start killed with SIGKILL in the middle of the money', () => {
  it('mid-commit (the first year committed, the second not yet): resumed, each year committed once', async () => {
    const port = await freePort();
    // Real time: the held step's retries then take seconds, not microseconds.
    let stack = await npmStart.running(port, '1');
    const before = await getJson<FundYears>(stack, '/fund');
    const { proposalId, links } = await submitted(stack, 'Committed across a kill -9');

    // Each commit of a year is made, then its answer is lost (a Lambda timeout): the Map retries the
    // first year and never reaches the second.
    const faults = await fetch(`${stack.base}/local/faults`, {
      method: 'POST',
      body: 'lambda:Sandbox.Timedout:always:commitFunds',
    });
    expect(faults.status).toBe(200);
    await approveBoth(stack, links);
    const executionArn = `${stateMachineArn('approval').replace(':stateMachine:', ':execution:')}:${proposalId}`;
    await npmStart.waitFor(async () => {
      const { events = [] } = await stack.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      return events.some((e) => e.taskFailedEventDetails?.error === 'Sandbox.Timedout') ? true : undefined;
    }, 'the first commit to time out');
    const held = await getJson<FundYears>(stack, '/fund');
    expect((yearOf(held, 1)?.committedEurCents ?? 0) - (yearOf(before, 1)?.committedEurCents ?? 0)).toBe(
      FY1_INVESTMENT,
    );
    expect(yearOf(held, 2)?.committedEurCents ?? 0).toBe(yearOf(before, 2)?.committedEurCents ?? 0);

    await npmStart.kill();
    stack = await npmStart.running(port, '1'); // faults are not kept across a restart
    await expectFundedOnce(stack, proposalId, before);
    const { events = [] } = await stack.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events.map((e) => e.type)).toContain('ExecutionSucceeded');
  }, 180_000);

  it('mid-payment (claimed, not yet in the ledger): resumed, paid once, the ledger still verifies', async () => {
    await npmStart.stop(); // one process per data directory
    const port = await freePort();
    let stack = await npmStart.running(port, '0.001');
    const before = await getJson<FundYears>(stack, '/fund');
    // Another appender holds the ledger: a payment is claimed, then waits for its record.
    await stack.db.send(
      new UpdateCommand({
        TableName: FUND_TABLE,
        Key: LEDGER_HEAD,
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
        ExpressionAttributeValues: { ':owner': OTHER_APPENDER, ':until': Date.now() + 600_000 },
      }),
    );
    const { proposalId, links } = await submitted(stack, 'Paid across a kill -9');
    await approveBoth(stack, links);
    const claimKey = { pk: `PROPOSAL#${proposalId}`, sk: 'DISBURSEMENT#FY1#INVESTMENT' };
    const claim = await npmStart.waitFor(async () => {
      const { Item } = await stack.db.send(
        new GetCommand({ TableName: FUND_TABLE, Key: claimKey, ConsistentRead: true }),
      );
      return Item;
    }, 'the payment to be claimed');
    expect(claim.ledgerSeq).toBeUndefined();

    await npmStart.kill();
    stack = await npmStart.running(port, '0.001');
    const waiting = await getJson<{ status: string; workflow: { status: string } | null }>(
      stack,
      `/proposals/${proposalId}`,
    );
    expect(waiting).toMatchObject({ status: 'APPROVED', workflow: { status: 'RUNNING' } });
    // The other appender lets go: the resumed payer chains the claim made before the kill.
    await stack.db.send(
      new UpdateCommand({
        TableName: FUND_TABLE,
        Key: LEDGER_HEAD,
        UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': OTHER_APPENDER },
      }),
    );
    await expectFundedOnce(stack, proposalId, before);
  }, 180_000);
});
