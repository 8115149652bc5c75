/**
 * Workflow task: releases the money of an approved, committed proposal that is due: every INVESTMENT line of a
 * fund year that has opened. Running costs wait for that year's evaluation. Each line is paid once
 * (see data/ledger.ts), so re-running this task pays nothing twice. A paid year leaves the due index
 * the daily release queries, and a FUNDED proposal with nothing left to pay or release is COMPLETED.
 * With `recordFunded` (the approval flow), it then records FUNDED and sends its one email, in the
 * same invocation: FUNDED means committed and the open year's investment in the ledger.
 */

import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import * as v from 'valibot';
import { fundStart } from '../../platform/config.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { logger } from '../../platform/logger.ts';
import { addEurCents, countEvent, metrics } from '../../platform/metrics.ts';
import { id, taskHandler, taskInput } from '../../platform/task.ts';
import { completeIfSettled, proposalPartition } from '../../proposals/data/proposals.ts';
import type { ProposalStatus } from '../../proposals/domain/statuses.ts';
import { recordProposalOutcome } from '../../proposals/outcomes.ts';
import { clearInvestmentDue } from '../data/envelopes.ts';
import { fundYearHasOpened, isFundYear } from '../domain/fund.ts';
import type { LedgerRecord } from '../domain/ledger.ts';
import { payFundingLine } from '../payments.ts';

const DisburseFundsInput = taskInput(
  v.object({
    proposalId: id(),
    /** The approval flow's payment: record FUNDED (and COMPLETED when nothing is left) once paid. */
    recordFunded: v.optional(v.boolean()),
  }),
  'Funds.InvalidInput',
);

export const handler = taskHandler(
  async (input) => {
    // The proposal and its commitments, in one Query.
    const { proposal, commitments } = await proposalPartition(input.proposalId);
    if (!proposal) throw new WorkflowError('Proposal.NotFound', `No proposal ${input.proposalId}`);
    // APPROVED: the approval flow pays before it shows FUNDED; every line paid must be committed (below).
    if (proposal.status !== 'APPROVED' && proposal.status !== 'FUNDED' && proposal.status !== 'COMPLETED') {
      throw new WorkflowError(
        'Funds.NotFunded',
        `${proposal.proposalId} is ${proposal.status}: nothing may be disbursed`,
      );
    }
    const now = new Date();
    const paid = [];
    const records: LedgerRecord[] = [];
    for (const line of proposal.funding) {
      if (line.purpose !== 'INVESTMENT' || !isFundYear(line.fundYear)) continue;
      if (!fundYearHasOpened(fundStart(), line.fundYear, now)) continue;
      const commitment = commitments.find((c) => c.fundYear === line.fundYear && c.status === 'COMMITTED');
      // Never pay beyond what is committed for that year.
      if (!commitment || commitment.amountEurCents < line.amountEurCents) {
        throw new WorkflowError(
          'Funds.NotCommitted',
          `FY${line.fundYear} of ${proposal.proposalId} is not committed`,
        );
      }
      // On the way to FUNDED (the approval flow), the FUNDED email announces the payment; later
      // years, paid once the proposal is FUNDED, are announced one by one.
      const { record, created } = await payFundingLine(proposal, line, now.toISOString(), {
        announce: input.recordFunded !== true && proposal.status !== 'APPROVED',
      });
      // Paid (now or by an earlier run): nothing of this year is due any more.
      if (commitment.investmentDue) await clearInvestmentDue(proposal.proposalId, line.fundYear);
      // Money paid by this run only (a re-run finds the ledger record and pays nothing).
      if (created) addEurCents('FundsPaidEurCents', record.amountEurCents);
      records.push(record);
      paid.push({
        fundYear: line.fundYear,
        paymentReference: record.paymentReference,
        amountEurCents: record.amountEurCents,
        created,
      });
    }
    // Reached only once every due line is in the ledger (a failed payment throws above).
    let status: ProposalStatus = proposal.status;
    if (input.recordFunded === true) {
      // On the way to FUNDED, what was just paid is every payment of the proposal: the email lists them.
      const outcome = await recordProposalOutcome(
        { proposalId: proposal.proposalId, status: 'FUNDED' },
        { read: proposal, ...(proposal.status === 'APPROVED' ? { payments: records } : {}) },
      );
      if (outcome.changed) countEvent('ProposalFunded');
      status = outcome.status;
    } else if (proposal.status === 'FUNDED') {
      status = (await completeIfSettled(proposal.proposalId, now.toISOString()))?.status ?? status;
    }
    logger.info('due funds disbursed', { proposalId: proposal.proposalId, paid, status });
    return { proposalId: proposal.proposalId, disbursed: paid, status };
  },
  DisburseFundsInput,
  logMetrics(metrics),
);
