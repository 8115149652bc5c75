/**
 * The annual security-cost evaluation of fund year N: cost reports, next-year running-cost
 * tranches, UK and FR sign-off, release.
 */
import {
  bilateralSignOff,
  callbackTask,
  catching,
  type Json,
  lambdaTask,
  retryLedgerBusy,
  type SignOffSubject,
  type StateMachine,
  succeed,
  whenEquals,
} from './kit.ts';

/** How long a project's port authority has to send its cost report back: 14 days. */
export const COST_REPORT_SECONDS = 1_209_600;

const evaluation: SignOffSubject = {
  subjectType: 'EVALUATION',
  subjectIdPath: '$.subjectId',
  executionName: (authority) => `States.Format('evaluation-FY{}-${authority}', $.fundYear)`,
};

const withdrawPending = (next: string) =>
  lambdaTask(
    'CloseSignOffFunctionArn',
    { subjectType: 'EVALUATION', 'subjectId.$': '$.subjectId', outcome: 'WITHDRAWN' },
    { next },
  );

function recordOutcome(status: string, reason: Record<string, Json>, comment?: string) {
  return lambdaTask(
    'RecordEvaluationOutcomeFunctionArn',
    { 'fundYear.$': '$.fundYear', status, ...reason },
    { next: 'Done' },
    comment === undefined ? {} : { comment },
  );
}

export const evaluationFlow: StateMachine = {
  Comment:
    "The annual security-cost evaluation of fund year N: each funded project's port authority reports the actual annual security cost of year N; the next year's running-cost tranche is the lower of what was committed for year N+1 and that cost (no report, no tranche); UK and FR sign it off; on approval the tranches are paid. Started by POST /evaluations ({fundYear}) or daily by the schedule ({scheduled: true}), which ends at once unless a fund year ends within 30 days.",
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
      { 'fundYear.$': '$.fundYear' },
      { next: 'Done' },
      {
        comment:
          'No funded project has running costs in the next year: the evaluation is recorded with no lines.',
      },
    ),
    CollectCostReports: {
      Type: 'Map',
      Comment:
        "Each project's port authority reports the actual annual security cost of the year; a report not sent back in time expires (no report, no tranche).",
      ItemsPath: '$.projects',
      ItemSelector: { 'fundYear.$': '$.fundYear', 'proposalId.$': '$$.Map.Item.Value.proposalId' },
      MaxConcurrency: 5,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'RequestCostReport',
        States: {
          RequestCostReport: callbackTask(
            'RequestCostReportFunctionArn',
            { 'fundYear.$': '$.fundYear', 'proposalId.$': '$.proposalId' },
            { end: true },
            {
              comment:
                'Emails the port authority a link to the cost report form and waits for the report, at most 14 days.',
              timeoutSeconds: COST_REPORT_SECONDS,
              resultPath: '$',
              catch: [catching(['States.Timeout'], 'ExpireCostReport')],
            },
          ),
          ExpireCostReport: lambdaTask(
            'ExpireCostReportFunctionArn',
            { 'fundYear.$': '$.fundYear', 'proposalId.$': '$.proposalId' },
            { end: true },
            {
              comment:
                'No report in time: the report expires and the tranche is 0, unless a report landed at the last moment.',
              outputPath: '$.Payload',
            },
          ),
        },
      },
      ResultPath: '$.reports',
      Next: 'SummariseEvaluation',
    },
    SummariseEvaluation: lambdaTask(
      'SummariseEvaluationFunctionArn',
      { 'fundYear.$': '$.fundYear' },
      { next: 'BilateralSignOff' },
      {
        comment:
          'Per project: funded (committed for next year), actual cost, next-year tranche = the lower of the two (0 without a report).',
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
      { 'fundYear.$': '$.fundYear' },
      { next: 'RecordApproved' },
      {
        comment:
          "Pays each line's next-year running-cost tranche once (never above the commitment) and tells finance and the port authority.",
        resultSelector: { 'released.$': '$.Payload.released' },
        resultPath: '$.release',
        retry: [retryLedgerBusy],
      },
    ),
    RecordApproved: recordOutcome('APPROVED', {}),
    Done: succeed(),
  },
};
