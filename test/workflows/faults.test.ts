/**
 * The workflows under faults, with canned task failures on the local engine: a transient error
 * (Lambda throttling, a timed-out function, SES throttling inside a handler) is retried and the
 * flow completes with each email sent once; a permanent one (SES `MessageRejected`, a payment
 * refused) fails the execution visibly and pays nothing; a forged task completion funds nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { resetConfigForTests } from '../../functions/platform/config.ts';
import { requestsForSubject } from '../../functions/sign-off/data/sign-offs.ts';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import {
  emailsAbout,
  entered,
  FR,
  finished,
  PORT,
  smallProposal,
  UK,
  until,
  viewOf,
} from '../support/executions.ts';
import { approveAll, waitForMinistryLinks } from '../support/flows.ts';

/** Sign-off stages last 259200 s x this (26 s): long enough never to time out in these tests. */
const TIME_SCALE = 0.0001;
const LONG = 90_000;

let cloud: TestCloud;

/** Canned failures: the next `count` calls matching `when` throw an error named `name`. */
interface Fault {
  when: (name: string, input: Record<string, unknown>) => boolean;
  name: string;
  count: number;
  /** Run the handler first (its work done), then fail: a crash or a lost answer after the fact. */
  after?: boolean;
}
let faults: Fault[] = [];
const calls: { fn: string; input: Record<string, unknown>; failed?: string }[] = [];

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** The fault due for this call, if any (counts it down). */
function due(fn: string, input: Record<string, unknown>): Fault | undefined {
  const fault = faults.find((f) => f.count > 0 && f.when(fn, input));
  if (fault) fault.count -= 1;
  return fault;
}

beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: TIME_SCALE });
  const invoke = cloud.functions.invoke.bind(cloud.functions);
  vi.spyOn(cloud.functions, 'invoke').mockImplementation(async (fn, payload) => {
    const input = (payload ?? {}) as Record<string, unknown>;
    const fault = due(fn, input);
    calls.push({ fn, input, ...(fault ? { failed: fault.name } : {}) });
    if (fault && !fault.after) throw named(fault.name, `canned ${fault.name}`);
    const result = await invoke(fn, payload);
    if (fault) throw named(fault.name, `canned ${fault.name} after the handler ran`);
    return result;
  });
});
afterEach(async () => {
  faults = [];
  calls.length = 0;
  await fetch(`${cloud.baseUrl}/local/faults`, { method: 'DELETE' });
});
afterAll(async () => {
  await cloud.close();
});

const fn = (suffix: string) => (name: string) => name.endsWith(suffix);
const about = (proposalId: string) => (_: string, input: Record<string, unknown>) =>
  input.proposalId === proposalId || input.subjectId === proposalId;

/**
 * SES answers `name` to the next `count` emails the system sends (`always`: until cleared), through
 * the local cloud's faults on demand: handlers run in sandboxes of their own, out of a spy's reach.
 */
async function failEmails(name: string, count: number | 'always'): Promise<void> {
  const response = await fetch(`${cloud.baseUrl}/local/faults`, {
    method: 'POST',
    body: `ses:${name}:${count}`,
  });
  expect(response.status).toBe(200);
}

async function fund(): Promise<Record<number, number>> {
  const body = (await (await cloud.api('GET', '/fund', { as: 'finance' })).json()) as {
    years: { fundYear: number; committedEurCents: number }[];
  };
  return Object.fromEntries(body.years.map((y) => [y.fundYear, y.committedEurCents]));
}

function subjects(proposalId: string, to: string): string[] {
  return emailsAbout(cloud, proposalId, to)
    .map((e) => e.subject)
    .sort();
}

/** Both fund years of the sample proposal, committed. */
const BOTH_YEARS_COMMITTED = [
  expect.objectContaining({ fundYear: 1, status: 'COMMITTED' }),
  expect.objectContaining({ fundYear: 2, status: 'COMMITTED' }),
];

