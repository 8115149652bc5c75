/**
 * The annual security-cost evaluation (the declaration: "investment and annual security costs will
 * be evaluated"). The evaluation of fund year N compares, for each funded project, the actual annual
 * security cost the port authority reports for year N with what the fund committed for the project's
 * running costs, and decides the project's running-cost tranche for year N+1:
 *
 *   tranche(N+1) = min(RUNNING_COST committed for year N+1, actual cost reported for year N)
 *
 * so the fund never pays more than it committed, nor more than the security actually costs. No report
 * by the deadline means no evidence of cost, hence no tranche (0): no report, no money.
 * Projects are the FUNDED proposals with a RUNNING_COST line in year N+1. Only years 1 and 2 are
 * evaluated: year 3 is the fund's last, so there is no year 4 whose tranche its evaluation could decide.
 */
import { type FundYear, fundYearBounds } from '../../funding/domain/fund.ts';

export const EVALUATED_YEARS = [1, 2] as const;
export type EvaluatedYear = (typeof EVALUATED_YEARS)[number];

export function isEvaluatedYear(value: unknown): value is EvaluatedYear {
  return value === 1 || value === 2;
}

/** An evaluation opens this long before its fund year ends (the schedule starts it then). */
export const EVALUATION_OPENS_BEFORE_YEAR_END_DAYS = 30;

/** How long the port authority has to report a cost (the workflow's task timeout says the same). */
export const COST_REPORT_WINDOW_SECONDS = 14 * 24 * 3600;

export const EVALUATION_STATUSES = [
  'COLLECTING_REPORTS',
  'AWAITING_SIGN_OFF',
  'APPROVED',
  'REJECTED',
  'EXPIRED',
  'NO_PROJECTS',
] as const;
export type EvaluationStatus = (typeof EVALUATION_STATUSES)[number];

/** Statuses an evaluation never leaves: once there, the year cannot be evaluated again. */
export const FINAL_EVALUATION_STATUSES: readonly EvaluationStatus[] = [
  'APPROVED',
  'REJECTED',
  'EXPIRED',
  'NO_PROJECTS',
];

export function isFinalEvaluationStatus(status: EvaluationStatus): boolean {
  return FINAL_EVALUATION_STATUSES.includes(status);
}

export const COST_REPORT_STATUSES = ['PENDING', 'SUBMITTED', 'EXPIRED'] as const;
export type CostReportStatus = (typeof COST_REPORT_STATUSES)[number];

/** The sign-off subject id of the evaluation of fund year N (`FY1`). */
export const evaluationSubjectId = (fundYear: number): string => `FY${fundYear}`;
/** The evaluation's reference, as emails and pages show it. */
export const evaluationIdOf = (fundYear: number): string => `EVAL-FY${fundYear}`;
/** The name of the execution `POST /evaluations` starts: one per fund year. */
export const evaluationExecutionName = (fundYear: number): string => `evaluation-FY${fundYear}`;

export function fundYearOfSubject(subjectId: string): EvaluatedYear | undefined {
  const year = Number(/^FY(\d)$/.exec(subjectId)?.[1]);
  return isEvaluatedYear(year) ? year : undefined;
}

/** The next year's tranche: the lower of the commitment and the reported cost; nothing without a report. */
export function nextTranche(committedEurCents: number, actualEurCents: number | null): number {
  if (actualEurCents === null) return 0;
  return Math.max(0, Math.min(committedEurCents, actualEurCents));
}

const DAY_MS = 24 * 3600 * 1000;

/** From when year N may be evaluated (30 days before it ends), and when it ends. */
export function evaluationWindow(fundStart: Date, fundYear: FundYear): { opensAt: Date; yearEndsAt: Date } {
  const { end } = fundYearBounds(fundStart, fundYear);
  return {
    opensAt: new Date(end.getTime() - EVALUATION_OPENS_BEFORE_YEAR_END_DAYS * DAY_MS),
    yearEndsAt: end,
  };
}

/** May an evaluation of year N start at `at`? From 30 days before the year ends, and any time after. */
export function evaluationIsOpen(fundStart: Date, fundYear: EvaluatedYear, at: Date): boolean {
  return at >= evaluationWindow(fundStart, fundYear).opensAt;
}

/** The year the daily schedule should evaluate at `at`: one that ends within the next 30 days. */
export function yearEndingSoon(fundStart: Date, at: Date): EvaluatedYear | undefined {
  return EVALUATED_YEARS.find((year) => {
    const { opensAt, yearEndsAt } = evaluationWindow(fundStart, year);
    return at >= opensAt && at < yearEndsAt;
  });
}
