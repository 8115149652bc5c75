/**
 * One authority signs one subject (a proposal or a year's evaluation) off: the request, two
 * reminders, the deputy, then expiry. Every wait is bounded.
 */
import { SIGN_OFF_STAGE_SECONDS } from '../functions/sign-off/domain/sign-off.ts';
import {
  callbackTask,
  catching,
  choice,
  lambdaTask,
  pass,
  type StateMachine,
  type States,
  whenEquals,
} from './kit.ts';

/**
 * How long each stage waits for a decision before the next one: three days. The same constant sets
 * the deadline every email and page states (four stages, then expiry).
 */
export const STAGE_SECONDS = SIGN_OFF_STAGE_SECONDS;

/** The four stages, in order: each emails the link (the request, reminders, the deputy) and waits. */
const STAGES = [
  { state: 'RequestSignOff', stage: 'REQUEST' },
  { state: 'SendFirstReminder', stage: 'REMINDER_1' },
  { state: 'SendSecondReminder', stage: 'REMINDER_2' },
  { state: 'EscalateToDeputy', stage: 'DEPUTY' },
] as const;

const subject = {
  'subjectType.$': '$.subjectType',
  'subjectId.$': '$.subjectId',
  'authority.$': '$.authority',
};

function stages(): States {
  const states: States = {};
  STAGES.forEach(({ state, stage }, index) => {
    states[state] = callbackTask(
      'RequestSignOffFunctionArn',
      { ...subject, stage },
      { next: 'Approved' },
      {
        comment: `Stage ${stage}: email the link and wait for the decision, at most three days.`,
        timeoutSeconds: STAGE_SECONDS,
        resultPath: '$.outcome',
        catch: [
          catching(['States.Timeout'], STAGES[index + 1]?.state ?? 'Expire'),
          catching(['SignOff.Rejected'], 'Rejected', '$.failure'),
          catching(['SignOff.Withdrawn'], 'Withdrawn'),
          catching(['SignOff.Expired'], 'Expired'),
        ],
      },
    );
  });
  return states;
}

/** The decision the flow ends with, for the authority of its input. */
const decided = (decision: string) => ({ 'authority.$': '$.authority', decision });

export const signOff: StateMachine = {
  Comment:
    "One authority signs one subject (a proposal or a year's evaluation) off: the request, two reminders, the deputy, then expiry. Every wait is bounded.",
  StartAt: 'RequestSignOff',
  TimeoutSeconds: 1_209_600,
  States: {
    ...stages(),
    Expire: lambdaTask(
      'CloseSignOffFunctionArn',
      { ...subject, outcome: 'EXPIRED' },
      { next: 'DecidedAtTheLastMoment' },
      {
        comment:
          'No answer after two reminders and the deputy: the request expires, unless a decision landed first.',
        resultSelector: { 'decision.$': '$.Payload.decision' },
        resultPath: '$.closing',
      },
    ),
    DecidedAtTheLastMoment: choice(
      [
        whenEquals('$.closing.decision', 'APPROVED', 'ApprovedLate'),
        whenEquals('$.closing.decision', 'REJECTED', 'RejectedLate'),
        whenEquals('$.closing.decision', 'WITHDRAWN', 'Withdrawn'),
      ],
      'Expired',
    ),
    Approved: pass(
      { ...decided('APPROVED'), 'byDeputy.$': '$.outcome.byDeputy', 'comment.$': '$.outcome.comment' },
      { end: true },
    ),
    ApprovedLate: pass(decided('APPROVED'), { end: true }),
    Rejected: pass(
      { ...decided('REJECTED'), 'detail.$': 'States.StringToJson($.failure.Cause)' },
      { end: true },
    ),
    RejectedLate: pass(decided('REJECTED'), { end: true }),
    Withdrawn: pass(decided('WITHDRAWN'), { end: true }),
    Expired: pass(decided('EXPIRED'), { end: true }),
  },
};
