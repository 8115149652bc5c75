/**
 * A proposal's approval workflow, read and redriven through Step Functions. The execution is named
 * after the proposal (submit-proposal starts it with `name: proposalId`), so its ARN follows from the
 * state machine's.
 */
import { requireStateMachineArn } from '../../platform/config.ts';
import {
  describeWorkflow,
  executionArnOf,
  type RedriveOutcome,
  redriveWorkflow,
  type WorkflowView,
} from '../../platform/executions.ts';

export type { RedriveOutcome, WorkflowView };

export function approvalExecutionArn(proposalId: string): string {
  return executionArnOf(requireStateMachineArn('APPROVAL_STATE_MACHINE_ARN'), proposalId);
}

/** The approval execution's status, or undefined if the proposal has none (yet). */
export function approvalWorkflow(proposalId: string): Promise<WorkflowView | undefined> {
  return describeWorkflow(approvalExecutionArn(proposalId));
}

/** Redrives the approval execution if it failed; says how it stands otherwise. */
export function redriveApproval(proposalId: string): Promise<RedriveOutcome> {
  return redriveWorkflow(approvalExecutionArn(proposalId));
}
