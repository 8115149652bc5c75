/**
 * `npm start` killed with SIGKILL while a deadline runs, then started again: in AWS a restart of the
 * service is invisible, so a sign-off stage still times out three days (scaled) after its task
 * started, and the evaluation's first wait for the cost reports (a callback task bounded by
 * `TimeoutSeconds`) still times out eleven days (scaled) after it began, not a full stage or wait
 * after the restart. Asserted on the executions' own event times: the event that
 * ends the deadline comes before the restart plus the full duration (were the timer started again,
 * it would come after), and not before the original deadline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { COST_REPORT_REMINDERS_BEFORE_DEADLINE_SECONDS } from '../../functions/evaluation/domain/evaluation.ts';
import { SIGN_OFF_STAGE_SECONDS } from '../../functions/sign-off/domain/sign-off.ts';
import { stateMachineArn } from '../../infra/local/names.ts';
import { COST_REPORT_SECONDS } from '../../workflows/evaluation.ts';
import { sampleProposal } from '../support/cloud.ts';
import { type Email, freePort, NpmStart, type Running } from '../support/npm-start.ts';

/** A sign-off stage lasts about 5.2 s, the evaluation's first wait for the reports about 19 s. */
const TIME_SCALE = 0.00002;
const STAGE_MS = SIGN_OFF_STAGE_SECONDS * 1000 * TIME_SCALE;
const FIRST_WAIT_MS =
  (COST_REPORT_SECONDS - (COST_REPORT_REMINDERS_BEFORE_DEADLINE_SECONDS[0] ?? 0)) * 1000 * TIME_SCALE;

const dataDir = mkdtempSync(join(tmpdir(), 'jif-kill-deadlines-'));
const npmStart = new NpmStart(dataDir);
afterAll(async () => {
  await npmStart.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function historyOf(stack: Running, executionArn: string): Promise<HistoryEvent[]> {
  const { events = [] } = await stack.sfn
    .send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))
    .catch(() => ({ events: [] }));
  return events;
}

/** Waits until the execution's history holds an event of `type` (`what` names the wait); its history then. */
function historyWith(
  stack: Running,
  executionArn: string,
  type: string,
  what: string,
): Promise<HistoryEvent[]> {
  return npmStart.waitFor(async () => {
    const events = await historyOf(stack, executionArn);
    return events.some((e) => e.type === type) ? events : undefined;
  }, what);
}

