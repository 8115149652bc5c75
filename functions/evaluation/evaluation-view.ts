/**
 * What `GET /evaluations/{fundYear}` shows: the evaluation's lines (funded, actual, next-year tranche,
 * each in EUR cents and GBP pence), their totals, the UK and FR sign-offs, the cost reports and the
 * tranches paid. Built from the records only, so the report can never drift from what happened.
 */

import { eurCentsToGbpPence, REFERENCE_RATE } from '../funding/domain/money.ts';
import type { SignOffRequest } from '../sign-off/data/sign-offs.ts';
import type { CostReport } from './data/cost-reports.ts';
import { type EvaluationRecord, roundOf } from './data/evaluations.ts';

const gbp = (eurCents: number | null) => (eurCents === null ? null : eurCentsToGbpPence(eurCents));

export function evaluationView(record: EvaluationRecord, reports: CostReport[], requests: SignOffRequest[]) {
  const paid = new Map((record.tranches ?? []).map((tranche) => [tranche.proposalId, tranche]));
  const lines = (record.lines ?? []).map((line) => ({
    proposalId: line.proposalId,
    title: line.title,
    reportStatus: line.reportStatus,
    fundedEurCents: line.fundedEurCents,
    fundedGbpPence: eurCentsToGbpPence(line.fundedEurCents),
    actualEurCents: line.actualEurCents,
    actualGbpPence: gbp(line.actualEurCents),
    nextTrancheEurCents: line.nextTrancheEurCents,
    nextTrancheGbpPence: eurCentsToGbpPence(line.nextTrancheEurCents),
    ...(line.note ? { note: line.note } : {}),
    ...(paid.get(line.proposalId) ? { paymentReference: paid.get(line.proposalId)?.paymentReference } : {}),
  }));
  const sum = (pick: (line: (typeof lines)[number]) => number | null) =>
    lines.reduce((total, line) => total + (pick(line) ?? 0), 0);
  return {
    fundYear: record.fundYear,
    nextFundYear: record.fundYear + 1,
    evaluationId: record.evaluationId,
    round: roundOf(record),
    status: record.status,
    startedAt: record.startedAt,
    ...(record.earlyStart ? { earlyStart: record.earlyStart } : {}),
    ...(record.reportsDueBy ? { reportsDueBy: record.reportsDueBy } : {}),
    ...(record.summarisedAt ? { summarisedAt: record.summarisedAt } : {}),
    ...(record.decidedAt ? { decidedAt: record.decidedAt } : {}),
    ...(record.reason ? { reason: record.reason } : {}),
    currency: 'EUR',
    rate: REFERENCE_RATE,
    lines,
    totals: {
      fundedEurCents: sum((l) => l.fundedEurCents),
      fundedGbpPence: sum((l) => l.fundedGbpPence),
      actualEurCents: sum((l) => l.actualEurCents),
      actualGbpPence: sum((l) => l.actualGbpPence),
      nextTrancheEurCents: sum((l) => l.nextTrancheEurCents),
      nextTrancheGbpPence: sum((l) => l.nextTrancheGbpPence),
    },
    signOffs: requests
      .filter((request) => request.authority !== 'ROAD')
      .sort((a, b) => a.authority.localeCompare(b.authority))
      .map((request) => ({
        authority: request.authority,
        status: request.status,
        requestedAt: request.createdAt,
        expiresAt: request.expiresAt,
        // Both always present (null until decided, or without a comment), as the contract lists them.
        decidedAt: request.decidedAt ?? null,
        comment: request.comment ?? null,
        ...(request.decidedAt ? { byDeputy: request.decidedStage === 'DEPUTY' } : {}),
      })),
    reports: reports
      .sort((a, b) => a.title.localeCompare(b.title) || a.proposalId.localeCompare(b.proposalId))
      .map((report) => ({
        proposalId: report.proposalId,
        title: report.title,
        status: report.status,
        requestedAt: report.createdAt,
        dueBy: report.expiresAt,
        ...(report.firstSubmittedAt ? { firstSubmittedAt: report.firstSubmittedAt } : {}),
        ...(report.submittedAt ? { submittedAt: report.submittedAt } : {}),
        ...(report.closedAt ? { closedAt: report.closedAt } : {}),
        ...(report.actualEurCents !== undefined
          ? {
              actualEurCents: report.actualEurCents,
              actualGbpPence: eurCentsToGbpPence(report.actualEurCents),
            }
          : {}),
        ...(report.note ? { note: report.note } : {}),
      })),
    tranches: record.tranches ?? [],
    /** Earlier rounds of this year's evaluation, oldest first: how each ended, and its lines. */
    previousRounds: (record.previousRounds ?? []).map((round) => ({
      round: round.round,
      evaluationId: round.evaluationId,
      status: round.status,
      startedAt: round.startedAt,
      ...(round.decidedAt ? { decidedAt: round.decidedAt } : {}),
      ...(round.reason ? { reason: round.reason } : {}),
      ...(round.earlyStart ? { earlyStart: round.earlyStart } : {}),
      lines: round.lines.map((line) => ({
        proposalId: line.proposalId,
        title: line.title,
        reportStatus: line.reportStatus,
        actualEurCents: line.actualEurCents,
        nextTrancheEurCents: line.nextTrancheEurCents,
      })),
    })),
    ...(record.releasedAt ? { releasedAt: record.releasedAt } : {}),
  };
}

export type EvaluationView = ReturnType<typeof evaluationView>;
