/**
 * POST /approvals/{approvalId} (form: token, decision, comment): records the decision with one
 * conditional write (pending to decided), then completes the workflow task that is waiting for it.
 * A second POST answers 409, an expired request 410, an unknown link or token 404. The comment is
 * optional (the contract's); the form asks for one before a rejection (see pages.ts).
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { COMMENT_MAX_LENGTH } from '../../pages/pages.ts';
import { type FormContext, formBody } from '../../platform/forms.ts';
import { bodyBytes, publicHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { sfn } from '../../platform/sfn.ts';
import { closedAnswer, message, pageLanguage, receipt, requestForLink } from '../approval-links.ts';
import { decideRequest, withdrawOthers } from '../data/sign-offs.ts';
import { isDecision, SIGN_OFF_ERRORS, statusForDecision } from '../domain/sign-off.ts';

const MAX_FORM_BYTES = 16 * 1024;

export const handler = publicHandler<FormContext>(async (event, context) => {
  const bytes = bodyBytes(event);
  const form = context.form;
  const found = await requestForLink(event.pathParameters?.approvalId, form?.get('token') ?? undefined);
  const language = pageLanguage(event, form?.get('lang'), found?.request);
  if (!form) return message(bytes.length > MAX_FORM_BYTES ? 'TOO_LARGE' : 'UNSUPPORTED', language);
  if (!found) return message('NOT_FOUND', language);
  const decision = form.get('decision');
  const comment = (form.get('comment') ?? '').trim();
  if (!isDecision(decision) || comment.length > COMMENT_MAX_LENGTH) return message('BAD_REQUEST', language);
  const { request, stage } = found;
  // A link that can no longer decide says so first (the decision below is still the atomic check).
  const closed = await closedAnswer(request, new Date(), language);
  if (closed) return closed;
  const result = await decideRequest(
    request.approvalId,
    statusForDecision(decision) as 'APPROVED' | 'REJECTED',
    stage,
    comment || undefined,
    new Date(),
  );
  if (result.outcome === 'EXPIRED') return message('EXPIRED', language);
  if (result.outcome === 'ALREADY_CLOSED') {
    // Another tab or a double click won the race: answer as a reopened link does.
    const now = await requestForLink(request.approvalId, form.get('token') ?? undefined);
    return (
      (now && (await closedAnswer(now.request, new Date(), language))) ?? message('ALREADY_DECIDED', language)
    );
  }

  const decided = result.request;
  // One rejection decides the subject: the other requests close before this answer, so their links
  // answer 409 from now on (the flow then tells their holders and ends their tasks).
  if (decided.status === 'REJECTED') await withdrawOthers(decided, new Date().toISOString());
  const outcome = {
    decision: decided.status,
    authority: decided.authority,
    byDeputy: stage === 'DEPUTY',
    comment: decided.comment ?? null,
  };
  if (decided.taskToken) {
    try {
      if (decision === 'approve') {
        await sfn.send(
          new SendTaskSuccessCommand({ taskToken: decided.taskToken, output: JSON.stringify(outcome) }),
        );
      } else {
        await sfn.send(
          new SendTaskFailureCommand({
            taskToken: decided.taskToken,
            error: SIGN_OFF_ERRORS.rejected,
            cause: JSON.stringify(outcome),
          }),
        );
      }
    } catch (error) {
      // The task timed out a moment ago: the decision is recorded, and the workflow's next step
      // (reminder, deputy or expiry) finds it decided and carries it on.
      logger.warn('task token no longer accepted; the workflow will pick the decision up', {
        approvalId: decided.approvalId,
        error: (error as Error).name,
      });
    }
  }
  logger.info('sign-off decided', {
    approvalId: decided.approvalId,
    authority: decided.authority,
    status: decided.status,
  });
  return (
    (await receipt(decided, language, false)) ??
    message(decision === 'approve' ? 'APPROVED' : 'REJECTED', language)
  );
}, formBody(MAX_FORM_BYTES));
