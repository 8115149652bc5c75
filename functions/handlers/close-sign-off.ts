/**
 * Workflow task: closes open sign-off requests of a subject.
 * - `EXPIRED` with an authority: that request ran out of time (after reminders and the deputy).
 *   If a decision landed first, that decision is returned instead, so the flow honours it.
 * - `WITHDRAWN` without an authority: the subject was decided elsewhere (one side rejected or
 *   expired); every still-pending request is withdrawn (its link then answers 409) and the task
 *   waiting on it is ended with SignOff.Withdrawn.
 */
import { SendTaskFailureCommand } from '@aws-sdk/client-sfn';
import { closeRequest, requestsForSubject } from '../data/sign-offs.ts';
import { AUTHORITIES, type Authority, SIGN_OFF_ERRORS, type SubjectType } from '../domain/sign-off.ts';
import { WorkflowError } from '../lib/errors.ts';
import { taskHandler } from '../lib/http.ts';
import { logger } from '../lib/logger.ts';
import { sfn } from '../lib/sfn.ts';

export interface CloseSignOffInput {
  subjectType: SubjectType;
  subjectId: string;
  outcome: 'EXPIRED' | 'WITHDRAWN';
  authority?: Authority;
}

export const handler = taskHandler(async (input: CloseSignOffInput) => {
  if (input.outcome !== 'EXPIRED' && input.outcome !== 'WITHDRAWN') {
    throw new WorkflowError('SignOff.InvalidInput', `Unknown outcome ${String(input.outcome)}`);
  }
  if (input.authority !== undefined && !AUTHORITIES.includes(input.authority)) {
    throw new WorkflowError('SignOff.InvalidInput', `Unknown authority ${String(input.authority)}`);
  }
  const now = new Date().toISOString();
  const requests = (await requestsForSubject(input.subjectType, input.subjectId)).filter(
    (request) => input.authority === undefined || request.authority === input.authority,
  );
  const results: { authority: Authority; status: string }[] = [];
  for (const request of requests) {
    const { closed, request: after } = await closeRequest(request.approvalId, input.outcome, now);
    results.push({ authority: after.authority, status: after.status });
    if (closed && input.outcome === 'WITHDRAWN' && after.taskToken) {
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
});
