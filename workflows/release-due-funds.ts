/**
 * Daily: releases money that has become due, i.e. committed investment of a fund year that has
 * opened, found by one query on the due index: a funded proposal with nothing due costs nothing.
 */
import { catching, lambdaTask, retryLedgerBusy, type StateMachine } from './kit.ts';

export const releaseDueFunds: StateMachine = {
  Comment:
    'Daily: releases money that has become due, i.e. committed investment of a fund year that has opened, found by a query on what is due (never by visiting every funded proposal). Each payment is made once, so running this twice pays nothing twice.',
  StartAt: 'ListDueFunds',
  TimeoutSeconds: 3600,
  States: {
    ListDueFunds: lambdaTask(
      'ListDueFundsFunctionArn',
      {},
      { next: 'DisburseEach' },
      { resultSelector: { 'proposals.$': '$.Payload.proposals' }, resultPath: '$' },
    ),
    DisburseEach: {
      Type: 'Map',
      ItemsPath: '$.proposals',
      MaxConcurrency: 4,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'DisburseDue',
        States: {
          DisburseDue: lambdaTask(
            'DisburseFundsFunctionArn',
            { 'proposalId.$': '$.proposalId' },
            { end: true },
            {
              resultSelector: {
                'proposalId.$': '$.Payload.proposalId',
                'disbursed.$': '$.Payload.disbursed',
                paid: true,
              },
              resultPath: '$',
              retry: [retryLedgerBusy],
              catch: [catching(['States.ALL'], 'RecordFailure', '$.error')],
            },
          ),
          RecordFailure: {
            Type: 'Pass',
            Comment:
              "One proposal's failure must not hold back the others' payments; the run fails once all are done.",
            Parameters: { 'proposalId.$': '$.proposalId', 'failed.$': '$.error.Error', paid: false },
            End: true,
          },
        },
      },
      ResultPath: '$.results',
      Next: 'AnyProposal',
    },
    AnyProposal: {
      Type: 'Choice',
      Choices: [{ Variable: '$.results[0]', IsPresent: true, Next: 'CheckPayments' }],
      Default: 'Released',
    },
    CheckPayments: {
      Type: 'Pass',
      Comment: 'No filter expressions: aws-local-stepfunctions 3.0.0 fails on one that matches nothing.',
      Parameters: {
        'anyFailed.$': 'States.ArrayContains($.results[*].paid, false)',
        'cause.$': 'States.JsonToString($.results)',
      },
      ResultPath: '$.check',
      Next: 'AnyPaymentFailed',
    },
    AnyPaymentFailed: {
      Type: 'Choice',
      Choices: [{ Variable: '$.check.anyFailed', BooleanEquals: true, Next: 'PaymentsFailed' }],
      Default: 'Released',
    },
    PaymentsFailed: {
      Type: 'Fail',
      Comment:
        'Visible (a FAILED execution, an alarm in AWS) though every other payment was made; the cause lists each proposal, the failed ones with their error. They are retried tomorrow, or by a redrive.',
      Error: 'Payments.Failed',
      CausePath: '$.check.cause',
    },
    Released: { Type: 'Succeed', OutputPath: '$.results' },
  },
};
