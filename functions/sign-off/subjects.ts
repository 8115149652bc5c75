/** The summary of what is being signed off, for pages and emails. */

import { reportsForEvaluation } from '../evaluation/data/cost-reports.ts';
import { getEvaluation, roundOf } from '../evaluation/data/evaluations.ts';
import { parseEvaluationSubject } from '../evaluation/domain/evaluation.ts';
import { getEnvelopes } from '../funding/data/envelopes.ts';
import type { SubjectSummary } from '../pages/pages.ts';
import { WorkflowError } from '../platform/errors.ts';
import { getProposal, proposalPartition } from '../proposals/data/proposals.ts';
import { requestsForSubject, requestsOf } from './data/sign-offs.ts';
import { decisionNotes } from './decisions.ts';
import type { Authority, SubjectType } from './domain/sign-off.ts';

/**
 * `reader`: the authority the summary is for; what the other authorities decided comes with it.
 * `withEnvelopes`: the envelopes' room now and after the decision (the page shows it; emails do not,
 * since the figures would be stale by the time the email is read).
 */
export async function subjectSummary(
  subjectType: SubjectType,
  subjectId: string,
  reader?: Authority,
  { withEnvelopes = false }: { withEnvelopes?: boolean } = {},
): Promise<SubjectSummary | undefined> {
  const envelopesIfAsked = () => (withEnvelopes ? getEnvelopes() : Promise.resolve([]));
  if (subjectType === 'PROPOSAL') {
    // The proposal and its sign-off pointers in one Query; the reader's own request is not shown.
    const [{ proposal, signOffs }, envelopes] = await Promise.all([
      proposalPartition(subjectId),
      envelopesIfAsked(),
    ]);
    if (!proposal) return undefined;
    const requests = await requestsOf(signOffs, reader);
    const asked = new Map<number, number>();
    for (const line of proposal.funding)
      asked.set(line.fundYear, (asked.get(line.fundYear) ?? 0) + line.amountEurCents);
    return {
      type: 'PROPOSAL',
      proposalId: proposal.proposalId,
      title: proposal.title,
      category: proposal.category,
      description: proposal.description,
      contactEmail: proposal.contactEmail,
      funding: proposal.funding,
      decisions: decisionNotes(requests, reader),
      // Each year the proposal asks money of: its room now, and what approving would take from it.
      envelopes: envelopes
        .filter((e) => asked.has(e.fundYear))
        .map((e) => ({
          fundYear: e.fundYear,
          capEurCents: e.capEurCents,
          committedEurCents: e.committedEurCents,
          changeEurCents: asked.get(e.fundYear) ?? 0,
        })),
    };
  }
  if (subjectType === 'EVALUATION') {
    // `FY<n>` (`FY<n>-R<r>`): round r of the evaluation of fund year n, once its lines are set (only
    // then is it signed off); a round that is no longer current is not shown.
    const round = parseEvaluationSubject(subjectId);
    const evaluation = round ? await getEvaluation(round.fundYear) : undefined;
    if (!evaluation?.lines || !round || roundOf(evaluation) !== round.round) return undefined;
    const [reports, requests, envelopes] = await Promise.all([
      reportsForEvaluation(evaluation.fundYear, round.round),
      requestsForSubject('EVALUATION', subjectId),
      envelopesIfAsked(),
    ]);
    const next = envelopes.find((e) => e.fundYear === evaluation.fundYear + 1);
    // A line without a report is not decided by this round: its commitment stays.
    const returned = evaluation.lines
      .filter((line) => line.actualEurCents !== null)
      .reduce((sum, line) => sum + Math.max(0, line.fundedEurCents - line.nextTrancheEurCents), 0);
    return {
      type: 'EVALUATION',
      evaluationId: evaluation.evaluationId,
      fundYear: evaluation.fundYear,
      title: evaluationTitle(evaluation.fundYear),
      lines: evaluation.lines.map((line) => ({
        proposalId: line.proposalId,
        title: line.title,
        fundedEurCents: line.fundedEurCents,
        actualEurCents: line.actualEurCents,
        nextTrancheEurCents: line.nextTrancheEurCents,
        ...noteOf(line.note ?? reports.find((r) => r.proposalId === line.proposalId)?.note),
      })),
      ...(next
        ? {
            envelope: {
              fundYear: next.fundYear,
              capEurCents: next.capEurCents,
              committedEurCents: next.committedEurCents,
              changeEurCents: -returned,
            },
          }
        : {}),
      decisions: decisionNotes(requests, reader),
    };
  }
  throw new WorkflowError(
    'SignOff.UnknownSubject',
    `Subjects of type ${String(subjectType)} are not handled`,
  );
}

/** What a receipt names of its subject: its title and reference (one read). */
export async function subjectTitle(
  subjectType: SubjectType,
  subjectId: string,
): Promise<{ title: string; reference: string } | undefined> {
  if (subjectType === 'PROPOSAL') {
    const proposal = await getProposal(subjectId);
    return proposal && { title: proposal.title, reference: proposal.proposalId };
  }
  if (subjectType === 'EVALUATION') {
    // As the summary: a round that is no longer current, or whose lines are not set, is not shown.
    const round = parseEvaluationSubject(subjectId);
    const evaluation = round ? await getEvaluation(round.fundYear) : undefined;
    if (!evaluation?.lines || !round || roundOf(evaluation) !== round.round) return undefined;
    return { title: evaluationTitle(evaluation.fundYear), reference: evaluation.evaluationId };
  }
  throw new WorkflowError(
    'SignOff.UnknownSubject',
    `Subjects of type ${String(subjectType)} are not handled`,
  );
}

function evaluationTitle(fundYear: number): string {
  return `Annual security-cost evaluation, fund year ${fundYear} / Évaluation annuelle des coûts de sûreté, année ${fundYear}`;
}

function noteOf(note: string | undefined): { note?: string } {
  return note?.trim() ? { note: note.trim() } : {};
}
