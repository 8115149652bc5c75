/**
 * A proposal's approval workflow, read and redriven through Step Functions. The execution is named
 * after the proposal (submit-proposal starts it with `name: proposalId`), so its ARN follows from the
 * state machine's: Step Functions is the one record of how the flow stands, in AWS as locally.
 */
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  type ExecutionStatus,
  RedriveExecutionCommand,
} from '@aws-sdk/client-sfn';
import { config } from '../../platform/config.ts';
import { sfn } from '../../platform/sfn.ts';

export interface WorkflowView {
  status: ExecutionStatus;
  /** How the flow failed, when it did (FAILED, TIMED_OUT or ABORTED with a reason). */
  error?: { error: string; cause: string };
}

/** Statuses AWS can redrive and that count as a failed flow for the API. */
const FAILED: readonly ExecutionStatus[] = ['FAILED', 'TIMED_OUT'];

export function approvalExecutionArn(proposalId: string): string {
  const stateMachineArn = config().APPROVAL_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error('Invalid configuration: APPROVAL_STATE_MACHINE_ARN is not set');
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${proposalId}`;
}

/** The approval execution's status, or undefined if the proposal has none (yet). */
export async function approvalWorkflow(proposalId: string): Promise<WorkflowView | undefined> {
  try {
    const described = await sfn.send(
      new DescribeExecutionCommand({ executionArn: approvalExecutionArn(proposalId) }),
    );
    if (!described.status) return undefined;
    const view: WorkflowView = { status: described.status };
    if (described.status !== 'RUNNING' && described.status !== 'SUCCEEDED' && described.error !== undefined) {
      view.error = { error: described.error, cause: described.cause ?? '' };
    }
    return view;
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw error;
  }
}

export type RedriveOutcome =
  | { redriven: true; redriveDate: string }
  | { redriven: false; status: ExecutionStatus | 'NONE' };

/** Redrives the approval execution if it failed; says how it stands otherwise. */
export async function redriveApproval(proposalId: string): Promise<RedriveOutcome> {
  const current = await approvalWorkflow(proposalId);
  if (!current) return { redriven: false, status: 'NONE' };
  if (!FAILED.includes(current.status)) return { redriven: false, status: current.status };
  try {
    const { redriveDate } = await sfn.send(
      new RedriveExecutionCommand({ executionArn: approvalExecutionArn(proposalId) }),
    );
    return { redriven: true, redriveDate: (redriveDate ?? new Date()).toISOString() };
  } catch (error) {
    // Redriven by someone else a moment ago (or out of AWS's 14-day window): say how it stands now.
    if (error instanceof ExecutionNotRedrivable) {
      return { redriven: false, status: (await approvalWorkflow(proposalId))?.status ?? 'NONE' };
    }
    throw error;
  }
}
