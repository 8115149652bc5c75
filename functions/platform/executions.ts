/**
 * A workflow execution as Step Functions has it, read and redriven: the one record of how a flow
 * stands, in AWS as locally. Named executions (a proposal's approval, a year's evaluation round) have
 * ARNs that follow from their state machine's.
 */
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  type ExecutionStatus,
  RedriveExecutionCommand,
} from '@aws-sdk/client-sfn';
import { sfn } from './sfn.ts';

export interface WorkflowView {
  status: ExecutionStatus;
  /** How the flow failed, when it did (FAILED, TIMED_OUT or ABORTED with a reason). */
  error?: { error: string; cause: string };
}

/** Statuses AWS can redrive and that count as a failed flow for the API. */
const FAILED: readonly ExecutionStatus[] = ['FAILED', 'TIMED_OUT'];

export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** The execution's status, or undefined if there is none (yet). */
export async function describeWorkflow(executionArn: string): Promise<WorkflowView | undefined> {
  try {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
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

/** Redrives the execution if it failed; says how it stands otherwise. */
export async function redriveWorkflow(executionArn: string): Promise<RedriveOutcome> {
  const current = await describeWorkflow(executionArn);
  if (!current) return { redriven: false, status: 'NONE' };
  if (!FAILED.includes(current.status)) return { redriven: false, status: current.status };
  try {
    const { redriveDate } = await sfn.send(new RedriveExecutionCommand({ executionArn }));
    return { redriven: true, redriveDate: (redriveDate ?? new Date()).toISOString() };
  } catch (error) {
    // Redriven by someone else a moment ago (or out of AWS's 14-day window): say how it stands now.
    if (error instanceof ExecutionNotRedrivable) {
      return { redriven: false, status: (await describeWorkflow(executionArn))?.status ?? 'NONE' };
    }
    throw error;
  }
}
