/**
 * Paying one funding line of a proposal: once into the ledger (see data/ledger.ts `disburseOnce`,
 * whose head keeps each fund year's disbursed total), and, the first time only, an email to finance
 * and the port authority, unless `announce` is false (a payment on the way to FUNDED, which the
 * FUNDED email carries). Shared by the release of investments and of running-cost tranches.
 */

import { fundsEmail } from '../pages/emails.ts';
import { config, proposalPageUrl } from '../platform/config.ts';
import { sendEmail } from '../platform/mail.ts';
import type { ProposalRecord } from '../proposals/data/proposals.ts';
import type { FundingPurpose } from '../proposals/domain/categories.ts';
import { disburseOnce } from './data/ledger.ts';
import type { LedgerRecord } from './domain/ledger.ts';

export async function payFundingLine(
  proposal: ProposalRecord,
  line: { purpose: FundingPurpose; fundYear: number; amountEurCents: number },
  now: string,
  { emailNote, announce = true }: { emailNote?: string; announce?: boolean } = {},
): Promise<{ record: LedgerRecord; created: boolean }> {
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
    now,
  );
  if (created && announce) {
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
        // Finance keeps this witness: verification with it catches a truncated or rebuilt ledger.
        ledgerWitness: `${record.seq}:${record.hash}`,
        ...(emailNote ? { purpose: emailNote } : {}),
        ...linkTo(proposal.proposalId),
      }),
    );
  }
  return { record, created };
}

function linkTo(proposalId: string): { link?: string } {
  const link = proposalPageUrl(proposalId);
  return link ? { link } : {};
}
