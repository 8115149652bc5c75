/**
 * Workflow task: closes open sign-off requests of a subject.
 * - `EXPIRED` with an authority: that request ran out of time (after reminders and the deputy).
 *   If a decision landed first, that decision is returned instead, so the flow honours it.
 * - `WITHDRAWN` without an authority: the subject was decided elsewhere (one side rejected or
 *   expired); every still-pending request is withdrawn (its link then answers 409, saying why), the
 *   task waiting on it is ended with SignOff.Withdrawn, and whoever was sent its link is told why.
 */

import { SendTaskFailureCommand } from '@aws-sdk/client-sfn';
import * as v from 'valibot';
import { signOffWithdrawnEmail } from '../../pages/emails.ts';
import { authorityDirectory } from '../../platform/config.ts';
import { logger } from '../../platform/logger.ts';
import { sendEmail } from '../../platform/mail.ts';
import { sfn } from '../../platform/sfn.ts';
import { id, taskHandler, taskInput } from '../../platform/task.ts';
import {
  closeRequest,
  markWithdrawalNoticeSent,
  requestsForSubject,
  type SignOffRequest,
  type WithdrawalCause,
} from '../data/sign-offs.ts';
import { AUTHORITIES, type Authority, SIGN_OFF_ERRORS, SUBJECT_TYPES } from '../domain/sign-off.ts';
import { subjectPageUrl } from '../request-links.ts';
import { subjectSummary } from '../subjects.ts';

/** What ended the subject: a rejection first (it is a decision), else an expiry. */
function causeOf(requests: SignOffRequest[]): WithdrawalCause | undefined {
  const decisive =
    requests.find((r) => r.status === 'REJECTED') ?? requests.find((r) => r.status === 'EXPIRED');
  if (!decisive) return undefined;
  return { authority: decisive.authority, outcome: decisive.status === 'REJECTED' ? 'REJECTED' : 'EXPIRED' };
}

/**
 * Tells everyone who holds the withdrawn request's link (the approver, and the deputy once escalated)
 * that no decision is needed any more, and why. Once per request, also on a re-run.
 */
async function tellWithdrawn(request: SignOffRequest, all: SignOffRequest[]): Promise<void> {
  const cause = request.withdrawnBecause;
  if (!cause || request.withdrawalNoticeAt || request.sentStages.length === 0) return;
  const subject = await subjectSummary(request.subjectType, request.subjectId, request.authority);
  if (!subject) return;
  const decisive = all.find((r) => r.authority === cause.authority);
  const entry = authorityDirectory()[request.authority];
  const to = [entry.primary];
  if (request.sentStages.includes('DEPUTY') && entry.deputy !== entry.primary) to.push(entry.deputy);
  await sendEmail(
    to,
    signOffWithdrawnEmail({
      authority: request.authority,
      subject,
      because: { ...cause, ...(decisive?.comment ? { comment: decisive.comment } : {}) },
      link: subjectPageUrl(request.subjectType, request.subjectId),
    }),
  );
  await markWithdrawalNoticeSent(request.approvalId, new Date().toISOString());
}

const CloseSignOffInput = taskInput(
  v.object({
    subjectType: v.picklist(SUBJECT_TYPES),
    subjectId: id(),
    outcome: v.picklist(['EXPIRED', 'WITHDRAWN']),
    authority: v.optional(v.picklist(AUTHORITIES)),
  }),
  'SignOff.InvalidInput',
);

export const handler = taskHandler(async (input) => {
  const now = new Date().toISOString();
  const all = await requestsForSubject(input.subjectType, input.subjectId);
  const requests = all.filter(
    (request) => input.authority === undefined || request.authority === input.authority,
  );
  const because = input.outcome === 'WITHDRAWN' ? causeOf(all) : undefined;
  const results: { authority: Authority; status: string }[] = [];
  for (const request of requests) {
    const { request: after } = await closeRequest(request.approvalId, input.outcome, now, because);
    results.push({ authority: after.authority, status: after.status });
    if (after.status === 'WITHDRAWN') await tellWithdrawn(after, all);
    // Also when the rejecting link withdrew it first (decide-approval): its task still waits.
    if (input.outcome === 'WITHDRAWN' && after.status === 'WITHDRAWN' && after.taskToken) {
      try {
        await sfn.send(
          new SendTaskFailureCommand({
            taskToken: after.taskToken,
            error: SIGN_OFF_ERRORS.withdrawn,
            cause: 'The subject was decided by another sign-off',
          }),
        );
      } catch (error) {
        logger.info('withdrawn request had no waiting task', {
          approvalId: after.approvalId,
          error: (error as Error).name,
        });
      }
    }
  }
  const single = input.authority ? results[0] : undefined;
  return {
    subjectId: input.subjectId,
    outcome: input.outcome,
    requests: results,
    // For one authority: what the flow should carry on with.
    decision: single ? single.status : input.outcome,
  };
}, CloseSignOffInput);
