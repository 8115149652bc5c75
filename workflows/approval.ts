/**
 * A proposal from intake to a decision: the road authority for temporary measures, then UK and FR
 * sign-off in parallel, then funding.
 */
import {
  bilateralSignOff,
  catching,
  choice,
  type Json,
  lambdaTask,
  retryLedgerBusy,
  type SignOffSubject,
  type StateMachine,
  signOffOf,
  succeed,
  whenEquals,
} from './kit.ts';

const proposal: SignOffSubject = {
  subjectType: 'PROPOSAL',
  subjectIdPath: '$.proposalId',
  executionName: (authority) => `States.Format('{}-${authority}', $.proposalId)`,
};

/** Records the proposal's new status (and tells the port authority), then goes on to `next`. */
function recordOutcome(status: string, reason: Record<string, Json>, next: string) {
  return lambdaTask(
    'RecordProposalOutcomeFunctionArn',
    { 'proposalId.$': '$.proposalId', status, ...reason },
    { next },
  );
}

/** Withdraws the sign-off request still pending after the other side ended its branch. */
const withdrawPending = (next: string) =>
  lambdaTask(
    'CloseSignOffFunctionArn',
    { subjectType: 'PROPOSAL', 'subjectId.$': '$.proposalId', outcome: 'WITHDRAWN' },
    { next },
  );

export const approval: StateMachine = {
  Comment:
    'A proposal from intake to a decision: the road authority for temporary measures, then UK and FR sign-off in parallel, then funding.',
  StartAt: 'NeedsRoadAuthority',
  States: {
    NeedsRoadAuthority: choice(
      [whenEquals('$.category', 'TEMPORARY_SECURITY_MEASURE', 'AskRoadAuthority')],
      'BilateralSignOff',
      'Temporary measures first go to the road authority.',
    ),
    AskRoadAuthority: signOffOf(
      proposal,
      'ROAD',
      { next: 'RoadAuthorityAgreed' },
      {
        resultPath: '$.roadAuthority',
        comment: "Temporary measures need the road authority's agreement before the ministries are asked.",
      },
    ),
    RoadAuthorityAgreed: choice(
      [
        whenEquals('$.roadAuthority.decision', 'APPROVED', 'RecordAwaitingSignOff'),
        whenEquals('$.roadAuthority.decision', 'REJECTED', 'RecordRefusedByRoadAuthority'),
      ],
      'RecordRoadAuthorityExpired',
    ),
    RecordAwaitingSignOff: recordOutcome('AWAITING_SIGN_OFF', {}, 'BilateralSignOff'),
    RecordRefusedByRoadAuthority: recordOutcome(
      'REJECTED',
      { reason: 'The road authority did not agree to the temporary measure' },
      'Done',
    ),
    RecordRoadAuthorityExpired: recordOutcome(
      'EXPIRED',
      { reason: 'The road authority did not answer in time' },
      'Done',
    ),
    BilateralSignOff: bilateralSignOff(
      proposal,
      { approved: 'CommitFunds', rejected: 'WithdrawAfterRejection', expired: 'WithdrawAfterExpiry' },
      'UK and FR sign off independently; both must approve. A rejection or an expiry ends the other branch.',
    ),
    WithdrawAfterRejection: withdrawPending('RecordRejected'),
    WithdrawAfterExpiry: withdrawPending('RecordExpired'),
    RecordRejected: recordOutcome(
      'REJECTED',
      { 'reason.$': "States.Format('Rejected by {}', $.failure.Cause)" },
      'Done',
    ),
    RecordExpired: recordOutcome(
      'EXPIRED',
      { 'reason.$': "States.Format('No decision in time from {}', $.failure.Cause)" },
      'Done',
    ),
    CommitFunds: {
      Type: 'Map',
      Comment:
        "Commits the schedule one fund year at a time (all or nothing: a year without room releases what was committed). The first year's commit records APPROVED, and only if the decisions recorded in the table are approvals (else SignOff.NotRecorded fails the execution, nothing committed): a task completed by anyone holding a token commits nothing.",
      ItemsPath: '$.commitments',
      ItemSelector: {
        'proposalId.$': '$.proposalId',
        'fundYear.$': '$$.Map.Item.Value.fundYear',
        'amountEurCents.$': '$$.Map.Item.Value.amountEurCents',
      },
      MaxConcurrency: 1,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'CommitFundYear',
        States: {
          CommitFundYear: lambdaTask(
            'CommitFundsFunctionArn',
            '$',
            { end: true },
            { outputPath: '$.Payload' },
          ),
        },
      },
      ResultPath: '$.committed',
      Catch: [catching(['Funds.EnvelopeFull'], 'ReleaseCommitments', '$.failure')],
      Next: 'DisburseAndRecordFunded',
    },
    ReleaseCommitments: lambdaTask(
      'ReleaseCommitmentFunctionArn',
      { 'proposalId.$': '$.proposalId' },
      { next: 'ReadEnvelopeFailure' },
      { comment: 'Compensation: nothing stays committed when any year lacks room.' },
    ),
    ReadEnvelopeFailure: {
      Type: 'Pass',
      Comment:
        "The caught error's Cause is the Lambda error as JSON (message, type and stack trace): only its message goes to the port authority.",
      Parameters: { 'error.$': 'States.StringToJson($.failure.Cause)' },
      ResultPath: '$.envelopeFull',
      Next: 'RecordFundsUnavailable',
    },
    RecordFundsUnavailable: recordOutcome(
      'FUNDS_UNAVAILABLE',
      { 'reason.$': "States.Format('An envelope lacked room: {}', $.envelopeFull.error.errorMessage)" },
      'Done',
    ),
    DisburseAndRecordFunded: lambdaTask(
      'DisburseFundsFunctionArn',
      { 'proposalId.$': '$.proposalId', recordFunded: true },
      { next: 'Done' },
      {
        comment:
          "Releases the investment of every fund year already open, then records FUNDED (FUNDED means committed and the current year's investment is in the ledger; its one email names the commitments and payments) and COMPLETED when nothing is left; later years follow when they open. A payment that fails for good fails the execution (the proposal stays APPROVED, its money committed): a redrive once the fault is cleared pays each line once.",
        resultSelector: { 'disbursed.$': '$.Payload.disbursed', 'status.$': '$.Payload.status' },
        resultPath: '$.disbursement',
        retry: [retryLedgerBusy],
      },
    ),
    Done: succeed(),
  },
};
