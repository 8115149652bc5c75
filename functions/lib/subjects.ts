/** The summary of what is being signed off, for pages and emails. */

import { getEvaluation } from '../data/evaluations.ts';
import { getProposal } from '../data/proposals.ts';
import { requestsForSubject } from '../data/sign-offs.ts';
import { fundYearOfSubject } from '../domain/evaluation.ts';
import type { Authority, SubjectType } from '../domain/sign-off.ts';
import { decisionNotes } from './decisions.ts';
import { WorkflowError } from './errors.ts';
import type { SubjectSummary } from './pages.ts';

/** `reader`: the authority the summary is for; what the other authorities decided comes with it. */
export async function subjectSummary(
  subjectType: SubjectType,
  subjectId: string,
  reader?: Authority,
): Promise<SubjectSummary | undefined> {
  if (subjectType === 'PROPOSAL') {
    const [proposal, requests] = await Promise.all([
      getProposal(subjectId),
      requestsForSubject('PROPOSAL', subjectId),
    ]);
    if (!proposal) return undefined;
    return {
      type: 'PROPOSAL',
      proposalId: proposal.proposalId,
      title: proposal.title,
      category: proposal.category,
      description: proposal.description,
      contactEmail: proposal.contactEmail,
      funding: proposal.funding,
      decisions: decisionNotes(requests, reader),
    };
  }
  if (subjectType === 'EVALUATION') {
    // `FY<n>`: the evaluation of fund year n, once its lines are set (only then is it signed off).
    const fundYear = fundYearOfSubject(subjectId);
    const evaluation = fundYear ? await getEvaluation(fundYear) : undefined;
    if (!evaluation?.lines) return undefined;
    return {
      type: 'EVALUATION',
      evaluationId: evaluation.evaluationId,
      fundYear: evaluation.fundYear,
      title: `Annual security-cost evaluation, fund year ${evaluation.fundYear} / Évaluation annuelle des coûts de sûreté, année ${evaluation.fundYear}`,
      lines: evaluation.lines.map((line) => ({
        proposalId: line.proposalId,
        title: line.title,
        fundedEurCents: line.fundedEurCents,
        actualEurCents: line.actualEurCents,
        nextTrancheEurCents: line.nextTrancheEurCents,
      })),
    };
  }
  throw new WorkflowError(
    'SignOff.UnknownSubject',
    `Subjects of type ${String(subjectType)} are not handled`,
  );
}
