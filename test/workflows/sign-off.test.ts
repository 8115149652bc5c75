/**
 * The sign-off workflow (workflows/sign-off.ts) on the local stack, one test per path, each
 * on the UK's request of its own proposal (France approves at once unless the case says otherwise):
 * approved at the request, after one reminder, after two, by the deputy, expired, withdrawn, and a
 * decision that no waiting task received (picked up by the next stage, or by Expire's last check).
 *
 * A sign-off stage lasts 259200 s x TIME_SCALE, about 5.2 s: a decision made as soon as a stage's
 * email arrives lands within that stage with seconds to spare, even on a loaded machine.
 */
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { StepFunctionsApiError } from '../../infra/local/engine/engine.ts';
import { signOff } from '../../workflows/index.ts';
import { startTestCloud, type TestCloud } from '../support/cloud.ts';
import {
  detailsOf,
  emailAbout,
  emailsAbout,
  entered,
  executionArnOf,
  FR,
  finished,
  linkIn,
  PORT,
  signOffOf,
  smallProposal,
  taskEventsOf,
  UK,
  UK_DEPUTY,
  until,
  viewOf,
} from '../support/executions.ts';

const TIME_SCALE = 0.00002;
const LONG = 60_000;
const SIGN_OFF_STATES = Object.keys(signOff.States);
const ANSWERED = ['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded'];
const TIMED_OUT = ['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskTimedOut'];

let cloud: TestCloud;

/** The sign-off emails (request, reminders, deputy's copy) to someone, not the outcome sent afterwards. */
const requestsTo = (proposalId: string, to: string) =>
  emailsAbout(cloud, proposalId, to).filter((e) => (e.subject.split(':')[0] ?? '').endsWith('requested'));

/**
 * `${executionArn}#${stateName}` of callback tasks whose completion is "lost": SendTaskSuccess and
 * SendTaskFailure for their tokens answer TaskDoesNotExist, as AWS does for a token that timed out a
 * moment before. The decision is recorded; the task is not told and times out, exactly as when a
 * decision lands between a stage's timeout and the next stage. Counts the refused calls.
 */
const lost = new Map<string, number>();

beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: TIME_SCALE });
  const refuse = (token: string) => {
    const task = cloud.engine.pendingTaskTokens().find((t) => t.token === token);
    const key = task && `${task.executionArn}#${task.stateName}`;
    if (key && lost.has(key)) {
      lost.set(key, (lost.get(key) ?? 0) + 1);
      throw new StepFunctionsApiError('TaskDoesNotExist', 'Task Token does not exist or has expired');
    }
  };
  const success = cloud.engine.sendTaskSuccess.bind(cloud.engine);
  const failure = cloud.engine.sendTaskFailure.bind(cloud.engine);
  vi.spyOn(cloud.engine, 'sendTaskSuccess').mockImplementation((token, output) => {
    refuse(token);
    success(token, output);
  });
  vi.spyOn(cloud.engine, 'sendTaskFailure').mockImplementation((token, error, cause) => {
    refuse(token);
    failure(token, error, cause);
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await cloud?.close();
});

/** Submits a proposal and has France approve it at once: the UK's request is what each test drives. */
async function submitWithFranceApproving(title: string): Promise<string> {
  const { proposalId } = await cloud.submit(smallProposal(title));
  const response = await cloud.decide(linkIn(await emailAbout(cloud, proposalId, FR)), 'approve');
  if (response.status !== 200) throw new Error(`France's approval answered ${response.status}`);
  return proposalId;
}

async function ukChildArn(proposalId: string): Promise<string> {
  return until(() => executionArnOf(cloud, 'signOff', `${proposalId}-UK`), 'the UK sign-off to start');
}

