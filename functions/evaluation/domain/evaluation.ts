/**
 * The annual security-cost evaluation (the declaration: "investment and annual security costs will
 * be evaluated"). The evaluation of fund year N compares, for each funded project, the actual annual
 * security cost the port authority reports for year N with what the fund committed for the project's
 * running costs, and decides the project's running-cost tranche for year N+1:
 *
 *   tranche(N+1) = min(RUNNING_COST committed for year N+1, actual cost reported for year N)
 *
 * so the fund never pays more than it committed, nor more than the security actually costs. No report
 * by the deadline means no evidence of cost, hence no tranche from that round: the project is left
 * undecided (its commitment kept) for a new round, while the projects that reported are decided.
 * Projects are the FUNDED proposals with a RUNNING_COST line in year N+1. Only years 1 and 2 are
 * evaluated: year 3 is the fund's last, so there is no year 4 whose tranche its evaluation could decide.
 */
import * as v from 'valibot';
import { ENVELOPE_CAP_EUR_CENTS, type FundYear, fundYearBounds } from '../../funding/domain/fund.ts';

export const EVALUATED_YEARS = [1, 2] as const;
export type EvaluatedYear = (typeof EVALUATED_YEARS)[number];

export function isEvaluatedYear(value: unknown): value is EvaluatedYear {
  return value === 1 || value === 2;
}

/** A task's evaluation round as the evaluation flow hands it over: `{fundYear, round}`. */
export const evaluationRoundInput = {
  fundYear: v.picklist(EVALUATED_YEARS, 'must be a fund year that is evaluated (1 or 2)'),
  round: v.pipe(v.number(), v.integer(), v.minValue(1)),
};

/** An evaluation opens this long before its fund year ends (the schedule starts it then). */
export const EVALUATION_OPENS_BEFORE_YEAR_END_DAYS = 30;

const DAY_SECONDS = 24 * 3600;
/** How long the port authority has to report a cost (and to correct it): 14 days. */
export const COST_REPORT_WINDOW_SECONDS = 14 * DAY_SECONDS;
/** Reminders go to reports still missing this long before the deadline: 3 days, then 1 day. */
export const COST_REPORT_REMINDERS_BEFORE_DEADLINE_SECONDS = [3 * DAY_SECONDS, 1 * DAY_SECONDS] as const;

/** No annual cost can exceed the fund's yearly cap: a figure above it is refused as a typo. */
export const COST_REPORT_MAX_EUR_CENTS = ENVELOPE_CAP_EUR_CENTS;
/** A cost more than this many times what was committed is accepted only once confirmed. */
export const COST_REPORT_CONFIRM_FACTOR = 2;

/** Does a reported cost need the reporter's confirmation (far above what was committed)? */
/**
 * What a proposal committed for the running cost of the year after the evaluated one: the most its
 * tranche can be (0 when it has no such line, so it is not a project of that evaluation).
 */
export function runningCostAfter(
  funding: readonly { purpose: string; fundYear: number; amountEurCents: number }[],
  evaluatedYear: number,
): number {
  return funding
    .filter((line) => line.purpose === 'RUNNING_COST' && line.fundYear === evaluatedYear + 1)
    .reduce((sum, line) => sum + line.amountEurCents, 0);
}

export function costNeedsConfirmation(actualEurCents: number, fundedEurCents: number): boolean {
  return actualEurCents > COST_REPORT_CONFIRM_FACTOR * fundedEurCents;
}

export const EVALUATION_STATUSES = [
  'COLLECTING_REPORTS',
  'AWAITING_SIGN_OFF',
  'APPROVED',
  'PARTLY_APPROVED',
  'REJECTED',
  'EXPIRED',
  'NO_PROJECTS',
] as const;
export type EvaluationStatus = (typeof EVALUATION_STATUSES)[number];

/**
 * How a round ends. APPROVED: every project's tranche is decided. PARTLY_APPROVED: the projects that
 * reported are approved and paid, those without a report are left for a new round. REJECTED and
 * EXPIRED: nothing is decided; a new round asks again.
 */
export const FINAL_EVALUATION_STATUSES: readonly EvaluationStatus[] = [
  'APPROVED',
  'PARTLY_APPROVED',
  'REJECTED',
  'EXPIRED',
  'NO_PROJECTS',
];

/** Round outcomes after which `POST /evaluations` starts a new round for the projects still undecided. */
export const REDOABLE_EVALUATION_STATUSES: readonly EvaluationStatus[] = [
  'PARTLY_APPROVED',
  'REJECTED',
  'EXPIRED',
];

export function isFinalEvaluationStatus(status: EvaluationStatus): boolean {
  return FINAL_EVALUATION_STATUSES.includes(status);
}

export function isRedoableEvaluationStatus(status: EvaluationStatus): boolean {
  return REDOABLE_EVALUATION_STATUSES.includes(status);
}

export const COST_REPORT_STATUSES = ['PENDING', 'SUBMITTED', 'EXPIRED'] as const;
export type CostReportStatus = (typeof COST_REPORT_STATUSES)[number];

/**
 * The sign-off subject id of round r of the evaluation of fund year N: `FY1` (round 1, as before
 * rounds existed), `FY1-R2`. Each round has its own sign-off requests and cost reports.
 */
export const evaluationSubjectId = (fundYear: number, round = 1): string =>
  round === 1 ? `FY${fundYear}` : `FY${fundYear}-R${round}`;
/** The evaluation round's reference, as emails and pages show it: `EVAL-FY1`, `EVAL-FY1-R2`. */
export const evaluationIdOf = (fundYear: number, round = 1): string =>
  `EVAL-${evaluationSubjectId(fundYear, round)}`;
/** The name of the execution `POST /evaluations` starts: one per fund year and round. */
export const evaluationExecutionName = (fundYear: number, round = 1): string =>
  `evaluation-${evaluationSubjectId(fundYear, round)}`;

/** `FY1` or `FY1-R2` to its fund year and round. */
export function parseEvaluationSubject(
  subjectId: string,
): { fundYear: EvaluatedYear; round: number } | undefined {
  const match = /^FY(\d)(?:-R([1-9]\d{0,2}))?$/.exec(subjectId);
  const year = Number(match?.[1]);
  if (!match || !isEvaluatedYear(year)) return undefined;
  const round = match[2] === undefined ? 1 : Number(match[2]);
  return round === 1 && match[2] !== undefined ? undefined : { fundYear: year, round };
}

export function fundYearOfSubject(subjectId: string): EvaluatedYear | undefined {
  return parseEvaluationSubject(subjectId)?.fundYear;
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
