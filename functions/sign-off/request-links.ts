/**
 * Links to a sign-off request's page. Each is a new token, stored only as its hash, for a stage: the
 * request's own emails, and those telling its holder how it ended (the page then shows where it
 * stands: decided, withdrawn and why, or expired).
 */
import { requirePublicBaseUrl } from '../platform/config.ts';
import { addLinkToken, hashToken, newLinkToken } from './data/sign-offs.ts';
import type { SignOffStage } from './domain/sign-off.ts';

export async function newRequestLink(approvalId: string, stage: SignOffStage): Promise<string> {
  const token = newLinkToken();
  await addLinkToken(approvalId, stage, hashToken(token));
  return `${requirePublicBaseUrl()}/approvals/${approvalId}?token=${encodeURIComponent(token)}`;
}