describe.concurrent('the sign-off workflow', () => {
  // Longest first: at most five tests of a file run at once, and these wait through most stages.
  it(
    'no answer even from the deputy: Expire, the request EXPIRED and its links answering 410',
    async ({ expect }) => {
      const proposalId = await submitWithFranceApproving('Nobody at the Home Office');
      const request = await emailAbout(cloud, proposalId, UK);
      const escalation = await emailAbout(cloud, proposalId, UK_DEPUTY, 'Deputy escalation', LONG);

      const uk = await finished(cloud, 'signOff', `${proposalId}-UK`, LONG);
      expect(entered(uk.history)).toEqual([
        'RequestSignOff',
        'SendFirstReminder',
        'SendSecondReminder',
        'EscalateToDeputy',
        'Expire',
        'DecidedAtTheLastMoment',
        'Expired',
      ]);
      expect(taskEventsOf(uk.history, 'EscalateToDeputy')).toEqual(TIMED_OUT);
      expect(taskEventsOf(uk.history, 'Expire')).toEqual(['TaskScheduled', 'TaskStarted', 'TaskSucceeded']);
      expect(uk.output).toEqual({ authority: 'UK', decision: 'EXPIRED' });

      const run = await finished(cloud, 'approval', proposalId);
      expect(run.output).toMatchObject({ failure: { Error: 'SignOff.Expired', Cause: 'UK' } });
      const view = await viewOf(cloud, proposalId);
      expect(view.status).toBe('EXPIRED');
      expect(signOffOf(view, 'UK')).toMatchObject({
        status: 'EXPIRED',
        remindersSent: 2,
        escalatedToDeputy: true,
      });
      expect((await cloud.decide(linkIn(request), 'approve')).status).toBe(410);
      expect((await cloud.decide(linkIn(escalation), 'reject')).status).toBe(410);
      expect(signOffOf(await viewOf(cloud, proposalId), 'UK').status).toBe('EXPIRED');
    },
    LONG,
  );

  it(
    'a deputy’s approval no waiting task received: Expire finds it, and it stands (ApprovedLate)',
    async ({ expect }) => {
      const proposalId = await submitWithFranceApproving('Approved at the last moment');
      const escalation = await emailAbout(cloud, proposalId, UK_DEPUTY, 'Deputy escalation', LONG);
      const key = `${await ukChildArn(proposalId)}#EscalateToDeputy`;
      lost.set(key, 0);
      try {
        expect((await cloud.decide(linkIn(escalation), 'approve')).status).toBe(200);
        expect(lost.get(key)).toBe(1);

        const uk = await finished(cloud, 'signOff', `${proposalId}-UK`, LONG);
        expect(entered(uk.history)).toEqual([
          'RequestSignOff',
          'SendFirstReminder',
          'SendSecondReminder',
          'EscalateToDeputy',
          'Expire',
          'DecidedAtTheLastMoment',
          'ApprovedLate',
        ]);
        expect(taskEventsOf(uk.history, 'EscalateToDeputy')).toEqual(TIMED_OUT);
        const expire = detailsOf<{ output: string }>(uk.history, 'TaskSucceeded').at(-1);
        expect(JSON.parse(expire?.output ?? '{}')).toMatchObject({ Payload: { decision: 'APPROVED' } });
        expect(uk.output).toEqual({ authority: 'UK', decision: 'APPROVED' });

        const run = await finished(cloud, 'approval', proposalId);
        expect(
          entered(run.history, ['UKSignOff', 'UKDecided', 'UKApproved', 'UKRejected', 'UKUnanswered']),
        ).toEqual(['UKSignOff', 'UKDecided', 'UKApproved']);
        const view = await viewOf(cloud, proposalId);
        expect(view.status).toBe('COMPLETED');
        expect(signOffOf(view, 'UK')).toMatchObject({ status: 'APPROVED', byDeputy: true });
      } finally {
        lost.delete(key);
      }
    },
    LONG,
  );

  it(
    'a deputy’s rejection no waiting task received: Expire finds it, and it stands (RejectedLate)',
    async ({ expect }) => {
      const proposalId = await submitWithFranceApproving('Rejected at the last moment');
      const escalation = await emailAbout(cloud, proposalId, UK_DEPUTY, 'Deputy escalation', LONG);
      const key = `${await ukChildArn(proposalId)}#EscalateToDeputy`;
      lost.set(key, 0);
      try {
        expect((await cloud.decide(linkIn(escalation), 'reject', 'Too late in the year.')).status).toBe(200);
        expect(lost.get(key)).toBe(1);

        const uk = await finished(cloud, 'signOff', `${proposalId}-UK`, LONG);
        expect(entered(uk.history).slice(-4)).toEqual([
          'EscalateToDeputy',
          'Expire',
          'DecidedAtTheLastMoment',
          'RejectedLate',
        ]);
        expect(uk.output).toEqual({ authority: 'UK', decision: 'REJECTED' });

        const run = await finished(cloud, 'approval', proposalId);
        expect(run.output).toMatchObject({ failure: { Error: 'SignOff.Rejected', Cause: 'UK' } });
        const view = await viewOf(cloud, proposalId);
        expect(view.status).toBe('REJECTED');
        expect(signOffOf(view, 'UK')).toMatchObject({
          status: 'REJECTED',
          byDeputy: true,
          comment: 'Too late in the year.',
        });
        const outcome = await emailAbout(cloud, proposalId, PORT, 'Rejected :');
        expect(outcome.text).toContain('Rejected by: UK Home Office.');
      } finally {
        lost.delete(key);
      }
    },
    LONG,
  );

  it(
    'escalated to the deputy, who approves: recorded as by the deputy',
    async ({ expect }) => {
      const proposalId = await submitWithFranceApproving('Approved by the deputy');
      const escalation = await emailAbout(cloud, proposalId, UK_DEPUTY, 'Deputy escalation', LONG);
      expect(escalation.text).toContain('You receive this request as deputy for the UK Home Office');
      expect((await cloud.decide(linkIn(escalation), 'approve')).status).toBe(200);

      const uk = await finished(cloud, 'signOff', `${proposalId}-UK`);
      expect(entered(uk.history)).toEqual([
        'RequestSignOff',
        'SendFirstReminder',
        'SendSecondReminder',
        'EscalateToDeputy',
        'Approved',
      ]);
      expect(taskEventsOf(uk.history, 'SendSecondReminder')).toEqual(TIMED_OUT);
      expect(taskEventsOf(uk.history, 'EscalateToDeputy')).toEqual(ANSWERED);
      expect(uk.output).toEqual({ authority: 'UK', decision: 'APPROVED', byDeputy: true, comment: null });

      await finished(cloud, 'approval', proposalId);
      const view = await viewOf(cloud, proposalId);
      expect(view.status).toBe('COMPLETED');
      expect(signOffOf(view, 'UK')).toMatchObject({
        status: 'APPROVED',
        remindersSent: 2,
        escalatedToDeputy: true,
        byDeputy: true,
      });
      expect(view.timeline).toContainEqual(
        expect.objectContaining({ event: 'SIGN_OFF_APPROVED', detail: { authority: 'UK', byDeputy: true } }),
      );
      // The primary approver got the request and both reminders; only the deputy got the escalation.
      expect(requestsTo(proposalId, UK)).toHaveLength(3);
      expect(requestsTo(proposalId, UK_DEPUTY)).toHaveLength(1);
    },
    LONG,
  );

  it(
    'a second reminder, then approval through the original link',
    async ({ expect }) => {
      const proposalId = await submitWithFranceApproving('Approved after two reminders');
      const request = await emailAbout(cloud, proposalId, UK);
      await emailAbout(cloud, proposalId, UK, 'Reminder 2/2', LONG);
      expect((await cloud.decide(linkIn(request), 'approve')).status).toBe(200);

      const uk = await finished(cloud, 'signOff', `${proposalId}-UK`);
      expect(entered(uk.history)).toEqual([
        'RequestSignOff',
        'SendFirstReminder',
        'SendSecondReminder',
        'Approved',
      ]);
      expect(taskEventsOf(uk.history, 'RequestSignOff')).toEqual(TIMED_OUT);
      expect(taskEventsOf(uk.history, 'SendFirstReminder')).toEqual(TIMED_OUT);
      expect(taskEventsOf(uk.history, 'SendSecondReminder')).toEqual(ANSWERED);

      await finished(cloud, 'approval', proposalId);
      const view = await viewOf(cloud, proposalId);
      expect(view.status).toBe('COMPLETED');
      expect(signOffOf(view, 'UK')).toMatchObject({
        status: 'APPROVED',
        remindersSent: 2,
        escalatedToDeputy: false,
      });
      expect(requestsTo(proposalId, UK).map((e) => e.subject.split(':')[0])).toEqual([
        '[JIF] Sign-off requested',
        '[JIF] Reminder 1/2 – Sign-off requested',
        '[JIF] Reminder 2/2 – Sign-off requested',
      ]);
      expect(requestsTo(proposalId, UK_DEPUTY)).toEqual([]);
    },
    LONG,
  );

  it('approved at the first request', async ({ expect }) => {
    const proposalId = await submitWithFranceApproving('Approved at once');
    const request = await emailAbout(cloud, proposalId, UK);
    expect(request.subject).toBe(
      `[JIF] Sign-off requested: Approved at once (${proposalId}) – UK Home Office`,
    );
    expect((await cloud.decide(linkIn(request), 'approve', 'Agreed.')).status).toBe(200);

    const uk = await finished(cloud, 'signOff', `${proposalId}-UK`);
    expect(uk.status).toBe('SUCCEEDED');
    expect(entered(uk.history)).toEqual(['RequestSignOff', 'Approved']);
    expect(taskEventsOf(uk.history, 'RequestSignOff')).toEqual(ANSWERED);
    expect(uk.output).toEqual({ authority: 'UK', decision: 'APPROVED', byDeputy: false, comment: 'Agreed.' });

    expect((await finished(cloud, 'approval', proposalId)).status).toBe('SUCCEEDED');
    const view = await viewOf(cloud, proposalId);
    expect(view.status).toBe('COMPLETED');
    expect(signOffOf(view, 'UK')).toMatchObject({
      status: 'APPROVED',
      remindersSent: 0,
      escalatedToDeputy: false,
      byDeputy: false,
      comment: 'Agreed.',
    });
    expect(requestsTo(proposalId, UK)).toHaveLength(1);
    expect((await cloud.decide(linkIn(request), 'approve')).status).toBe(409);
  });

  it('a reminder, then approval through the reminder’s link', async ({ expect }) => {
    const proposalId = await submitWithFranceApproving('Approved after a reminder');
    const request = await emailAbout(cloud, proposalId, UK);
    const reminder = await emailAbout(cloud, proposalId, UK, 'Reminder 1/2', LONG);
    expect(reminder.text).toContain('This is reminder 1 of 2');
    const link = linkIn(reminder);
    // The same request, with a link of its own.
    expect(link.approvalId).toBe(linkIn(request).approvalId);
    expect(link.token).not.toBe(linkIn(request).token);
    expect((await cloud.decide(link, 'approve')).status).toBe(200);

    const uk = await finished(cloud, 'signOff', `${proposalId}-UK`);
    expect(entered(uk.history)).toEqual(['RequestSignOff', 'SendFirstReminder', 'Approved']);
    expect(taskEventsOf(uk.history, 'RequestSignOff')).toEqual(TIMED_OUT);
    expect(detailsOf<{ error: string }>(uk.history, 'TaskTimedOut').map((d) => d.error)).toEqual([
      'States.Timeout',
    ]);
    expect(taskEventsOf(uk.history, 'SendFirstReminder')).toEqual(ANSWERED);
    expect(uk.output).toMatchObject({ authority: 'UK', decision: 'APPROVED', byDeputy: false });

    await finished(cloud, 'approval', proposalId);
    const view = await viewOf(cloud, proposalId);
    expect(view.status).toBe('COMPLETED');
    expect(signOffOf(view, 'UK')).toMatchObject({ status: 'APPROVED', remindersSent: 1, byDeputy: false });
    expect(view.timeline).toContainEqual(
      expect.objectContaining({
        event: 'SIGN_OFF_REMINDER_SENT',
        detail: { authority: 'UK', stage: 'REMINDER_1' },
      }),
    );
    // Decided: the original link now answers 409.
    expect((await cloud.decide(linkIn(request), 'approve')).status).toBe(409);
  });

  it('a decision no waiting task received is picked up by the next stage, with no reminder sent', async ({
    expect,
  }) => {
    const proposalId = await submitWithFranceApproving('Decided between two stages');
    const request = await emailAbout(cloud, proposalId, UK);
    const key = `${await ukChildArn(proposalId)}#RequestSignOff`;
    lost.set(key, 0);
    try {
      // The approver sees the decision confirmed; the REQUEST task is not told, and times out.
      expect((await cloud.decide(linkIn(request), 'approve')).status).toBe(200);
      expect(lost.get(key)).toBe(1);

      const uk = await finished(cloud, 'signOff', `${proposalId}-UK`);
      expect(entered(uk.history)).toEqual(['RequestSignOff', 'SendFirstReminder', 'Approved']);
      expect(taskEventsOf(uk.history, 'RequestSignOff')).toEqual(TIMED_OUT);
      // The reminder stage finds the request decided and completes its own task at once.
      expect(taskEventsOf(uk.history, 'SendFirstReminder')).toEqual(ANSWERED);
      const submitted = detailsOf<{ output: string }>(uk.history, 'TaskSubmitted').at(-1);
      expect(JSON.parse(submitted?.output ?? '{}')).toMatchObject({
        Payload: { stage: 'REMINDER_1', emailed: false, alreadyClosed: 'APPROVED' },
      });
      expect(uk.output).toMatchObject({ authority: 'UK', decision: 'APPROVED', byDeputy: false });

      await finished(cloud, 'approval', proposalId);
      const view = await viewOf(cloud, proposalId);
      expect(view.status).toBe('COMPLETED');
      expect(signOffOf(view, 'UK')).toMatchObject({ status: 'APPROVED', remindersSent: 0 });
      expect(requestsTo(proposalId, UK)).toHaveLength(1);
    } finally {
      lost.delete(key);
    }
  });

  it('withdrawn when France rejects: the UK request closed, its link answering 409', async ({ expect }) => {
    const { proposalId } = await cloud.submit(smallProposal('Withdrawn after the French rejection'));
    const ukLink = linkIn(await emailAbout(cloud, proposalId, UK));
    const frLink = linkIn(await emailAbout(cloud, proposalId, FR));
    expect((await cloud.decide(frLink, 'reject', 'Hors périmètre.')).status).toBe(200);

    // As in AWS, the approval's failed Parallel stopped the UK branch and its sign-off execution:
    // the waiting task is abandoned, not failed (the request is withdrawn in the table below).
    const uk = await finished(cloud, 'signOff', `${proposalId}-UK`);
    expect(uk.status).toBe('ABORTED');
    expect(entered(uk.history)).not.toContain('Withdrawn');
    expect(detailsOf<{ error: string }>(uk.history, 'TaskFailed')).toEqual([]);
    expect(uk.history.at(-1)?.type).toBe('ExecutionAborted');

    const fr = await finished(cloud, 'signOff', `${proposalId}-FR`);
    expect(entered(fr.history)).toEqual(['RequestSignOff', 'Rejected']);
    expect(fr.output).toEqual({
      authority: 'FR',
      decision: 'REJECTED',
      detail: { decision: 'REJECTED', authority: 'FR', byDeputy: false, comment: 'Hors périmètre.' },
    });

    await finished(cloud, 'approval', proposalId);
    const view = await viewOf(cloud, proposalId);
    expect(view.status).toBe('REJECTED');
    expect(signOffOf(view, 'UK').status).toBe('WITHDRAWN');
    expect(view.timeline).toContainEqual(
      expect.objectContaining({ event: 'SIGN_OFF_WITHDRAWN', detail: { authority: 'UK' } }),
    );
    expect((await cloud.decide(ukLink, 'approve')).status).toBe(409);
    expect(signOffOf(await viewOf(cloud, proposalId), 'UK').status).toBe('WITHDRAWN');
  });

  it('withdrawn while it waits (a withdrawal from elsewhere): the task fails with SignOff.Withdrawn', async ({
    expect,
  }) => {
    const { proposalId } = await cloud.submit(smallProposal('Withdrawn while waiting'));
    await emailAbout(cloud, proposalId, UK);
    await emailAbout(cloud, proposalId, FR);
    await cloud.functions.invoke('closeSignOff', {
      subjectType: 'PROPOSAL',
      subjectId: proposalId,
      outcome: 'WITHDRAWN',
      authority: 'UK',
    });

    const uk = await finished(cloud, 'signOff', `${proposalId}-UK`);
    expect(entered(uk.history)).toEqual(['RequestSignOff', 'Withdrawn']);
    expect(detailsOf<{ error: string }>(uk.history, 'TaskFailed').map((d) => d.error)).toEqual([
      'SignOff.Withdrawn',
    ]);
    expect(uk.output).toEqual({ authority: 'UK', decision: 'WITHDRAWN' });
    await finished(cloud, 'approval', proposalId);
  });

  it('has a test for every state of the sign-off flow', ({ expect }) => {
    // Guards this file against a state added to the flow without a path through it here.
    expect(SIGN_OFF_STATES.sort()).toEqual(
      [
        'RequestSignOff',
        'SendFirstReminder',
        'SendSecondReminder',
        'EscalateToDeputy',
        'Expire',
        'DecidedAtTheLastMoment',
        'Approved',
        'ApprovedLate',
        'Rejected',
        'RejectedLate',
        'Withdrawn',
        'Expired',
      ].sort(),
    );
  });
});
