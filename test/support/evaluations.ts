/**
 * Helpers for the annual evaluation's tests: fund start dates that open a year's evaluation, the cost
 * report links in the outbox, the report form, the `evaluation` executions (found by input, as the
 * schedule's have generated names) and their histories.
 * Every wait polls a condition (flows.ts `waitUntil`); none sleeps for a fixed time.
 */
import type { HistoryEvent } from '../../infra/local/engine/store.ts';
import { sampleProposal, type TestCloud } from './cloud.ts';
import { entered, PORT } from './executions.ts';
import { approveAll, settle, waitUntil } from './flows.ts';

export const FINANCE = 'finance@fund.example';

type FundingLine = { fundYear: number; purpose: 'RUNNING_COST'; amountEurCents: number };

/** A running-cost funding line (the security of the parking area east of the port). */
export const running = (fundYear: number, amountEurCents: number): FundingLine => ({
  fundYear,
  purpose: 'RUNNING_COST',
  amountEurCents,
});

/**
 * The evaluated projects: three parking-area projects with running costs (guards, CCTV operators,
 * patrol dogs), each with the funding lines given, submitted at once, approved by both parties and
 * FUNDED. Their proposal ids, in that order.
 */
export async function fundParkingProjects(
  cloud: TestCloud,
  funding: { guards: FundingLine[]; cctv: FundingLine[]; dogs: FundingLine[] },
): Promise<[string, string, string]> {
  const projects = [
    { title: 'East parking guards', funding: funding.guards },
    { title: 'East parking CCTV operators', funding: funding.cctv },
    { title: 'Parking patrol dogs', funding: funding.dogs },
  ];
  const submitted = await Promise.all(
    projects.map((project) =>
      cloud.submit(sampleProposal({ ...project, category: 'PARKING_AREA_SECURITY' })),
    ),
  );
  const ids = submitted.map((s) => s.proposalId);
  await approveAll(cloud, ids);
  for (const id of ids) await settle(cloud, id, ['FUNDED']);
  const [guards, cctv, dogs] = ids;
  if (!guards || !cctv || !dogs) throw new Error('three projects submitted, fewer proposal ids back');
  return [guards, cctv, dogs];
}

export interface CostReportLink {
  url: string;
  reportId: string;
  token: string;
}

/** An ISO date `months` months and `days` days before today (UTC). */
export function dateAgo(months: number, days = 0): string {
  const date = new Date();
  date.setUTCMonth(date.getUTCMonth() - months);
  date.setUTCDate(date.getUTCDate() - days);
  return date.toISOString().slice(0, 10);
}

const COST_REPORT_LINK = /https?:\/\/\S+\/cost-reports\/([0-9a-f-]{36})\?token=([A-Za-z0-9_%-]+)/;

/** Waits for the cost report email about a proposal (to its contact) and returns its link. */
export async function costReportLink(
  cloud: TestCloud,
  proposalId: string,
  fundYear: number,
): Promise<CostReportLink> {
  return waitUntil(async () => {
    const email = cloud.outbox
      .list()
      .find(
        (e) =>
          e.to.includes(PORT) &&
          e.text.includes(proposalId) &&
          e.text.includes(`/cost-reports/`) &&
          e.subject.includes(`fund year ${fundYear}`),
      );
    const match = email ? COST_REPORT_LINK.exec(email.text) : null;
    if (!match) return undefined;
    return {
      url: match[0],
      reportId: match[1] as string,
      token: decodeURIComponent(match[2] as string),
    };
  }, `the cost report email of ${proposalId} for fund year ${fundYear}`);
}

/** The sign-off link emailed to an approver about an evaluation round (`EVAL-FY1`, `EVAL-FY1-R2`). */
export async function evaluationSignOffLink(cloud: TestCloud, to: string, evaluationId: string) {
  await cloud.waitForEmail((e) => e.to.includes(to) && e.text.includes(evaluationId), 30_000);
  const [link] = await cloud.linksFor(to, evaluationId);
  if (!link) throw new Error(`no ${evaluationId} link for ${to}`);
  return link;
}

/** Posts the report form as a browser would. */
export function postCostReport(
  cloud: TestCloud,
  link: Pick<CostReportLink, 'reportId' | 'token'>,
  fields: Record<string, string>,
): Promise<Response> {
  return fetch(`${cloud.baseUrl}/cost-reports/${link.reportId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: link.token, ...fields }).toString(),
  });
}

export interface EvaluationReport {
  fundYear: number;
  evaluationId: string;
  round: number;
  status: string;
  lines: {
    proposalId: string;
    reportStatus: string;
    fundedEurCents: number;
    fundedGbpPence: number;
    actualEurCents: number | null;
    actualGbpPence: number | null;
    nextTrancheEurCents: number;
    nextTrancheGbpPence: number;
    paymentReference?: string;
  }[];
  totals: Record<string, number>;
  signOffs: { authority: string; status: string }[];
  reports: {
    proposalId: string;
    status: string;
    dueBy: string;
    submittedAt?: string;
    closedAt?: string;
    actualEurCents?: number;
  }[];
  earlyStart?: { reason: string; opensAt: string };
  previousRounds: { round: number; evaluationId: string; status: string }[];
}

export async function evaluationReport(cloud: TestCloud, fundYear: number): Promise<EvaluationReport> {
  const response = await cloud.api('GET', `/evaluations/${fundYear}`, { as: 'finance' });
  if (response.status !== 200) throw new Error(`GET /evaluations/${fundYear}: ${response.status}`);
  return (await response.json()) as EvaluationReport;
}

/** Waits until the evaluation of a year reaches one of `statuses`. */
export function evaluationReaches(
  cloud: TestCloud,
  fundYear: number,
  statuses: string[],
  timeoutMs = 45_000,
): Promise<EvaluationReport> {
  return waitUntil(
    async () => {
      const response = await cloud.api('GET', `/evaluations/${fundYear}`, { as: 'finance' });
      if (response.status !== 200) return undefined;
      const report = (await response.json()) as EvaluationReport;
      return statuses.includes(report.status) ? report : undefined;
    },
    `the evaluation of fund year ${fundYear} to reach ${statuses.join('/')}`,
    timeoutMs,
  );
}

/** The `evaluation` executions, oldest first, with their inputs. */
export function evaluationExecutions(cloud: TestCloud) {
  return cloud.engine
    .listExecutions({ stateMachineArn: cloud.stateMachineArn('evaluation') })
    .map((execution) => ({
      ...execution,
      input: JSON.parse(cloud.engine.describeExecution(execution.executionArn).input) as Record<
        string,
        unknown
      >,
    }))
    .sort((a, b) => a.startDate.localeCompare(b.startDate));
}

/** Waits for an execution to finish; its history. */
export async function finishedExecution(cloud: TestCloud, executionArn: string, timeoutMs = 45_000) {
  let timer: NodeJS.Timeout | undefined;
  const record = await Promise.race([
    cloud.engine.waitForExecution(executionArn),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${executionArn} did not finish`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  return { status: record.status, history: cloud.engine.getExecutionHistory(executionArn) as HistoryEvent[] };
}

/** How many times a state was entered. */
export function timesEntered(history: HistoryEvent[], state: string): number {
  return entered(history).filter((name) => name === state).length;
}
