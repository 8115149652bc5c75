/**
 * The annual security-cost evaluation, every path on the local stack, asserting on the execution
 * histories and on what finance sees: the daily schedule with nothing due; fund year 1 evaluated
 * (a cost below the commitment, one above it, one never reported: reminded, then told the deadline
 * passed) and rejected by the UK, then a second round approved by both; fund year 2 started by the
 * schedule once it ends within 30 days, approved by both, its tranches paid once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.ts';
import {
  costReportLink,
  dateAgo,
  evaluationExecutions,
  evaluationReaches,
  evaluationReport,
  evaluationSignOffLink,
  FINANCE,
  finishedExecution,
  fundParkingProjects,
  postCostReport,
  running,
  timesEntered,
} from '../support/evaluations.ts';
import { entered, PORT } from '../support/executions.ts';
import { FR_APPROVER, UK_APPROVER, waitUntil } from '../support/flows.ts';

let cloud: TestCloud;

// Fund year 1 ended a month ago, fund year 2 ends in eleven months: no year ends within 30 days.
const fundStartDate = dateAgo(13);

beforeAll(async () => {
  cloud = await startTestCloud({ fundStartDate });
});
afterAll(async () => {
  await cloud?.close();
});

async function runningCostDisbursements(fundYear: number) {
  const response = await cloud.api('GET', `/disbursements?fundYear=${fundYear}`, { as: 'finance' });
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    items: {
      proposalId: string;
      purpose: string;
      fundYear: number;
      amountEurCents: number;
      amountGbpPence: number;
      paymentReference: string;
    }[];
  };
  return body.items.filter((item) => item.purpose === 'RUNNING_COST');
}

describe('the annual security-cost evaluation', () => {
  const ids: Record<'lower' | 'higher' | 'silent', string> = { lower: '', higher: '', silent: '' };

  it('ends at once when the daily schedule finds no fund year ending within 30 days', async () => {
    const scheduled = await waitUntil(
      async () =>
        evaluationExecutions(cloud).find((e) => e.input.scheduled === true && e.status !== 'RUNNING'),
      'a finished scheduled evaluation run',
    );
    const { status, history } = await finishedExecution(cloud, scheduled.executionArn);
    expect(status).toBe('SUCCEEDED');
    expect(entered(history)).toEqual(['PrepareEvaluation', 'WhatIsDue', 'NothingDue']);
    expect((await cloud.api('GET', '/evaluations/1', { as: 'finance' })).status).toBe(404);
  });

  it('funds three parking-area projects with running costs (the evaluated projects)', async () => {
    [ids.lower, ids.higher, ids.silent] = await fundParkingProjects(cloud, {
      guards: [running(2, 15_000_000), running(3, 15_000_000)],
      cctv: [running(2, 10_000_000), running(3, 10_000_000)],
      dogs: [running(2, 5_000_000)],
    });
  });

  it('fund year 1: a lower cost sets the tranche, a higher one is capped, no report pays nothing; the UK rejects', async () => {
    const started = await cloud.api('POST', '/evaluations', { as: 'admin', json: { fundYear: 1 } });
    expect(started.status).toBe(202);
    expect(await started.json()).toEqual({
      fundYear: 1,
      round: 1,
      status: 'COLLECTING_REPORTS',
      evaluationId: 'EVAL-FY1',
    });

    const lower = await costReportLink(cloud, ids.lower, 1);
    const higher = await costReportLink(cloud, ids.higher, 1);
    await costReportLink(cloud, ids.silent, 1); // asked, never answers
    expect((await postCostReport(cloud, lower, { actualCostEur: '148250.00' })).status).toBe(200);
    expect((await postCostReport(cloud, higher, { actualCostEur: '120000' })).status).toBe(200);

    // One report is missing, so the reports stay open until their deadline (14 days, scaled): the
    // silent one is reminded twice, then expires, and its port authority is told; then the lines are
    // set for sign-off.
    const summarised = await evaluationReaches(cloud, 1, ['AWAITING_SIGN_OFF']);
    const line = (id: string) => summarised.lines.find((l) => l.proposalId === id);
    expect(line(ids.lower)).toMatchObject({
      reportStatus: 'SUBMITTED',
      fundedEurCents: 15_000_000,
      actualEurCents: 14_825_000,
      nextTrancheEurCents: 14_825_000,
      nextTrancheGbpPence: 11_860_000,
    });
    expect(line(ids.higher)).toMatchObject({
      reportStatus: 'SUBMITTED',
      fundedEurCents: 10_000_000,
      actualEurCents: 12_000_000,
      nextTrancheEurCents: 10_000_000,
    });
    expect(line(ids.silent)).toMatchObject({
      reportStatus: 'EXPIRED',
      fundedEurCents: 5_000_000,
      actualEurCents: null,
      nextTrancheEurCents: 0,
    });
    expect(summarised.totals.nextTrancheEurCents).toBe(24_825_000);

    const uk = await evaluationSignOffLink(cloud, UK_APPROVER, 'EVAL-FY1');
    expect((await cloud.decide(uk, 'reject', 'The CCTV figure needs an invoice')).status).toBe(200);
    const rejected = await evaluationReaches(cloud, 1, ['REJECTED']);
    expect(rejected.signOffs).toEqual([
      expect.objectContaining({ authority: 'FR', status: 'WITHDRAWN' }),
      expect.objectContaining({ authority: 'UK', status: 'REJECTED' }),
    ]);

    const execution = evaluationExecutions(cloud).find((e) => e.name === 'evaluation-FY1');
    if (!execution) throw new Error('no execution evaluation-FY1');
    const { status, history } = await finishedExecution(cloud, execution.executionArn);
    expect(status).toBe('SUCCEEDED');
    const states = entered(history);
    expect(states).toEqual(
      expect.arrayContaining([
        'PrepareEvaluation',
        'CollectCostReports',
        'SummariseEvaluation',
        'BilateralSignOff',
        'WithdrawAfterRejection',
        'RecordRejected',
        'Done',
      ]),
    );
    expect(timesEntered(history, 'RequestCostReport')).toBe(3);
    const collecting = states.slice(
      states.indexOf('CollectCostReports'),
      states.indexOf('SummariseEvaluation'),
    );
    // One report never came: each wait ran its full length, as the deadline bounds the round.
    expect(collecting.filter((state) => state !== 'RequestCostReport')).toEqual([
      'CollectCostReports',
      'AwaitReportsUntilReminder1',
      'RemindCostReports1',
      'AwaitReportsUntilReminder2',
      'RemindCostReports2',
      'AwaitReportsUntilDeadline',
      'CloseCostReports',
    ]);
    expect(history.filter((event) => event.type === 'TaskTimedOut')).toHaveLength(3);
    expect(states).not.toContain('ReleaseRunningCostTranches');
    // Nothing is paid for fund year 2's running costs.
    expect(await runningCostDisbursements(2)).toEqual([]);
    // Reminders went to the report still missing only, and a notice when its deadline passed.
    const about = (id: string) =>
      cloud.outbox.list().filter((e) => e.to.includes(PORT) && e.text.includes(id));
    expect(
      about(ids.silent)
        .filter((e) => e.subject.includes('Reminder'))
        .map((e) => e.subject),
    ).toEqual([
      expect.stringMatching(/Rappel 1 .* Reminder 1 /),
      expect.stringMatching(/Rappel 2 .* Reminder 2 /),
    ]);
    expect(about(ids.silent).filter((e) => e.subject.includes('Deadline passed'))).toHaveLength(1);
    expect(about(ids.lower).filter((e) => /Reminder|Deadline passed/.test(e.subject))).toEqual([]);
  }, 60_000);

  it('fund year 1, round 2: a rejected evaluation is redone; approved, each tranche is paid', async () => {
    const started = await cloud.api('POST', '/evaluations', { as: 'admin', json: { fundYear: 1 } });
    expect(started.status).toBe(202);
    expect(await started.json()).toEqual({
      fundYear: 1,
      round: 2,
      status: 'COLLECTING_REPORTS',
      evaluationId: 'EVAL-FY1-R2',
    });
    // Every project is asked again, with a new report (round 1 decided none of them).
    const round2Link = (id: string) =>
      waitUntil(() => {
        const emails = cloud.outbox
          .list()
          .filter((e) => e.to.includes(PORT) && e.text.includes(id) && e.subject.includes('fund year 1'))
          .filter((e) => !/Reminder|Deadline/.test(e.subject));
        const match =
          emails[1] && /\/cost-reports\/([0-9a-f-]{36})\?token=([A-Za-z0-9_%-]+)/.exec(emails[1].text);
        return match
          ? { reportId: match[1] as string, token: decodeURIComponent(match[2] as string) }
          : undefined;
      }, `the round 2 cost report email of ${id}`);
    for (const [id, amount] of [
      [ids.lower, '148 250,00'],
      [ids.higher, '95000'],
      [ids.silent, '40000'],
    ] as const) {
      expect((await postCostReport(cloud, await round2Link(id), { actualCostEur: amount })).status).toBe(200);
    }
    await evaluationReaches(cloud, 1, ['AWAITING_SIGN_OFF']);
    for (const to of [UK_APPROVER, FR_APPROVER]) {
      expect(
        (await cloud.decide(await evaluationSignOffLink(cloud, to, 'EVAL-FY1-R2'), 'approve')).status,
      ).toBe(200);
    }
    const approved = await evaluationReaches(cloud, 1, ['APPROVED']);
    expect(approved).toMatchObject({
      round: 2,
      previousRounds: [{ round: 1, evaluationId: 'EVAL-FY1', status: 'REJECTED' }],
    });
    const paid = await runningCostDisbursements(2);
    expect(paid.map((d) => [d.proposalId, d.amountEurCents]).sort()).toEqual(
      [
        [ids.lower, 14_825_000],
        [ids.higher, 9_500_000],
        [ids.silent, 4_000_000],
      ].sort(),
    );
    const execution = evaluationExecutions(cloud).find((e) => e.name === 'evaluation-FY1-R2');
    if (!execution) throw new Error('no execution evaluation-FY1-R2');
    const { status, history } = await finishedExecution(cloud, execution.executionArn);
    expect(status).toBe('SUCCEEDED');
    expect(entered(history)).toEqual(
      expect.arrayContaining(['ReleaseRunningCostTranches', 'RecordApproved']),
    );
    // The round's sign-offs are its own nested executions.
    const names = cloud.engine
      .listExecutions({ stateMachineArn: cloud.stateMachineArn('signOff') })
      .map((e) => e.name)
      .filter((name) => name.startsWith('evaluation-FY1'));
    expect(names.sort()).toEqual(
      ['evaluation-FY1-FR', 'evaluation-FY1-UK', 'evaluation-FY1-R2-FR', 'evaluation-FY1-R2-UK'].sort(),
    );

    // Approved: the year is not evaluated again.
    expect((await cloud.api('POST', '/evaluations', { as: 'admin', json: { fundYear: 1 } })).status).toBe(
      409,
    );
  }, 90_000);

  it('fund year 2: the schedule starts it when the year ends within 30 days; both approve; tranches are paid once', async () => {
    // Move the fund's start so that fund year 2 ends in 15 days; the schedule runs every (scaled) day.
    // A configuration change, as UpdateFunctionConfiguration makes it: new execution environments.
    cloud.functions.updateEnvironment({ FUND_START_DATE: dateAgo(24, -15) });
    const scheduled = await waitUntil(
      async () =>
        evaluationExecutions(cloud).find(
          (e) =>
            e.input.scheduled === true &&
            entered(cloud.engine.getExecutionHistory(e.executionArn)).includes('CollectCostReports'),
        ),
      'a scheduled run that evaluates fund year 2',
    );
    // While it runs, the admin's request answers 202 with the same evaluation, and starts nothing.
    const repeat = await cloud.api('POST', '/evaluations', { as: 'admin', json: { fundYear: 2 } });
    expect(repeat.status).toBe(202);
    expect(repeat.headers.get('location')).toBe('/evaluations/2');
    expect(await repeat.json()).toEqual({
      fundYear: 2,
      round: 1,
      status: 'COLLECTING_REPORTS',
      evaluationId: 'EVAL-FY2',
    });
    expect(evaluationExecutions(cloud).some((e) => e.name === 'evaluation-FY2')).toBe(false);

    // Only the two projects with fund year 3 running costs are asked.
    const lower = await costReportLink(cloud, ids.lower, 2);
    const higher = await costReportLink(cloud, ids.higher, 2);
    expect((await postCostReport(cloud, lower, { actualCostEur: '140000.00' })).status).toBe(200);
    expect(
      (await postCostReport(cloud, higher, { actualCostEur: '130000,50', note: 'Night shifts' })).status,
    ).toBe(200);
    await evaluationReaches(cloud, 2, ['AWAITING_SIGN_OFF']);
    for (const to of [UK_APPROVER, FR_APPROVER]) {
      expect((await cloud.decide(await evaluationSignOffLink(cloud, to, 'EVAL-FY2'), 'approve')).status).toBe(
        200,
      );
    }
    const approved = await evaluationReaches(cloud, 2, ['APPROVED']);
    expect(approved.lines.map((l) => [l.proposalId, l.actualEurCents, l.nextTrancheEurCents]).sort()).toEqual(
      [
        [ids.lower, 14_000_000, 14_000_000],
        [ids.higher, 13_000_050, 10_000_000],
      ].sort(),
    );

    const { status, history } = await finishedExecution(cloud, scheduled.executionArn);
    expect(status).toBe('SUCCEEDED');
    expect(entered(history)).toEqual(
      expect.arrayContaining(['BilateralSignOff', 'ReleaseRunningCostTranches', 'RecordApproved', 'Done']),
    );
    expect(timesEntered(history, 'RequestCostReport')).toBe(2);

    // The tranches appear in GET /disbursements as fund year 3 running costs, in EUR and GBP.
    const paid = await runningCostDisbursements(3);
    expect(paid.map((d) => [d.proposalId, d.fundYear, d.amountEurCents, d.amountGbpPence]).sort()).toEqual(
      [
        [ids.lower, 3, 14_000_000, 11_200_000],
        [ids.higher, 3, 10_000_000, 8_000_000],
      ].sort(),
    );
    expect(approved.lines.every((l) => l.paymentReference?.startsWith('JIF-FY3-'))).toBe(true);
    await cloud.waitForEmail(
      (e) => e.to.includes(FINANCE) && e.to.includes(PORT) && e.text.includes('EVAL-FY2'),
    );

    // Re-running the release pays nothing twice, and the ledger still verifies.
    const again = (await cloud.functions.invoke('releaseRunningCostTranches', { fundYear: 2, round: 1 })) as {
      released: { created: boolean }[];
    };
    expect(again.released.map((r) => r.created)).toEqual([false, false]);
    expect(await runningCostDisbursements(3)).toHaveLength(2);
    const verify = (await (await cloud.api('GET', '/ledger/verify', { as: 'finance' })).json()) as {
      ok: boolean;
    };
    expect(verify.ok).toBe(true);

    // Later scheduled runs find fund year 2 evaluated and end at once.
    const later = await waitUntil(
      async () =>
        evaluationExecutions(cloud).find(
          (e) => e.input.scheduled === true && e.startDate > scheduled.startDate && e.status === 'SUCCEEDED',
        ),
      'a later scheduled run',
    );
    expect(entered((await finishedExecution(cloud, later.executionArn)).history)).toEqual([
      'PrepareEvaluation',
      'WhatIsDue',
      'NothingDue',
    ]);
    expect((await evaluationReport(cloud, 2)).status).toBe('APPROVED');
  }, 90_000);
});
