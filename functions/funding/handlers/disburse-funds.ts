/**
 * Workflow task: releases the money of an approved, committed proposal that is due: every INVESTMENT line of a
 * fund year that has opened. Running costs wait for that year's evaluation. Each line is paid once
 * (see data/ledger.ts), so re-running this task pays nothing twice. A paid year leaves the due index
 * the daily release queries, and a FUNDED proposal with nothing left to pay or release is COMPLETED.
 */

import { fundStart } from '../../platform/config.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { taskHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { completeIfSettled, getProposal } from '../../proposals/data/proposals.ts';
import { clearInvestmentDue, commitmentsOf } from '../data/envelopes.ts';
import { fundYearHasOpened, isFundYear } from '../domain/fund.ts';
import { payFundingLine } from '../payments.ts';

export const handler = taskHandler(async (input: { proposalId: string }) => {
  const proposal = typeof input.proposalId === 'string' ? await getProposal(input.proposalId) : undefined;
  if (!proposal) throw new WorkflowError('Proposal.NotFound', `No proposal ${String(input.proposalId)}`);
  // APPROVED: the approval flow pays before it shows FUNDED; every line paid must be committed (below).
  if (proposal.status !== 'APPROVED' && proposal.status !== 'FUNDED' && proposal.status !== 'COMPLETED') {
    throw new WorkflowError(
      'Funds.NotFunded',
      `${proposal.proposalId} is ${proposal.status}: nothing may be disbursed`,
    );
  }
  const commitments = await commitmentsOf(proposal.proposalId);
  const now = new Date();
  const paid = [];
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
      announce: proposal.status !== 'APPROVED',
    });
    // Paid (now or by an earlier run): nothing of this year is due any more.
    if (commitment.gsi1pk !== undefined) await clearInvestmentDue(proposal.proposalId, line.fundYear);
    paid.push({
      fundYear: line.fundYear,
      paymentReference: record.paymentReference,
      amountEurCents: record.amountEurCents,
      created,
    });
  }
  // The approval flow's own payment completes the proposal once it is FUNDED (record-proposal-outcome).
  const status =
    proposal.status === 'FUNDED'
      ? ((await completeIfSettled(proposal.proposalId, now.toISOString()))?.status ?? proposal.status)
      : proposal.status;
  logger.info('due funds disbursed', { proposalId: proposal.proposalId, paid, status });
  return { proposalId: proposal.proposalId, disbursed: paid, status };
});
