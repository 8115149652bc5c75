/**
 * The annual security-cost evaluation of fund year N (one round of it): cost reports, next-year
 * running-cost tranches, UK and FR sign-off, release.
 */
import {
  COST_REPORT_REMINDERS_BEFORE_DEADLINE_SECONDS,
  COST_REPORT_WINDOW_SECONDS,
} from '../functions/evaluation/domain/evaluation.ts';
import {
  bilateralSignOff,
  callbackTask,
  catching,
  type Json,
  lambdaTask,
  retryLedgerBusy,
  type SignOffSubject,
  type StateMachine,
  type States,
  succeed,
  whenEquals,
} from './kit.ts';

/** How long a project's port authority has to send (and correct) its cost report: 14 days at most. */
export const COST_REPORT_SECONDS = COST_REPORT_WINDOW_SECONDS;

const evaluation: SignOffSubject = {
  subjectType: 'EVALUATION',
  subjectIdPath: '$.subjectId',
  // `evaluation-FY1-UK` for round 1, `evaluation-FY1-R2-UK` for round 2: one per round and authority.
  executionName: (authority) => `States.Format('evaluation-{}-${authority}', $.subjectId)`,
};

const round = { 'fundYear.$': '$.fundYear', 'round.$': '$.round' };

/**
 * The reports stay open until every one is in or the deadline, whichever comes first: each wait of the
 * window (until a reminder, then until the deadline) is a callback task whose function stores its token
 * on the round; the report that completes the round completes it (or the task itself, when every report
 * was in before its token was stored), which goes straight to closing the reports. A wait that times out
 * goes on as the window did: a reminder to the reports still missing, ... then the deadline.
 */
function awaitReports(next: string): States {
  const states: States = {};
  const reminders = COST_REPORT_REMINDERS_BEFORE_DEADLINE_SECONDS;
  const awaiting = (until: string, seconds: number, then: string, comment: string) => {
    states[`AwaitReportsUntil${until}`] = callbackTask(
      'AwaitCostReportsFunctionArn',
      round,
      { next: 'CloseCostReports' },
      {
        comment: `${comment} Stores its task token on the round; completed as soon as every report is in.`,
        timeoutSeconds: seconds,
        catch: [catching(['States.Timeout'], then)],
      },
    );
  };
  let before = COST_REPORT_SECONDS;
  reminders.forEach((remindAt, index) => {
    const n = index + 1;
    awaiting(
      `Reminder${n}`,
      before - remindAt,
      `RemindCostReports${n}`,
      `Until ${remindAt / 86_400} day(s) before the reports are due, or every report is in.`,
    );
    states[`RemindCostReports${n}`] = lambdaTask(
      'RemindCostReportsFunctionArn',
      { ...round, reminder: n },
      { next: n < reminders.length ? `AwaitReportsUntilReminder${n + 1}` : 'AwaitReportsUntilDeadline' },
      { comment: `Reminder ${n}: emails the port authority of each report still missing, once.` },
    );
    before = remindAt;
  });
  awaiting('Deadline', before, 'CloseCostReports', 'Until the reports are due, or every report is in.');
  states.CloseCostReports = lambdaTask(
    'CloseCostReportsFunctionArn',
    round,
    { next },
    {
      comment:
        'Every report is in, or the deadline: each report is closed as last sent; a missing one expires and its port authority is told.',
    },
  );
  return states;
}

const withdrawPending = (next: string) =>
  lambdaTask(
    'CloseSignOffFunctionArn',
    { subjectType: 'EVALUATION', 'subjectId.$': '$.subjectId', outcome: 'WITHDRAWN' },
    { next },
  );

function recordOutcome(status: string, reason: Record<string, Json>, comment?: string) {
  return lambdaTask(
    'RecordEvaluationOutcomeFunctionArn',
    { ...round, status, ...reason },
    { next: 'Done' },
    comment === undefined ? {} : { comment },
  );
}

