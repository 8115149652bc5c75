/**
 * Links in sign-off emails. A request's own emails carry a link to its page: a new token, stored only
 * as its hash, for the stage. The emails telling an authority how a subject ended carry the subject's
 * page instead (the proposal, or the year's evaluation): a link that decides nothing, so the request
 * links stay the ones that were asked for.
 */
import { parseEvaluationSubject } from '../evaluation/domain/evaluation.ts';
import { requirePublicBaseUrl } from '../platform/config.ts';
import { addLinkToken, hashToken, newLinkToken } from './data/sign-offs.ts';
import type { SignOffStage, SubjectType } from './domain/sign-off.ts';

export async function newRequestLink(approvalId: string, stage: SignOffStage): Promise<string> {
  const token = newLinkToken();
  await addLinkToken(approvalId, stage, hashToken(token));
  return `${requirePublicBaseUrl()}/approvals/${approvalId}?token=${encodeURIComponent(token)}`;
}

/** The page of what was signed off: the proposal's, or the evaluation report of its fund year. */
export function subjectPageUrl(subjectType: SubjectType, subjectId: string): string {
  const base = requirePublicBaseUrl(); // already without a trailing slash
  const fundYear = subjectType === 'EVALUATION' ? parseEvaluationSubject(subjectId)?.fundYear : undefined;
  return fundYear !== undefined
    ? `${base}/app/evaluations/${fundYear}`
    : `${base}/app/proposals/${encodeURIComponent(subjectId)}`;
}
