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
import { ensureBoundRequest, markStageSent, type SignOffRequest } from '../data/sign-offs.ts';
import {
  AUTHORITIES,
  recipientFor,
  SIGN_OFF_ERRORS,
  SIGN_OFF_STAGES,
  SIGN_OFF_WINDOW_SECONDS,
  SUBJECT_TYPES,
} from '../domain/sign-off.ts';
import { newRequestLink } from '../request-links.ts';
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

export const handler = taskHandler(async (input) => {
  const now = new Date();
  const bound = await ensureBoundRequest(
    input.subjectType,
    input.subjectId,
    input.authority,
    { taskToken: input.taskToken, stage: input.stage },
    now,
    // The request expires when its last stage times out: the date every email and page states.
    flowDurationMs(SIGN_OFF_WINDOW_SECONDS),
  );
  const { request } = bound;
  if (!bound.bound) {
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
  const subject = await subjectSummary(input.subjectType, input.subjectId, input.authority);
  if (!subject)
    throw new WorkflowError('SignOff.SubjectNotFound', `No ${input.subjectType} ${input.subjectId}`);
  const link = await newRequestLink(request.approvalId, input.stage);
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
