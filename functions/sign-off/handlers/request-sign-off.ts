/**
 * Workflow callback task (`lambda:invoke.waitForTaskToken`): makes or finds the sign-off request
 * for (subject, authority), binds the waiting task to it and emails the stage's link (the request,
 * a reminder, or the deputy). Safe to re-run: the request is found by its business key, a stage's
 * email goes out once, and a request decided while no task waited completes the new task at once.
 */

import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import * as v from 'valibot';
import { signOffRequestEmail } from '../../pages/emails.ts';
import { authorityDirectory, flowDurationMs } from '../../platform/config.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { logger } from '../../platform/logger.ts';
import { sendEmail } from '../../platform/mail.ts';
import { sfn } from '../../platform/sfn.ts';
import { id, taskHandler, taskInput } from '../../platform/task.ts';
import {
  addLinkToken,
  bindTaskToken,
  hashToken,
  makeRequest,
  markStageSent,
  newLinkToken,
  pointToRequest,
  type SignOffRequest,
} from '../data/sign-offs.ts';
import {
  AUTHORITIES,
  recipientFor,
  SIGN_OFF_ERRORS,
  SIGN_OFF_STAGES,
  SIGN_OFF_WINDOW_SECONDS,
  type SignOffStage,
  type SignOffStatus,
  SUBJECT_TYPES,
} from '../domain/sign-off.ts';
import { requestLink } from '../request-links.ts';
import { subjectSummary } from '../subjects.ts';

/** Completes a task for a request that was decided or closed while no task was waiting. */
async function completeFromRecord(request: SignOffRequest, taskToken: string): Promise<void> {
  const outcome = {
    decision: request.status,
    authority: request.authority,
    byDeputy: request.decidedStage === 'DEPUTY',
    comment: request.comment ?? null,
  };
  if (request.status === 'APPROVED') {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(outcome) }));
    return;
  }
  const error =
    request.status === 'REJECTED'
      ? SIGN_OFF_ERRORS.rejected
      : request.status === 'EXPIRED'
        ? SIGN_OFF_ERRORS.expired
        : SIGN_OFF_ERRORS.withdrawn;
  await sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: JSON.stringify(outcome) }));
}

const RequestSignOffInput = taskInput(
  v.object({
    subjectType: v.picklist(SUBJECT_TYPES),
    subjectId: id(),
    authority: v.picklist(AUTHORITIES),
    stage: v.picklist(SIGN_OFF_STAGES),
    taskToken: id(),
  }),
  'SignOff.InvalidInput',
);
export type RequestSignOffInput = v.InferOutput<typeof RequestSignOffInput.schema>;

type Answer = { approvalId: string; stage: SignOffStage; emailed: boolean; alreadyClosed?: SignOffStatus };

/**
 * For a request made before, once this task is bound to it: the answer when no email is due. One
 * decided or closed meanwhile completes the new task at once; a stage already emailed is not sent again.
 */
async function noEmailDue(
  found: { bound: boolean; request: SignOffRequest },
  input: RequestSignOffInput,
): Promise<Answer | undefined> {
  const { request } = found;
  if (!found.bound) {
    await completeFromRecord(request, input.taskToken);
    return {
      approvalId: request.approvalId,
      stage: input.stage,
      emailed: false,
      alreadyClosed: request.status,
    };
  }
  if (request.sentStages.includes(input.stage)) {
    logger.info('stage already emailed; task re-bound', {
      approvalId: request.approvalId,
      stage: input.stage,
    });
    return { approvalId: request.approvalId, stage: input.stage, emailed: false };
  }
  return undefined;
}

export const handler = taskHandler(async (input): Promise<Answer> => {
  const now = new Date();
  const { approvalId, created } = await pointToRequest(
    input.subjectType,
    input.subjectId,
    input.authority,
    now,
  );
  // A request made before (a later stage, a re-run) has this task bound first; a pointer made now
  // (or left by a run that stopped before its request) gets its request below.
  const earlier = created ? undefined : await bindTaskToken(approvalId, input.taskToken, input.stage);
  const answered = earlier && (await noEmailDue(earlier, input));
  if (answered) return answered;
  const subject = await subjectSummary(input.subjectType, input.subjectId, input.authority);
  if (!subject)
    throw new WorkflowError('SignOff.SubjectNotFound', `No ${input.subjectType} ${input.subjectId}`);
  const token = newLinkToken();
  const tokenHash = hashToken(token);
  let request: SignOffRequest;
  if (earlier) {
    await addLinkToken(approvalId, input.stage, tokenHash);
    request = earlier.request;
  } else {
    // One write: the request, this task bound to it, the link's token (its hash) stored.
    const made = await makeRequest(
      approvalId,
      {
        subjectType: input.subjectType,
        subjectId: input.subjectId,
        // Kept for the receipt: an evaluation's is read then (only its current round is shown).
        ...(subject.type === 'PROPOSAL' ? { subjectTitle: subject.title } : {}),
        authority: input.authority,
      },
      { taskToken: input.taskToken, stage: input.stage, tokenHash },
      now,
      // The request expires when its last stage times out: the date every email and page states.
      flowDurationMs(SIGN_OFF_WINDOW_SECONDS),
    );
    request = made.request;
    if (!made.created) {
      // A concurrent run made it first: this task is bound to it as to any request made before.
      const rebound = await bindTaskToken(approvalId, input.taskToken, input.stage);
      if (!rebound) throw new WorkflowError('SignOffRequest.NotFound', `No SignOffRequest ${approvalId}`);
      const settled = await noEmailDue(rebound, input);
      if (settled) return settled;
      await addLinkToken(approvalId, input.stage, tokenHash);
      request = rebound.request;
    }
  }
  const link = requestLink(approvalId, token);
  const recipient = recipientFor(authorityDirectory(), input.authority, input.stage);
  await sendEmail(
    [recipient],
    signOffRequestEmail({
      authority: input.authority,
      stage: input.stage,
      asDeputy: input.stage === 'DEPUTY',
      link,
      subject,
      expiresAt: request.expiresAt,
    }),
  );
  await markStageSent(request.approvalId, input.stage, new Date().toISOString());
  logger.info('sign-off link emailed', {
    approvalId: request.approvalId,
    authority: input.authority,
    stage: input.stage,
  });
  return { approvalId: request.approvalId, stage: input.stage, emailed: true };
}, RequestSignOffInput);