describe('transient faults are retried', () => {
  it(
    'Lambda throttling, a timed-out function and SES throttling after a commit: FUNDED, each email once',
    async () => {
      const { proposalId } = await cloud.submit(sampleProposal({ title: 'Retried through every fault' }));
      faults = [
        {
          when: (n, i) => fn('commitFunds')(n) && about(proposalId)(n, i),
          name: 'Lambda.TooManyRequestsException',
          count: 2,
        },
        {
          when: (n, i) => fn('disburseFunds')(n) && about(proposalId)(n, i),
          name: 'Sandbox.Timedout',
          count: 1,
          after: true,
        },
        {
          when: (n, i) => fn('commitFunds')(n) && about(proposalId)(n, i),
          name: 'Lambda.ServiceException',
          count: 1,
        },
      ];
      await failEmails('TooManyRequestsException', 1);
      await approveAll(cloud, [proposalId]);

      const run = await finished(cloud, 'approval', proposalId, LONG);
      expect(run.status).toBe('SUCCEEDED');
      expect(entered(run.history)).toEqual(
        expect.arrayContaining(['CommitFunds', 'CommitFundYear', 'DisburseAndRecordFunded']),
      );
      // Every canned fault was met, and each failed call was followed by another of the same task.
      expect(faults.map((f) => f.count)).toEqual([0, 0, 0]);
      const failedCalls = calls.filter((c) => c.failed);
      expect(failedCalls.map((c) => c.failed).sort()).toEqual([
        'Lambda.ServiceException',
        'Lambda.TooManyRequestsException',
        'Lambda.TooManyRequestsException',
        'Sandbox.Timedout',
      ]);

      const view = await viewOf(cloud, proposalId);
      expect(view.status).toBe('FUNDED');
      expect(view.commitments).toEqual(BOTH_YEARS_COMMITTED);
      // The disbursement ran twice (the first answer lost), and paid once.
      expect(view.disbursements).toHaveLength(1);
      // The port authority: one "Funded" email carrying both commitments and the payment (the first
      // send throttled, then sent by the retry), one email per status; nothing twice.
      const port = subjects(proposalId, PORT);
      expect(port.filter((s) => s.includes('Funded'))).toHaveLength(1);
      expect(port.filter((s) => /Funds committed|Funds disbursed/.test(s))).toEqual([]);
      expect(new Set(port).size).toBe(port.length);
      // Each approver: one request, then the outcome; nothing twice.
      for (const to of [UK, FR]) {
        const mail = subjects(proposalId, to);
        expect(new Set(mail).size).toBe(mail.length);
        expect(mail.filter((s) => s.includes('Sign-off requested'))).toHaveLength(1);
      }
    },
    LONG,
  );
});

describe('permanent faults fail the execution visibly', () => {
  it(
    'an approver address SES rejects: the approval FAILED, nothing committed',
    async () => {
      const before = await fund();
      // Both ministries' request emails are rejected (sent at the same moment, either could be first).
      await failEmails('MessageRejected', 'always');
      const { proposalId } = await cloud.submit(sampleProposal({ title: 'Rejected mail' }));

      // The first sign-off to fail fails the approval, which aborts the other one if still running.
      const signOffs = await Promise.all(
        ['UK', 'FR'].map((authority) => finished(cloud, 'signOff', `${proposalId}-${authority}`, LONG)),
      );
      const failed = signOffs.filter((s) => s.status === 'FAILED');
      expect(failed.length).toBeGreaterThan(0);
      for (const s of failed) expect(s.error).toBe('MessageRejected');
      for (const s of signOffs) expect(['FAILED', 'ABORTED']).toContain(s.status);
      const run = await finished(cloud, 'approval', proposalId, LONG);
      expect(run.status).toBe('FAILED');
      expect(entered(run.history)).not.toContain('CommitFunds');

      const view = await viewOf(cloud, proposalId);
      expect(view.status).not.toBe('FUNDED');
      expect(view.commitments).toEqual([]);
      expect(await fund()).toEqual(before);
    },
    LONG,
  );

  it(
    'a payment refused for good: FAILED at DisburseAndRecordFunded, nothing paid; redriven once cleared: FUNDED, paid once',
    async () => {
      const { proposalId } = await cloud.submit(sampleProposal({ title: 'Payment refused' }));
      faults = [
        {
          when: (n, i) => fn('disburseFunds')(n) && about(proposalId)(n, i),
          name: 'AccessDeniedException',
          count: 100,
        },
      ];
      await approveAll(cloud, [proposalId]);

      const run = await finished(cloud, 'approval', proposalId, LONG);
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('AccessDeniedException');
      expect(entered(run.history).slice(-1)).toEqual(['DisburseAndRecordFunded']);
      // Permanent: tried once, not retried.
      expect(calls.filter((c) => c.failed === 'AccessDeniedException')).toHaveLength(1);

      const shown = (await (
        await cloud.api('GET', `/proposals/${proposalId}`, { as: 'finance' })
      ).json()) as {
        workflow?: { status: string };
      };
      expect(shown.workflow?.status).toBe('FAILED');
      const view = await viewOf(cloud, proposalId);
      expect(view.status).toBe('APPROVED');
      expect(view.commitments).toEqual(BOTH_YEARS_COMMITTED);
      expect(view.disbursements).toEqual([]);
      expect(subjects(proposalId, PORT).filter((s) => /Funds disbursed|Funded/.test(s))).toEqual([]);

      // The fault cleared, a redrive starts again at the state that failed and completes the flow.
      faults = [];
      cloud.engine.redriveExecution(run.executionArn);
      await cloud.engine.waitForExecution(run.executionArn);
      expect(cloud.engine.describeExecution(run.executionArn).status).toBe('SUCCEEDED');
      const redriven = await viewOf(cloud, proposalId);
      expect(redriven.status).toBe('FUNDED');
      expect(redriven.disbursements).toHaveLength(1);
      const port = subjects(proposalId, PORT);
      expect(port.filter((s) => s.includes('Funded'))).toHaveLength(1);
      expect(port.filter((s) => /Funds committed|Funds disbursed/.test(s))).toEqual([]);
    },
    LONG,
  );

  it(
    'the daily release: one payment refused, the others made, and the run FAILED naming it',
    async () => {
      // Funded the day before the fund starts: their investment is due when fund year 1 opens.
      const setFundStart = (days: number) => {
        const date = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
        process.env.FUND_START_DATE = date;
        resetConfigForTests();
        // The functions run in sandboxes: their configuration changes as UpdateFunctionConfiguration does.
        cloud.functions.updateEnvironment({ FUND_START_DATE: date });
      };
      const fundStartDate = process.env.FUND_START_DATE;
      setFundStart(1);
      const first = await cloud.submit(sampleProposal({ title: 'Daily release, paid' }));
      const second = await cloud.submit(sampleProposal({ title: 'Daily release, refused' }));
      await approveAll(cloud, [first.proposalId, second.proposalId]);
      await cloud.waitForStatus(first.proposalId, ['FUNDED'], LONG);
      await cloud.waitForStatus(second.proposalId, ['FUNDED'], LONG);
      faults = [
        {
          when: (n, i) => fn('disburseFunds')(n) && about(second.proposalId)(n, i),
          name: 'AccessDeniedException',
          count: 100,
        },
      ];
      setFundStart(-1);
      onTestFinished(() => {
        process.env.FUND_START_DATE = fundStartDate;
        resetConfigForTests();
        if (fundStartDate) cloud.functions.updateEnvironment({ FUND_START_DATE: fundStartDate });
      });
      const { executionArn } = cloud.engine.startExecution({
        stateMachineArn: cloud.stateMachineArn('releaseDueFunds'),
        input: '{}',
      });
      await cloud.engine.waitForExecution(executionArn);
      const described = cloud.engine.describeExecution(executionArn);
      expect(described.status).toBe('FAILED');
      expect(described.error).toBe('Payments.Failed');
      const results = JSON.parse(described.cause ?? '[]') as { proposalId: string; paid: boolean }[];
      expect(results.filter((r) => !r.paid)).toEqual([
        { proposalId: second.proposalId, failed: 'AccessDeniedException', paid: false },
      ]);
      // The other proposal was still paid, once (by this run, or a scheduled one a moment before).
      expect(results.filter((r) => r.proposalId === first.proposalId && !r.paid)).toEqual([]);
      expect(
        calls.some((c) => c.fn.endsWith('disburseFunds') && c.input.proposalId === first.proposalId),
      ).toBe(true);
      expect((await viewOf(cloud, first.proposalId)).disbursements).toHaveLength(1);
    },
    LONG,
  );
});

