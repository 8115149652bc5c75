/**
 * Workflow task (one iteration of the approval flow's commit Map): commits one fund year of an
 * approved proposal against that year's envelope. Raises `Funds.EnvelopeFull` when it does not fit,
 * which the flow catches to release what was committed and mark the proposal FUNDS_UNAVAILABLE.
 * Only an approved proposal is committed: one awaiting sign-off is first recorded APPROVED, and only
 * if the decisions recorded in the table are approvals (`SignOff.NotRecorded` otherwise; a task
 * completed by anyone holding a token commits nothing). It sends no email: the commitments happen in
 * the same second as the payment and FUNDED, whose one email (proposals/outcomes.ts) lists them.
 * A later year's investment enters the due index that the daily release queries.
 */

import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import * as v from 'valibot';
import { fundStart } from '../../platform/config.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { logger } from '../../platform/logger.ts';
import { addEurCents, metrics } from '../../platform/metrics.ts';
import { id, taskHandler, taskInput } from '../../platform/task.ts';
import { proposalPartition, transitionProposal } from '../../proposals/data/proposals.ts';
import { requireRecordedApprovals } from '../../proposals/recorded-approvals.ts';
import { commitFundYear } from '../data/envelopes.ts';
import { FUND_YEARS, fundYearHasOpened } from '../domain/fund.ts';

const CommitFundsInput = taskInput(
  v.object({
    proposalId: id(),
    fundYear: v.picklist(FUND_YEARS),
    amountEurCents: v.pipe(v.number(), v.safeInteger()),
  }),
  'Funds.InvalidInput',
);

export const handler = taskHandler(
  async (input) => {
    // The proposal and its sign-off pointers, in one Query.
    const { proposal, signOffs } = await proposalPartition(input.proposalId);
    if (!proposal) throw new WorkflowError('Proposal.NotFound', `No proposal ${input.proposalId}`);
    if (proposal.status === 'AWAITING_SIGN_OFF') {
      // Both sign-offs answered: the first year's commit records APPROVED (no email of its own), so
      // the flow needs no Lambda invocation for it.
      await requireRecordedApprovals(proposal, signOffs);
      await transitionProposal(proposal.proposalId, 'APPROVED', new Date().toISOString(), undefined, {
        notify: false,
        read: proposal,
      });
    } else if (!['APPROVED', 'FUNDED', 'COMPLETED'].includes(proposal.status)) {
      // Money for approved proposals only (a FUNDED one is a re-run, which commits nothing new).
      throw new WorkflowError(
        'Funds.NotApproved',
        `${input.proposalId} is ${proposal.status}: nothing is committed`,
      );
    }
    // The amount must be what the approved schedule says for that year, whatever the caller passed.
    const scheduled = proposal.funding
      .filter((line) => line.fundYear === input.fundYear)
      .reduce((sum, line) => sum + line.amountEurCents, 0);
    if (scheduled !== input.amountEurCents) {
      throw new WorkflowError(
        'Funds.AmountMismatch',
        `FY${input.fundYear} of ${input.proposalId} is ${scheduled}, not ${input.amountEurCents}`,
      );
    }
    const now = new Date();
    // A later year's investment is paid when that year opens: the daily release finds it by the due
    // index. One already open is paid by the approval flow right after the commit.
    const investmentDue =
      proposal.funding.some((line) => line.fundYear === input.fundYear && line.purpose === 'INVESTMENT') &&
      !fundYearHasOpened(fundStart(), input.fundYear, now);
    const committed = await commitFundYear(
      input.proposalId,
      input.fundYear,
      input.amountEurCents,
      now.toISOString(),
      { investmentDue },
    );
    logger.info('fund year committed', { ...input, firstTime: committed });
    if (committed) addEurCents('FundsCommittedEurCents', input.amountEurCents);
    // Reached only once the year is committed (anything else throws a named error); whether this run
    // committed it or found it committed by an earlier attempt is said, not hidden.
    return {
      fundYear: input.fundYear,
      amountEurCents: input.amountEurCents,
      committed: true,
      alreadyCommitted: !committed,
    };
  },
  CommitFundsInput,
  logMetrics(metrics),
);
