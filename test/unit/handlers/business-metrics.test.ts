/**
 * The business metrics of the workflow tasks: one EMF metric per real event (a commitment, a
 * payment, a proposal funded or rejected), none when a re-run finds the work done. The data layer
 * is replaced: what is asserted is what the handler prints for each answer it gets.
 */
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { commitFundYear } from '../../../functions/funding/data/envelopes.ts';
import { payFundingLine } from '../../../functions/funding/payments.ts';
import { type ProposalRecord, proposalPartition } from '../../../functions/proposals/data/proposals.ts';
import { recordProposalOutcome } from '../../../functions/proposals/outcomes.ts';
import { lambdaContext, loadHandlerModule, TEST_ENV } from './support.ts';
import { emfPrintedBy, enableMetrics, metricsOf } from './support-metrics.ts';

vi.mock('../../../functions/proposals/data/proposals.ts', async (original) => ({
  ...(await original<object>()),
  proposalPartition: vi.fn(),
  transitionProposal: vi.fn(),
  completeIfSettled: vi.fn(async () => undefined),
}));
vi.mock('../../../functions/proposals/recorded-approvals.ts', () => ({ requireRecordedApprovals: vi.fn() }));
vi.mock('../../../functions/funding/data/envelopes.ts', async (original) => ({
  ...(await original<object>()),
  commitFundYear: vi.fn(),
  clearInvestmentDue: vi.fn(),
}));
vi.mock('../../../functions/funding/payments.ts', () => ({ payFundingLine: vi.fn() }));
vi.mock('../../../functions/proposals/outcomes.ts', () => ({ recordProposalOutcome: vi.fn() }));

type Task = (event: unknown, context: Context) => Promise<unknown>;
const handlers: Record<string, Task> = {};

beforeAll(async () => {
  enableMetrics();
  for (const name of ['commit-funds', 'disburse-funds', 'record-proposal-outcome']) {
    handlers[name] = (await loadHandlerModule<{ handler: Task }>(name)).handler;
  }
});

afterEach(() => {
  vi.clearAllMocks();
});

const PROPOSAL_ID = '0b8e5c1d-2f4a-4e6b-8c9d-1a2b3c4d5e6f';
const proposal = (status: ProposalRecord['status']) =>
  ({
    proposalId: PROPOSAL_ID,
    status,
    funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 12_345_600 }],
  }) as never;

/** The proposal's partition as the handlers read it: the proposal and its fund year 1 committed. */
const partition = (status: ProposalRecord['status']) =>
  ({
    proposal: proposal(status),
    signOffs: [],
    commitments: [{ fundYear: 1, status: 'COMMITTED', amountEurCents: 12_345_600 }],
    claims: [],
  }) as never;

const run = (name: string, input: unknown) =>
  emfPrintedBy(() => {
    const handler = handlers[name];
    if (!handler) throw new Error(`${name} was not loaded`);
    return handler(input, lambdaContext());
  });

describe('business metrics (EMF on stdout, namespace JIF, service the function name)', () => {
  it('commit-funds: the amount committed in EUR cents, once; nothing when already committed', async () => {
    vi.mocked(proposalPartition).mockResolvedValue(partition('APPROVED'));
    vi.mocked(commitFundYear).mockResolvedValueOnce(true);
    const input = { proposalId: PROPOSAL_ID, fundYear: 1, amountEurCents: 12_345_600 };
    const first = await run('commit-funds', input);
    expect(metricsOf(first)).toEqual([
      { name: 'FundsCommittedEurCents', unit: 'None', value: 12_345_600, namespace: 'JIF' },
    ]);
    expect(first[0]?.service).toBe(TEST_ENV.AWS_LAMBDA_FUNCTION_NAME);

    vi.mocked(commitFundYear).mockResolvedValueOnce(false);
    expect(await run('commit-funds', input)).toEqual([]);
  });

  it('disburse-funds: the amount paid and FUNDED when this run did them; nothing on a re-run', async () => {
    vi.mocked(proposalPartition).mockResolvedValue(partition('APPROVED'));
    const paid = (created: boolean) =>
      ({ created, record: { paymentReference: 'JIF-1', amountEurCents: 12_345_600 } }) as never;
    vi.mocked(payFundingLine).mockResolvedValueOnce(paid(true));
    vi.mocked(recordProposalOutcome).mockResolvedValueOnce({
      proposalId: PROPOSAL_ID,
      status: 'FUNDED',
      changed: true,
    });
    const input = { proposalId: PROPOSAL_ID, recordFunded: true };
    expect(metricsOf(await run('disburse-funds', input))).toEqual([
      { name: 'FundsPaidEurCents', unit: 'None', value: 12_345_600, namespace: 'JIF' },
      { name: 'ProposalFunded', unit: 'Count', value: 1, namespace: 'JIF' },
    ]);

    vi.mocked(proposalPartition).mockResolvedValue(partition('FUNDED'));
    vi.mocked(payFundingLine).mockResolvedValueOnce(paid(false));
    vi.mocked(recordProposalOutcome).mockResolvedValueOnce({
      proposalId: PROPOSAL_ID,
      status: 'FUNDED',
      changed: false,
    });
    expect(await run('disburse-funds', input)).toEqual([]);
  });

  it('record-proposal-outcome: a rejection counted when recorded, not when a re-run finds it', async () => {
    const input = { proposalId: PROPOSAL_ID, status: 'REJECTED' };
    vi.mocked(recordProposalOutcome).mockResolvedValueOnce({ ...input, status: 'REJECTED', changed: true });
    expect(metricsOf(await run('record-proposal-outcome', input))).toEqual([
      { name: 'ProposalRejected', unit: 'Count', value: 1, namespace: 'JIF' },
    ]);
    vi.mocked(recordProposalOutcome).mockResolvedValueOnce({ ...input, status: 'REJECTED', changed: false });
    expect(await run('record-proposal-outcome', input)).toEqual([]);
  });

  it('record-proposal-outcome: another status (EXPIRED) is no business metric', async () => {
    const input = { proposalId: PROPOSAL_ID, status: 'EXPIRED' };
    vi.mocked(recordProposalOutcome).mockResolvedValueOnce({ ...input, status: 'EXPIRED', changed: true });
    expect(await run('record-proposal-outcome', input)).toEqual([]);
  });
});
