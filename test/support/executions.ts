/**
 * Workflow tests: reading executions and their histories from the local engine, the outbox
 * in-process (no HTTP polling, so long waits stay cheap on a loaded machine) and the proposal view.
 */

import type { HistoryEvent } from '../../infra/local/engine/store.ts';
import type { OutboxEmail } from '../../infra/local/outbox.ts';
import type { SignOffLink, TestCloud } from './cloud.ts';
import { FR_APPROVER, ROAD_AUTHORITY, UK_APPROVER, waitUntil } from './flows.ts';

export const UK = UK_APPROVER;
export const UK_DEPUTY = 'deputy@homeoffice.example';
export const FR = FR_APPROVER;
export const ROAD = ROAD_AUTHORITY;
export const PORT = 'port@port-calais.example';

export interface SignOffView {
  authority: string;
  status: string;
  remindersSent: number;
  escalatedToDeputy: boolean;
  byDeputy?: boolean;
  comment?: string;
}

export interface ProposalView {
  proposalId: string;
  status: string;
  signOffs: SignOffView[];
  commitments: { fundYear: number; status: string; amountEurCents: number; releasedAt?: string }[];
  disbursements: { fundYear: number; amountEurCents: number; paymentReference: string }[];
  timeline: { event: string; detail: Record<string, unknown> }[];
}

export interface FinishedExecution {
  executionArn: string;
  status: string;
  output: unknown;
  error?: string | undefined;
  history: HistoryEvent[];
}

/** Polls a condition until it yields a value; never a fixed sleep. */
export function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  return waitUntil(probe, what, timeoutMs);
}

export function executionArnOf(
  cloud: TestCloud,
  machine: 'approval' | 'signOff',
  name: string,
): string | undefined {
  return cloud.engine
    .listExecutions({ stateMachineArn: cloud.stateMachineArn(machine) })
    .find((execution) => execution.name === name)?.executionArn;
}

/** The execution named `name`, once it has started and then finished. */
export async function finished(
  cloud: TestCloud,
  machine: 'approval' | 'signOff',
  name: string,
  timeoutMs = 45_000,
): Promise<FinishedExecution> {
  const executionArn = await until(
    () => executionArnOf(cloud, machine, name),
    `execution ${name} to start`,
    timeoutMs,
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    cloud.engine.waitForExecution(executionArn),
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Timed out waiting for execution ${name} to end`)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  const described = cloud.engine.describeExecution(executionArn);
  return {
    executionArn,
    status: described.status,
    output: described.output === undefined ? undefined : JSON.parse(described.output),
    error: described.error,
    history: cloud.engine.getExecutionHistory(executionArn),
  };
}

/** Names of the states entered, in order; only those in `among` when given (e.g. one Parallel branch). */
export function entered(history: HistoryEvent[], among?: readonly string[]): string[] {
  return history
    .filter((event) => event.type.endsWith('StateEntered'))
    .map((event) => (event.stateEnteredEventDetails as { name: string }).name)
    .filter((name) => !among || among.includes(name));
}

/** The task events recorded for a state's (first or nth) visit, up to the next state event. */
export function taskEventsOf(history: HistoryEvent[], stateName: string, visit = 0): string[] {
  const starts = history
    .map((event, index) => ({ event, index }))
    .filter(
      ({ event }) =>
        event.type.endsWith('StateEntered') &&
        (event.stateEnteredEventDetails as { name: string }).name === stateName,
    );
  const start = starts[visit]?.index;
  if (start === undefined) return [];
  const types: string[] = [];
  for (const event of history.slice(start + 1)) {
    if (event.type.endsWith('StateEntered') || event.type.endsWith('StateExited')) break;
    types.push(event.type);
  }
  return types;
}

/** Details of every event of a type (e.g. `taskFailedEventDetails` of TaskFailed). */
export function detailsOf<T = Record<string, unknown>>(history: HistoryEvent[], type: string): T[] {
  const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
  return history.filter((event) => event.type === type).map((event) => event[key] as T);
}

/** Emails about a proposal (its id is in every email), optionally to one address. */
export function emailsAbout(cloud: TestCloud, proposalId: string, to?: string): OutboxEmail[] {
  return cloud.outbox
    .list()
    .filter((email) => email.text.includes(proposalId) && (!to || email.to.includes(to)));
}

export function emailAbout(
  cloud: TestCloud,
  proposalId: string,
  to: string,
  subjectIncludes = '',
  timeoutMs = 30_000,
): Promise<OutboxEmail> {
  return until(
    () => emailsAbout(cloud, proposalId, to).find((email) => email.subject.includes(subjectIncludes)),
    `an email to ${to} about ${proposalId} (${subjectIncludes || 'any subject'})`,
    timeoutMs,
  );
}

/** The sign-off link an email carries. */
export function linkIn(email: OutboxEmail): SignOffLink {
  const match = /https?:\/\/\S+\/approvals\/([0-9a-f-]{36})\?token=([A-Za-z0-9_%-]+)/.exec(email.text);
  if (!match) throw new Error(`No sign-off link in "${email.subject}"`);
  return { url: match[0], approvalId: match[1] as string, token: decodeURIComponent(match[2] as string) };
}

export async function viewOf(cloud: TestCloud, proposalId: string): Promise<ProposalView> {
  const response = await cloud.api('GET', `/proposals/${proposalId}`, { as: 'admin' });
  if (response.status !== 200) throw new Error(`GET /proposals/${proposalId} answered ${response.status}`);
  return (await response.json()) as ProposalView;
}

export function signOffOf(view: ProposalView, authority: string): SignOffView {
  const found = view.signOffs.find((s) => s.authority === authority);
  if (!found) throw new Error(`No ${authority} sign-off on ${view.proposalId}`);
  return found;
}

/** A small proposal (fund year 1 only unless told), titled so a failing test names its case. */
export function smallProposal(title: string, overrides: Record<string, unknown> = {}) {
  return {
    title,
    category: 'PORT_SECURITY_INFRASTRUCTURE',
    description: `Workflow test: ${title}.`,
    contactEmail: PORT,
    funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 2_500_000 }],
    ...overrides,
  };
}
