/**
 * Links in sign-off emails. A request's own emails carry a link to its page: a new token, stored only
 * as its hash, for the stage. The emails telling an authority how a subject ended carry the subject's
 * page instead (the proposal, or the year's evaluation): a link that decides nothing, so the request
 * links stay the ones that were asked for.
 */
import { parseEvaluationSubject } from '../evaluation/domain/evaluation.ts';
import { requirePublicBaseUrl } from '../platform/config.ts';
import type { SubjectType } from './domain/sign-off.ts';

/** The link a request's email carries for `token` (stored only as its hash, with the stage it was sent for). */
export function requestLink(approvalId: string, token: string): string {
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
