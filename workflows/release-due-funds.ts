/**
 * Daily: releases money that has become due, i.e. the investment of each funded proposal whose
 * fund year has opened.
 */
import { catching, lambdaTask, retryLedgerBusy, type StateMachine } from './kit.ts';

export const releaseDueFunds: StateMachine = {
  Comment:
    'Daily: releases money that has become due, i.e. the investment of each funded proposal whose fund year has opened. Each payment is made once, so running this twice pays nothing twice.',
  StartAt: 'ListFundedProposals',
  TimeoutSeconds: 3600,
  States: {
    ListFundedProposals: lambdaTask(
      'ListFundedProposalsFunctionArn',
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
              },
              resultPath: '$',
              retry: [retryLedgerBusy],
              catch: [catching(['States.ALL'], 'RecordFailure', '$.error')],
            },
          ),
          RecordFailure: {
            Type: 'Pass',
            Comment:
              "One proposal's failure must not hold back the others' payments; it is reported in the output and retried tomorrow.",
            Parameters: { 'proposalId.$': '$.proposalId', 'failed.$': '$.error.Error' },
            End: true,
          },
        },
      },
      ResultPath: '$.results',
      OutputPath: '$.results',
      End: true,
    },
  },
};
