/**
 * Workflow task, after UK and FR both approved an evaluation of fund year N: pays each project's
 * running-cost tranche for fund year N+1 (the evaluation's line, never above what was committed) into
 * the ledger, whose head keeps each fund year's disbursed total, and tells finance and the port
 * authority. Each tranche is paid once (funding/data/ledger.ts `disburseOnce`, keyed by proposal, year
 * and purpose), so re-running this task pays nothing twice. What was committed for the project's
 * running cost beyond its tranche (all of it when no report came) goes back to year N+1's envelope,
 * once (funding/data/envelopes.ts `releaseRunningCostBeyondTranche`); a project with nothing left to
 * pay or release is COMPLETED. A rejected or expired evaluation never reaches this step: its
 * commitments stay for the next round.
 */
import * as v from 'valibot';
import { commitmentsOf, releaseRunningCostBeyondTranche } from '../../funding/data/envelopes.ts';
import { payFundingLine } from '../../funding/payments.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { logger } from '../../platform/logger.ts';
import { taskHandler, taskInput } from '../../platform/task.ts';
import { completeIfSettled, getProposal } from '../../proposals/data/proposals.ts';
import { requestsForSubject } from '../../sign-off/data/sign-offs.ts';
import { type ReleasedTranche, recordForRoundTask, recordTranches, roundOf } from '../data/evaluations.ts';
import { evaluationRoundInput, evaluationSubjectId, runningCostAfter } from '../domain/evaluation.ts';

const ReleaseTranchesInput = taskInput(v.object(evaluationRoundInput), 'Evaluation.InvalidInput');

export const handler = taskHandler(async (input) => {
  const evaluation = await recordForRoundTask(input);
  const fundYear = evaluation.fundYear;
  const requests = await requestsForSubject('EVALUATION', evaluationSubjectId(fundYear, roundOf(evaluation)));
  const approvedBy = new Set(requests.filter((r) => r.status === 'APPROVED').map((r) => r.authority));
  // Money moves only on both approvals, whatever the caller says.
  if (
    !evaluation.lines ||
    !['AWAITING_SIGN_OFF', 'APPROVED', 'PARTLY_APPROVED'].includes(evaluation.status) ||
    !approvedBy.has('UK') ||
    !approvedBy.has('FR')
  ) {
    throw new WorkflowError(
      'Evaluation.NotApproved',
      `The evaluation of fund year ${fundYear} is not approved by both the UK and France`,
    );
  }
  const nextYear = fundYear + 1;
  const now = new Date().toISOString();
  const paid: (ReleasedTranche & { created: boolean })[] = [];
  const returned: { proposalId: string; fundYear: number; amountEurCents: number }[] = [];
  for (const line of evaluation.lines) {
    // A project without a report is not decided by this round: no tranche, its commitment kept for a new round.
    if (line.reportStatus !== 'SUBMITTED') continue;
    const proposal = await getProposal(line.proposalId);
    if (!proposal || (proposal.status !== 'FUNDED' && proposal.status !== 'COMPLETED')) {
      throw new WorkflowError(
        'Funds.NotFunded',
        `${line.proposalId} is not funded: nothing may be disbursed`,
      );
    }
    const committedRunningCost = runningCostAfter(proposal.funding, fundYear);
    const commitment = (await commitmentsOf(proposal.proposalId)).find(
      (c) => c.fundYear === nextYear && c.status === 'COMMITTED',
    );
    if (!commitment || line.nextTrancheEurCents < 0 || line.nextTrancheEurCents > committedRunningCost) {
      throw new WorkflowError(
        'Funds.NotCommitted',
        `FY${nextYear} running costs of ${proposal.proposalId}: ${line.nextTrancheEurCents} is not covered by a commitment`,
      );
    }
    if (line.nextTrancheEurCents > 0) {
      const { record, created } = await payFundingLine(
        proposal,
        { purpose: 'RUNNING_COST', fundYear: nextYear, amountEurCents: line.nextTrancheEurCents },
        now,
        {
          emailNote: `Running-cost tranche for fund year ${nextYear}, after the evaluation of fund year ${fundYear} (${evaluation.evaluationId})`,
        },
      );
      paid.push({
        proposalId: proposal.proposalId,
        fundYear: nextYear,
        amountEurCents: record.amountEurCents,
        amountGbpPence: record.amountGbpPence,
        paymentReference: record.paymentReference,
        created,
      });
    }
    // Paid first, released after: a crash in between leaves money committed, never money owed unfunded.
    const beyond = committedRunningCost - line.nextTrancheEurCents;
    if (beyond > 0) {
      await releaseRunningCostBeyondTranche(proposal.proposalId, nextYear, beyond, now);
      returned.push({ proposalId: proposal.proposalId, fundYear: nextYear, amountEurCents: beyond });
    }
    await completeIfSettled(proposal.proposalId, now);
  }
  await recordTranches(
    evaluation,
    paid.map(({ created: _created, ...tranche }) => tranche),
    now,
  );
  logger.info('running-cost tranches released', { fundYear, paid, returned });
  return {
    fundYear,
    released: paid,
    returnedToEnvelope: returned,
  };
}, ReleaseTranchesInput);