describe('money follows the decisions recorded in the table', () => {
  it(
    'a forged SendTaskSuccess with tokens read from the table: FAILED (SignOff.NotRecorded), nothing committed',
    async () => {
      const before = await fund();
      const { proposalId } = await cloud.submit(smallProposal('Forged approvals'));
      // Both requests emailed and waiting: their task tokens are in the table.
      const requests = await until(async () => {
        const found = await requestsForSubject('PROPOSAL', proposalId);
        return found.length === 2 && found.every((r) => r.taskToken) ? found : undefined;
      }, 'both sign-off requests to wait on a task');
      for (const request of requests) {
        cloud.engine.sendTaskSuccess(
          request.taskToken ?? '',
          JSON.stringify({
            decision: 'APPROVED',
            authority: request.authority,
            byDeputy: false,
            comment: null,
          }),
        );
      }

      const run = await finished(cloud, 'approval', proposalId, LONG);
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('SignOff.NotRecorded');
      // The first year's commit found no recorded approval: APPROVED not recorded, nothing committed.
      expect(entered(run.history)).toContain('CommitFundYear');
      expect(entered(run.history)).not.toContain('DisburseAndRecordFunded');

      const view = await viewOf(cloud, proposalId);
      expect(view.status).toBe('AWAITING_SIGN_OFF');
      expect(view.signOffs.map((s) => s.status)).toEqual(['PENDING', 'PENDING']);
      expect(view.commitments).toEqual([]);
      expect(await fund()).toEqual(before);
      expect(subjects(proposalId, PORT).filter((s) => /Funds|Funded/.test(s))).toEqual([]);

      // The approvers then decide through their links (the decisions are recorded; the tasks they
      // would complete are gone), and a redrive carries the flow on from CommitFunds.
      const links = await waitForMinistryLinks(cloud, [proposalId]);
      const mine = links.get(proposalId);
      for (const link of mine ? [mine.uk, mine.fr] : []) {
        expect((await cloud.decide(link, 'approve')).status).toBe(200);
      }
      cloud.engine.redriveExecution(run.executionArn);
      await cloud.engine.waitForExecution(run.executionArn);
      expect(cloud.engine.describeExecution(run.executionArn).status).toBe('SUCCEEDED');
      expect((await viewOf(cloud, proposalId)).status).toBe('COMPLETED');
    },
    LONG,
  );
});
