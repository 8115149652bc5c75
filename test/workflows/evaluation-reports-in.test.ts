/**
 * An evaluation round moves on to sign-off as soon as every project's cost report is in, not at its
 * deadline (contract section 5: a script that reports and then waits for the sign-off links must not
 * wait 14 days). Time runs 1,000 times faster here, so the round's first wait (eleven days) lasts over
 * fifteen minutes: were the round held until a reminder or the deadline, these tests would time out.
 * - every report in early: the last report completes the flow's waiting task, the round goes to UK
 *   and FR sign-off at once, and a later correction is refused as for a closed report;
 * - the race: the last report lands before the waiting task has stored its token (the task is held by a
 *   Lambda fault until the reports are in, then redriven): the task completes itself.
 * The case of a report that never comes (reminders, then the deadline) is in evaluation.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../infra/local/engine/store.ts';
import { startTestCloud, type TestCloud } from '../support/cloud.ts';
import {
  costReportLink,
  dateAgo,
  evaluationExecutions,
  evaluationReaches,
  evaluationReport,
  evaluationSignOffLink,
  finishedExecution,
  fundParkingProjects,
  postCostReport,
  running,
} from '../support/evaluations.ts';
import { entered, PORT } from '../support/executions.ts';
import { FR_APPROVER, UK_APPROVER, waitUntil } from '../support/flows.ts';

let cloud: TestCloud;

beforeAll(async () => {
  // Fund year 1 ended a month ago (its evaluation is open); fund year 2 runs (started early, with a reason).
  cloud = await startTestCloud({ fundStartDate: dateAgo(13), timeScale: 0.001 });
}, 60_000);
afterAll(async () => {
  await cloud?.close();
});

/** The execution of a round, once started. */
function executionNamed(name: string) {
  return waitUntil(async () => evaluationExecutions(cloud).find((e) => e.name === name), `execution ${name}`);
}

/** The states between the report requests and the summary: how the round's report window went. */
function reportWindow(history: HistoryEvent[]): string[] {
  const states = entered(history);
  return states
    .slice(states.indexOf('CollectCostReports'), states.indexOf('SummariseEvaluation'))
    .filter((state) => state !== 'RequestCostReport');
}

/** Who completed the task that waited for the reports (the output of its SendTaskSuccess). */
function completedBy(history: HistoryEvent[]): string[] {
  return history
    .filter((event) => event.type === 'TaskSucceeded')
    .map((event) => (event.taskSucceededEventDetails as { output?: string } | undefined)?.output ?? '')
    .filter((output) => output.includes('everyReportIn'))
    .map((output) => (JSON.parse(output) as { completedBy: string }).completedBy);
}

