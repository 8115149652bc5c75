/**
 * Every workflow task reads its input through one schema: a malformed input fails at once with the
 * feature's named `*.InvalidInput` error (which no Retry of the flows matches), naming the field, and
 * reads or writes nothing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import * as workflows from '../../../workflows/index.ts';
import { lambdaContext, loadHandlerModule } from './support.ts';

const clients = [
  mockClient(DynamoDBDocumentClient),
  mockClient(DynamoDBClient),
  mockClient(SFNClient),
  mockClient(SESv2Client),
];
afterEach(() => {
  for (const client of clients) client.reset();
});

type Handler = (input: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

const ROUND = { fundYear: 1, round: 1 };
const cases: [handler: string, input: unknown, error: string, field: string][] = [
  ['commit-funds', { proposalId: 'p', fundYear: 4, amountEurCents: 100 }, 'Funds.InvalidInput', 'fundYear'],
  [
    'commit-funds',
    { proposalId: 'p', fundYear: 1, amountEurCents: 1.5 },
    'Funds.InvalidInput',
    'amountEurCents',
  ],
  ['release-commitment', { proposalId: '' }, 'Funds.InvalidInput', 'proposalId'],
  ['disburse-funds', { proposalId: 42 }, 'Funds.InvalidInput', 'proposalId'],
  ['disburse-funds', { proposalId: 'p', recordFunded: 'yes' }, 'Funds.InvalidInput', 'recordFunded'],
  ['record-proposal-outcome', { proposalId: 'p', status: 'DONE' }, 'Proposal.InvalidInput', 'status'],
  [
    'close-sign-off',
    { subjectType: 'PROPOSAL', subjectId: 'p', outcome: 'LOST' },
    'SignOff.InvalidInput',
    'outcome',
  ],
  [
    'close-sign-off',
    { subjectType: 'BUDGET', subjectId: 'p', outcome: 'EXPIRED' },
    'SignOff.InvalidInput',
    'subjectType',
  ],
  ['prepare-evaluation', { request: { fundYear: 1 } }, 'Evaluation.InvalidInput', 'executionName'],
  ['summarise-evaluation', { fundYear: 3, round: 1 }, 'Evaluation.InvalidInput', 'fundYear'],
  ['close-cost-reports', { fundYear: 1, round: 0 }, 'Evaluation.InvalidInput', 'round'],
  ['remind-cost-reports', { ...ROUND, reminder: 0 }, 'Evaluation.InvalidInput', 'reminder'],
  ['request-cost-report', { ...ROUND, reportsDueBy: '2026-01-01' }, 'Evaluation.InvalidInput', 'proposalId'],
  ['record-evaluation-outcome', { ...ROUND, status: 'MAYBE' }, 'Evaluation.InvalidInput', 'status'],
  ['release-running-cost-tranches', { fundYear: 1 }, 'Evaluation.InvalidInput', 'round'],
];

describe('task inputs, one schema each', () => {
  it.each(cases)('%s refuses %j as %s naming %s, touching nothing', async (name, input, error, field) => {
    const { handler } = await loadHandlerModule<{ handler: Handler }>(name);
    const attempt = handler(input, lambdaContext());
    await expect(attempt).rejects.toMatchObject({ name: error });
    await attempt.catch((e: Error) => expect(e.message).toContain(`${field}:`));
    for (const client of clients) expect(client.calls()).toHaveLength(0);
  });

  it('is never retried: no Retry of any flow matches an InvalidInput error (nor States.ALL)', () => {
    const retried: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'Retry' && Array.isArray(value)) {
            for (const rule of value) {
              if (rule && typeof rule === 'object' && Array.isArray(rule.ErrorEquals))
                retried.push(...rule.ErrorEquals);
            }
          }
          walk(value);
        }
      }
    };
    walk(Object.values(workflows));
    expect(retried.length).toBeGreaterThan(0);
    expect(retried).not.toContain('States.ALL');
    for (const error of new Set(cases.map(([, , e]) => e))) expect(retried).not.toContain(error);
  });
});