export const evaluationFlow: StateMachine = {
  Comment:
    "One round of the annual security-cost evaluation of fund year N: each funded project's port authority reports (and may correct until every report is in or the deadline, whichever comes first) the actual annual security cost of year N; the next year's running-cost tranche is the lower of what was committed for year N+1 and that cost; a project without a report is left for a new round; UK and FR sign it off; on approval the tranches are paid. Started by POST /evaluations ({fundYear}) or daily by the schedule ({scheduled: true}), which ends at once unless a fund year ends within 30 days.",
  StartAt: 'PrepareEvaluation',
  States: {
    PrepareEvaluation: lambdaTask(
      'PrepareEvaluationFunctionArn',
      { 'request.$': '$', 'executionName.$': '$$.Execution.Name' },
      { next: 'WhatIsDue' },
      {
        comment:
          "Claims the year's evaluation for this execution (or, when scheduled, finds a year ending within 30 days that has none) and lists its projects.",
        outputPath: '$.Payload',
      },
    ),
    WhatIsDue: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.action', StringEquals: 'EVALUATE' },
            { Variable: '$.projects[0]', IsPresent: true },
          ],
          Next: 'CollectCostReports',
        },
        whenEquals('$.action', 'EVALUATE', 'RecordNoProjects'),
        whenEquals('$.action', 'ALREADY_CLAIMED', 'AlreadyClaimed'),
      ],
      Default: 'NothingDue',
    },
    NothingDue: succeed('Scheduled run: no fund year ends within the next 30 days without an evaluation.'),
    AlreadyClaimed: succeed("Another execution owns this year's evaluation."),
    RecordNoProjects: lambdaTask(
      'SummariseEvaluationFunctionArn',
      round,
      { next: 'Done' },
      {
        comment:
          'No funded project has running costs in the next year: the evaluation is recorded with no lines.',
      },
    ),
    CollectCostReports: {
      Type: 'Map',
      Comment:
        "Each project's port authority is emailed a link to report the actual annual security cost of the year, by the round's deadline.",
      ItemsPath: '$.projects',
      ItemSelector: {
        ...round,
        'reportsDueBy.$': '$.reportsDueBy',
        'proposalId.$': '$$.Map.Item.Value.proposalId',
      },
      MaxConcurrency: 5,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'RequestCostReport',
        States: {
          RequestCostReport: lambdaTask(
            'RequestCostReportFunctionArn',
            {
              ...round,
              'reportsDueBy.$': '$.reportsDueBy',
              'proposalId.$': '$.proposalId',
            },
            { end: true },
            { comment: 'Makes the report (once) and emails the port authority its link (once).' },
          ),
        },
      },
      ResultPath: null,
      Next: 'AwaitReportsUntilReminder1',
    },
    ...awaitReports('SummariseEvaluation'),
    SummariseEvaluation: lambdaTask(
      'SummariseEvaluationFunctionArn',
      round,
      { next: 'BilateralSignOff' },
      {
        comment:
          'Per project: funded (committed for next year), actual cost, next-year tranche = the lower of the two; a project without a report is left for a new round.',
        resultSelector: { 'status.$': '$.Payload.status', 'lines.$': '$.Payload.lines' },
        resultPath: '$.summary',
      },
    ),
    BilateralSignOff: bilateralSignOff(
      evaluation,
      {
        approved: 'ReleaseRunningCostTranches',
        rejected: 'WithdrawAfterRejection',
        expired: 'WithdrawAfterExpiry',
      },
      'UK and FR sign the evaluation off independently, each a nested sign-off execution; both must approve. A rejection or an expiry ends the other branch.',
    ),
    WithdrawAfterRejection: withdrawPending('RecordRejected'),
    WithdrawAfterExpiry: withdrawPending('RecordExpired'),
    RecordRejected: recordOutcome(
      'REJECTED',
      { 'reason.$': "States.Format('Rejected by {}', $.failure.Cause)" },
      'Nothing is released.',
    ),
    RecordExpired: recordOutcome(
      'EXPIRED',
      { 'reason.$': "States.Format('No decision in time from {}', $.failure.Cause)" },
      'Nothing is released.',
    ),
    ReleaseRunningCostTranches: lambdaTask(
      'ReleaseRunningCostTranchesFunctionArn',
      round,
      { next: 'RecordApproved' },
      {
        comment:
          "Pays each reported line's next-year running-cost tranche once (never above the commitment) and tells finance and the port authority.",
        resultSelector: { 'released.$': '$.Payload.released' },
        resultPath: '$.release',
        retry: [retryLedgerBusy],
      },
    ),
    RecordApproved: recordOutcome(
      'APPROVED',
      {},
      'APPROVED, or PARTLY_APPROVED when a project had no report (it is left for a new round).',
    ),
    Done: succeed(),
  },
};
