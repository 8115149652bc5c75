/**
 * A proposal's approval workflow, read and redriven through Step Functions. The execution is named
 * after the proposal (submit-proposal starts it with `name: proposalId`), so its ARN follows from the
 * state machine's.
 */
import { config } from '../../platform/config.ts';
import {
  describeWorkflow,
  executionArnOf,
  type RedriveOutcome,
  redriveWorkflow,
  type WorkflowView,
} from '../../platform/executions.ts';

export type { RedriveOutcome, WorkflowView };

export function approvalExecutionArn(proposalId: string): string {
  const stateMachineArn = config().APPROVAL_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error('Invalid configuration: APPROVAL_STATE_MACHINE_ARN is not set');
  return executionArnOf(stateMachineArn, proposalId);
}

/** The approval execution's status, or undefined if the proposal has none (yet). */
export function approvalWorkflow(proposalId: string): Promise<WorkflowView | undefined> {
  return describeWorkflow(approvalExecutionArn(proposalId));
}

/** Redrives the approval execution if it failed; says how it stands otherwise. */
export function redriveApproval(proposalId: string): Promise<RedriveOutcome> {
  return redriveWorkflow(approvalExecutionArn(proposalId));
}