/** The time the task of a state's first visit started, in ms. */
function taskStartOf(events: HistoryEvent[], state: string): number {
  const at = events.findIndex(
    (e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === state,
  );
  const started = events.slice(at).find((e) => e.type === 'TaskStarted');
  if (at < 0 || !started?.timestamp) throw new Error(`no task started in ${state}`);
  return started.timestamp.getTime();
}

/** The time of the first (or last) event of a type, in ms. */
function timeOf(events: HistoryEvent[], type: string, which: 'first' | 'last' = 'first'): number {
  const event =
    which === 'first' ? events.find((e) => e.type === type) : events.findLast((e) => e.type === type);
  if (!event?.timestamp) throw new Error(`no ${type} event`);
  return event.timestamp.getTime();
}

/**
 * A task killed mid-wait kept its deadline: it timed out its full time after it started, and before
 * a full time had passed since the restart.
 */
function expectDeadlineKept(events: HistoryEvent[], startedAt: number, fullMs: number): void {
  const timedOut = timeOf(events, 'TaskTimedOut');
  expect(timedOut - startedAt).toBeGreaterThanOrEqual(fullMs - 2);
  expect(timedOut).toBeLessThan(timeOf(events, 'ExecutionResumed') + fullMs);
}

const executionOf = (flow: string, name: string) =>
  `${stateMachineArn(flow).replace(':stateMachine:', ':execution:')}:${name}`;

describe('npm start killed with SIGKILL while a deadline runs', () => {
  it('a waiting sign-off, and the evaluation waiting for its reports, time out at their original deadlines', async () => {
    const port = await freePort();
    let stack = await npmStart.running(port, String(TIME_SCALE));
    const submitted = await fetch(`${stack.base}/proposals`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.tokens['port-authority']}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(sampleProposal({ title: 'Deadlines across a kill -9' })),
    });
    expect(submitted.status).toBe(201);
    const { proposalId } = (await submitted.json()) as { proposalId: string };
    const ukSignOff = executionOf('signOff', `${proposalId}-UK`);
    await historyWith(stack, ukSignOff, 'TaskSubmitted', 'the UK sign-off request to wait');

    // Killed while the first stage waits: it still times out one stage after its task started.
    await npmStart.kill();
    stack = await npmStart.running(port, String(TIME_SCALE));
    const signOff = await historyWith(
      stack,
      ukSignOff,
      'TaskTimedOut',
      'the first stage to time out after the kill',
    );
    expectDeadlineKept(signOff, timeOf(signOff, 'TaskStarted'), STAGE_MS);

    // Both approve (a link stays valid through the reminders): FUNDED, with a running cost in year 2.
    const outbox = async () => (await (await fetch(`${stack.base}/local/outbox`)).json()) as Email[];
    const links = await npmStart.waitFor(async () => {
      const found = new Map<string, URL>();
      for (const email of await outbox()) {
        const link = /https?:\/\/\S+\/approvals\/\S+/.exec(email.text)?.[0];
        if (email.text.includes(proposalId) && link) found.set(email.to.join(','), new URL(link));
      }
      return found.size >= 2 ? [...found.values()] : undefined;
    }, 'both sign-off links');
    for (const link of links) {
      await npmStart.waitFor(async () => {
        const response = await fetch(`${stack.base}${link.pathname}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: link.searchParams.get('token') ?? '', decision: 'approve' }),
        });
        return response.status === 200 ? true : undefined;
      }, 'a decision to be accepted');
    }
    await npmStart.waitFor(async () => {
      const response = await fetch(`${stack.base}/proposals/${proposalId}`, {
        headers: { authorization: `Bearer ${stack.tokens.finance}` },
      });
      return ((await response.json()) as { status: string }).status === 'FUNDED' ? true : undefined;
    }, 'FUNDED');

    // The year's evaluation asks for the cost report, then waits for it (no report comes): killed
    // during that wait, it still times out eleven days (scaled) after it began.
    const started = await fetch(`${stack.base}/evaluations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fundYear: 1, reason: 'A test of the deadlines across a kill' }),
    });
    expect(started.status).toBe(202);
    const evaluation = await npmStart.waitFor(async () => {
      const { executions = [] } = await stack.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: stateMachineArn('evaluation') }),
      );
      for (const execution of executions) {
        const described = await stack.sfn.send(
          new DescribeExecutionCommand({ executionArn: execution.executionArn }),
        );
        if (JSON.parse(described.input ?? '{}').fundYear === 1) return execution.executionArn;
      }
      return undefined;
    }, 'the evaluation execution');
    if (!evaluation) throw new Error('no evaluation execution');
    await npmStart.waitFor(async () => {
      const events = await historyOf(stack, evaluation);
      const at = events.findIndex(
        (e) =>
          e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'AwaitReportsUntilReminder1',
      );
      return at >= 0 && events.slice(at).some((e) => e.type === 'TaskSubmitted') ? true : undefined;
    }, 'the evaluation to wait for the reports');

    await npmStart.kill();
    stack = await npmStart.running(port, String(TIME_SCALE));
    const waited = await historyWith(
      stack,
      evaluation,
      'TaskTimedOut',
      'the wait to time out after the kill',
    );
    expectDeadlineKept(waited, taskStartOf(waited, 'AwaitReportsUntilReminder1'), FIRST_WAIT_MS);
  }, 240_000);
});
