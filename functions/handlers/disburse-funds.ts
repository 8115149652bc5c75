/**
 * Workflow task: releases the money of an approved, committed proposal that is due: every INVESTMENT line of a
 * fund year that has opened. Running costs wait for that year's evaluation. Each line is paid once
 * (see data/ledger.ts), so re-running this task pays nothing twice.
 */

import { commitmentsOf, recordDisbursedOnEnvelope } from '../data/envelopes.ts';
import { disburseOnce } from '../data/ledger.ts';
import { getProposal } from '../data/proposals.ts';
import { fundYearHasOpened, isFundYear } from '../domain/fund.ts';
import { config, fundStart } from '../lib/config.ts';
import { fundsEmail } from '../lib/emails.ts';
import { WorkflowError } from '../lib/errors.ts';
import { taskHandler } from '../lib/http.ts';
import { logger } from '../lib/logger.ts';
import { sendEmail } from '../lib/mail.ts';

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
    const { record, created } = await disburseOnce(
      {
        proposalId: proposal.proposalId,
        title: proposal.title,
        category: proposal.category,
        purpose: line.purpose,
        fundYear: line.fundYear,
        amountEurCents: line.amountEurCents,
        rate: proposal.rate,
      },
      now.toISOString(),
    );
    await recordDisbursedOnEnvelope(line.fundYear, record.disbursementId, record.amountEurCents);
    if (created) {
      await sendEmail(
        [config().FINANCE_EMAIL, proposal.contactEmail],
        fundsEmail({
          kind: 'DISBURSED',
          proposalId: proposal.proposalId,
          title: proposal.title,
          fundYear: line.fundYear,
          eurCents: record.amountEurCents,
          gbpPence: record.amountGbpPence,
          paymentReference: record.paymentReference,
        }),
      );
    }
    paid.push({
      fundYear: line.fundYear,
      paymentReference: record.paymentReference,
      amountEurCents: record.amountEurCents,
      created,
    });
  }
  logger.info('due funds disbursed', { proposalId: proposal.proposalId, paid });
  return { proposalId: proposal.proposalId, disbursed: paid };
});
