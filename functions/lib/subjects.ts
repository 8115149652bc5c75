/** The summary of what is being signed off, for pages and emails. */

import { getProposal } from '../data/proposals.ts';
import type { SubjectType } from '../domain/sign-off.ts';
import { WorkflowError } from './errors.ts';
import type { SubjectSummary } from './pages.ts';

export async function subjectSummary(
  subjectType: SubjectType,
  subjectId: string,
): Promise<SubjectSummary | undefined> {
  if (subjectType === 'PROPOSAL') {
    const proposal = await getProposal(subjectId);
    if (!proposal) return undefined;
    return {
      type: 'PROPOSAL',
      proposalId: proposal.proposalId,
      title: proposal.title,
      category: proposal.category,
      description: proposal.description,
      contactEmail: proposal.contactEmail,
      funding: proposal.funding,
    };
  }
  throw new WorkflowError('SignOff.UnknownSubject', `Subjects of type ${subjectType} are not handled yet`);
}