describe('an evaluation round whose cost reports are all in before the deadline', () => {
  const ids: Record<'guards' | 'cctv' | 'dogs', string> = { guards: '', cctv: '', dogs: '' };

  it('funds three parking-area projects with running costs', async () => {
    [ids.guards, ids.cctv, ids.dogs] = await fundParkingProjects(cloud, {
      guards: [running(2, 15_000_000), running(3, 15_000_000)],
      cctv: [running(2, 10_000_000), running(3, 10_000_000)],
      dogs: [running(2, 5_000_000)],
    });
  }, 60_000);

  it('every report in early: the last one sends the round to UK and FR sign-off at once', async () => {
    const started = await cloud.api('POST', '/evaluations', { as: 'admin', json: { fundYear: 1 } });
    expect(started.status).toBe(202);
    const execution = await executionNamed('evaluation-FY1');
    const guards = await costReportLink(cloud, ids.guards, 1);
    const cctv = await costReportLink(cloud, ids.cctv, 1);
    const dogs = await costReportLink(cloud, ids.dogs, 1);
    // The flow waits for the reports with a task token (its first wait lasts until reminder 1).
    await waitUntil(
      async () =>
        cloud.engine
          .pendingTaskTokens(execution.executionArn)
          .find((task) => task.stateName === 'AwaitReportsUntilReminder1'),
      'the flow to wait for the reports',
    );

    expect((await postCostReport(cloud, guards, { actualCostEur: '148250.00' })).status).toBe(200);
    expect((await postCostReport(cloud, cctv, { actualCostEur: '120000' })).status).toBe(200);
    // Two of three: the round still collects, and its task still waits.
    expect((await evaluationReport(cloud, 1)).status).toBe('COLLECTING_REPORTS');
    expect(cloud.engine.pendingTaskTokens(execution.executionArn).map((t) => t.stateName)).toEqual([
      'AwaitReportsUntilReminder1',
    ]);
    const last = await postCostReport(cloud, dogs, { actualCostEur: '40000', lang: 'en' });
    expect(last.status).toBe(200);
    expect(await last.text()).toContain(
      'You can correct it with the same link until every project of this round has reported or until',
    );

    const summarised = await evaluationReaches(cloud, 1, ['AWAITING_SIGN_OFF']);
    expect(summarised.lines.map((l) => [l.proposalId, l.reportStatus, l.nextTrancheEurCents]).sort()).toEqual(
      [
        [ids.guards, 'SUBMITTED', 14_825_000],
        [ids.cctv, 'SUBMITTED', 10_000_000],
        [ids.dogs, 'SUBMITTED', 4_000_000],
      ].sort(),
    );
    // Closed as sent, well before the deadline they were due by.
    expect(summarised.reports).toHaveLength(3);
    for (const report of summarised.reports) {
      expect(report.closedAt).toEqual(expect.any(String));
      expect(Date.parse(report.closedAt ?? '')).toBeLessThan(Date.parse(report.dueBy));
    }
    const uk = await evaluationSignOffLink(cloud, UK_APPROVER, 'EVAL-FY1');
    const fr = await evaluationSignOffLink(cloud, FR_APPROVER, 'EVAL-FY1');

    // The report that made the round complete completed the wait: no reminder, no timeout.
    const history = cloud.engine.getExecutionHistory(execution.executionArn) as HistoryEvent[];
    expect(reportWindow(history)).toEqual([
      'CollectCostReports',
      'AwaitReportsUntilReminder1',
      'CloseCostReports',
    ]);
    expect(completedBy(history)).toEqual(['submitCostReport']);
    expect(history.some((event) => event.type === 'TaskTimedOut')).toBe(false);
    expect(
      cloud.outbox.list().filter((e) => e.to.includes(PORT) && /Reminder|Deadline passed/.test(e.subject)),
    ).toEqual([]);

    // The round moved on: a correction is refused as for a closed report, and says why.
    const late = await postCostReport(cloud, dogs, { actualCostEur: '45000', lang: 'en' });
    expect(late.status).toBe(410);
    expect(await late.text()).toContain(
      'every project of the round has reported, or the deadline has passed',
    );
    expect((await fetch(dogs.url)).status).toBe(410);

    // The sign-off goes on as before: both approve, the tranches are paid.
    expect((await cloud.decide(uk, 'approve')).status).toBe(200);
    expect((await cloud.decide(fr, 'approve')).status).toBe(200);
    expect((await evaluationReaches(cloud, 1, ['APPROVED'])).status).toBe('APPROVED');
    expect((await finishedExecution(cloud, execution.executionArn)).status).toBe('SUCCEEDED');
  }, 90_000);

  it('the last report lands before the waiting task stores its token: the task completes itself', async () => {
    // Held before it can store its token: every invocation of the waiting task's function fails, the
    // retries run out and the execution fails at that task, while the reports come in.
    const faults = await fetch(`${cloud.baseUrl}/local/faults`, {
      method: 'POST',
      body: 'lambda:Lambda.ServiceException:always:awaitCostReports',
    });
    expect(faults.status).toBe(200);
    const started = await cloud.api('POST', '/evaluations', {
      as: 'admin',
      json: { fundYear: 2, reason: 'Audit of the parking area brought forward' },
    });
    expect(started.status).toBe(202);
    const execution = await executionNamed('evaluation-FY2');
    const guards = await costReportLink(cloud, ids.guards, 2);
    const cctv = await costReportLink(cloud, ids.cctv, 2);
    const failed = await finishedExecution(cloud, execution.executionArn);
    expect(failed.status).toBe('FAILED');
    expect(entered(failed.history).at(-1)).toBe('AwaitReportsUntilReminder1');

    expect((await postCostReport(cloud, guards, { actualCostEur: '140000.00' })).status).toBe(200);
    expect((await postCostReport(cloud, cctv, { actualCostEur: '130000,50' })).status).toBe(200);
    // No task token was stored: the last report had nothing to complete.
    expect((await evaluationReport(cloud, 2)).status).toBe('COLLECTING_REPORTS');

    expect((await fetch(`${cloud.baseUrl}/local/faults`, { method: 'DELETE' })).status).toBe(200);
    cloud.engine.redriveExecution(execution.executionArn);
    const summarised = await evaluationReaches(cloud, 2, ['AWAITING_SIGN_OFF']);
    expect(
      summarised.lines.map((l) => [l.proposalId, l.actualEurCents, l.nextTrancheEurCents]).sort(),
    ).toEqual(
      [
        [ids.guards, 14_000_000, 14_000_000],
        [ids.cctv, 13_000_050, 10_000_000],
      ].sort(),
    );
    await evaluationSignOffLink(cloud, UK_APPROVER, 'EVAL-FY2');
    await evaluationSignOffLink(cloud, FR_APPROVER, 'EVAL-FY2');
    const history = cloud.engine.getExecutionHistory(execution.executionArn) as HistoryEvent[];
    expect(completedBy(history)).toEqual(['awaitCostReports']);
    expect(reportWindow(history).filter((state) => state.startsWith('Remind'))).toEqual([]);
    expect(history.some((event) => event.type === 'TaskTimedOut')).toBe(false);
  }, 90_000);
});
