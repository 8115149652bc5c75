/**
 * Moving a proposal to its next status (only as the fund's rules allow) and telling the port
 * authority (French first): the record-proposal-outcome task, and the approval flow's payment step,
 * which records FUNDED once the money is in the ledger. Idempotent: re-running it for a status
 * already reached changes nothing, and the email is sent until it is confirmed once
 * (`pendingNotice`). FUNDED with everything granted already paid (one open year's investment) goes
 * on to COMPLETED in the same step. APPROVED is refused (`SignOff.NotRecorded`) unless every required
 * decision recorded in the table is an approval, and sends no email: FUNDED (or FUNDS_UNAVAILABLE)
 * follows in the same second, and the FUNDED email, to the port authority and finance, carries the
 * commitments and the payments made on the way (their steps send nothing themselves).
 */

import { type Commitment, getEnvelopes } from '../funding/data/envelopes.ts';
import { queryDisbursements } from '../funding/data/ledger.ts';
import type { LedgerRecord } from '../funding/domain/ledger.ts';
import {
  authorityOutcomeEmail,
  type EnvelopeShortfall,
  type FundedFigures,
  proposalOutcomeEmail,
} from '../pages/emails.ts';
import { authorityDirectory, config, proposalPageUrl } from '../platform/config.ts';
import { WorkflowError } from '../platform/errors.ts';
import { logger } from '../platform/logger.ts';
import { sendEmail } from '../platform/mail.ts';
import { requestsOf, type SignOffRequest } from '../sign-off/data/sign-offs.ts';
import { type DecisionNote, decisionNotes } from '../sign-off/decisions.ts';
import { subjectPageUrl } from '../sign-off/request-links.ts';
import {
  clearPendingNotice,
  completeIfSettled,
  type ProposalPartition,
  type ProposalRecord,
  proposalPartition,
  transitionProposal,
} from './data/proposals.ts';
import { isFinal, isProposalStatus, type ProposalStatus } from './domain/statuses.ts';
import { requireRecordedApprovals } from './recorded-approvals.ts';

export interface RecordOutcomeInput {
  proposalId: string;
  status: ProposalStatus;
  reason?: string;
}

/**
 * The outcome, to each authority that decided or let its request run out (a withdrawn one was told
 * already, with the reason), so approvers and the road authority learn how it ended.
 */
async function tellAuthorities(
  record: ProposalRecord,
  input: RecordOutcomeInput,
  requests: SignOffRequest[],
  decisions: DecisionNote[],
  why: Why,
): Promise<void> {
  const directory = authorityDirectory();
  for (const request of requests) {
    if (!['APPROVED', 'REJECTED', 'EXPIRED'].includes(request.status)) continue;
    const entry = directory[request.authority];
    const to = [entry.primary];
    if (request.sentStages.includes('DEPUTY') && entry.deputy !== entry.primary) to.push(entry.deputy);
    await sendEmail(
      to,
      authorityOutcomeEmail({
        authority: request.authority,
        proposalId: record.proposalId,
        title: record.title,
        status: input.status,
        decisions,
        ...(input.reason ? { reason: input.reason } : {}),
        ...(why.funded
          ? {
              amounts: {
                committedEurCents: why.funded.commitments.reduce((sum, c) => sum + c.eurCents, 0),
                rate: record.rate,
              },
            }
          : {}),
        ...(why.shortfalls ? { shortfalls: why.shortfalls } : {}),
        link: subjectPageUrl('PROPOSAL', record.proposalId),
      }),
    );
  }
}

/** What explains an outcome in figures: the shortfall of a full envelope, or what was funded. */
interface Why {
  shortfalls?: EnvelopeShortfall[];
  funded?: FundedFigures;
}

async function explain(
  record: ProposalRecord,
  status: ProposalStatus,
  stored: Commitment[],
  payments: LedgerRecord[] | undefined,
): Promise<Why> {
  if (status !== 'FUNDED' && status !== 'FUNDS_UNAVAILABLE') return {};
  const asked = new Map<number, number>();
  for (const line of record.funding)
    asked.set(line.fundYear, (asked.get(line.fundYear) ?? 0) + line.amountEurCents);
  const envelopes = (await getEnvelopes()).filter((e) => asked.has(e.fundYear));
  const left = (e: { capEurCents: number; committedEurCents: number }) => e.capEurCents - e.committedEurCents;
  if (status === 'FUNDS_UNAVAILABLE') {
    // Nothing of this proposal is committed any more (compensation ran first): the room it lacked.
    const shortfalls = envelopes
      .filter((e) => left(e) < (asked.get(e.fundYear) ?? 0))
      .map((e) => ({
        fundYear: e.fundYear,
        leftEurCents: left(e),
        askedEurCents: asked.get(e.fundYear) ?? 0,
      }));
    return shortfalls.length > 0 ? { shortfalls } : {};
  }
  // The payments the caller made on the way (every one of the proposal's so far), or else the
  // proposal's records in the ledger.
  const paid = payments ?? (await queryDisbursements({ proposalId: record.proposalId }, 100)).items;
  return {
    funded: {
      commitments: stored
        .filter((c) => c.status === 'COMMITTED')
        .sort((a, b) => a.fundYear - b.fundYear)
        .map((c) => ({ fundYear: c.fundYear, eurCents: c.amountEurCents })),
      payments: [...paid]
        .sort((a, b) => a.seq - b.seq)
        .map((r) => ({
          fundYear: r.fundYear,
          purpose: r.purpose,
          eurCents: r.amountEurCents,
          paymentReference: r.paymentReference,
          ledgerWitness: `${r.seq}:${r.hash}`,
        })),
      envelopes: envelopes.map((e) => ({ fundYear: e.fundYear, leftEurCents: left(e) })),
    },
  };
}

/**
 * What a caller that read or paid already hands over, so it is not read again: `read`, the proposal as
 * it read it (strongly); `payments`, every ledger record of the proposal (the payments on the way to
 * FUNDED, which it has just made).
 */
export interface KnownToCaller {
  read?: ProposalRecord;
  payments?: LedgerRecord[];
}

export async function recordProposalOutcome(
  input: RecordOutcomeInput,
  { read, payments }: KnownToCaller = {},
): Promise<{ proposalId: string; status: ProposalStatus; changed: boolean }> {
  if (typeof input.proposalId !== 'string' || !isProposalStatus(input.status)) {
    throw new WorkflowError('Proposal.InvalidInput', `Invalid outcome input: ${JSON.stringify(input)}`);
  }
  let before = read;
  if (input.status === 'APPROVED') {
    const { proposal, signOffs } = await proposalPartition(input.proposalId);
    if (!proposal) throw new WorkflowError('Proposal.NotFound', `No proposal ${input.proposalId}`);
    await requireRecordedApprovals(proposal, signOffs);
    before = proposal;
  }
  const { changed, record } = await transitionProposal(
    input.proposalId,
    input.status,
    new Date().toISOString(),
    input.reason,
    { read: before },
  );
  // Read once the status is recorded: the sign-offs, commitments and claims the email and the
  // settlement below need, in one Query.
  let partition: ProposalPartition | undefined;
  const noticeSent = record.pendingNotice === input.status;
  if (noticeSent) {
    // APPROVED is followed in the same second by FUNDED or FUNDS_UNAVAILABLE, whose email says both.
    if (input.status !== 'APPROVED') {
      partition = await proposalPartition(input.proposalId);
      const [requests, why] = await Promise.all([
        requestsOf(partition.signOffs),
        explain(record, input.status, partition.commitments, payments),
      ]);
      const decisions = decisionNotes(requests);
      const rejection =
        input.status === 'REJECTED' ? requests.find((r) => r.status === 'REJECTED') : undefined;
      const unanswered =
        input.status === 'EXPIRED'
          ? requests.filter((r) => r.status === 'EXPIRED').map((r) => r.authority)
          : [];
      // Finance reads the FUNDED email too: it names each payment's ledger record.
      const to = why.funded ? [record.contactEmail, config().FINANCE_EMAIL] : [record.contactEmail];
      await sendEmail(
        to,
        proposalOutcomeEmail({
          proposalId: record.proposalId,
          title: record.title,
          status: input.status,
          ...(input.reason ? { reason: input.reason } : {}),
          ...(rejection ? { rejectedBy: rejection.authority } : {}),
          ...(rejection?.comment ? { comment: rejection.comment } : {}),
          ...(unanswered.length > 0 ? { unanswered } : {}),
          ...(why.shortfalls ? { shortfalls: why.shortfalls } : {}),
          ...(why.funded ? { funded: why.funded } : {}),
          amounts: {
            requestedEurCents: record.funding.reduce((sum, line) => sum + line.amountEurCents, 0),
            rate: record.rate,
          },
          ...linkTo(record.proposalId),
          decisions,
        }),
      );
      if (isFinal(input.status) || input.status === 'FUNDED') {
        await tellAuthorities(record, input, requests, decisions, why);
      }
    }
  }
  // Everything granted may be paid already (one year's investment): then its life ends here, in the
  // write that also clears the notice just sent; otherwise (or if that write fails) it is cleared on
  // its own, so a retry does not send the email again.
  let final = record;
  try {
    if (input.status === 'FUNDED')
      final =
        (await completeIfSettled(record.proposalId, new Date().toISOString(), partition, {
          clearNotice: noticeSent,
        })) ?? record;
  } finally {
    if (noticeSent && final.pendingNotice === input.status)
      await clearPendingNotice(record.proposalId, input.status);
  }
  logger.info('proposal status recorded', { proposalId: record.proposalId, status: final.status, changed });
  return { proposalId: record.proposalId, status: final.status, changed };
}

function linkTo(proposalId: string): { link?: string } {
  const link = proposalPageUrl(proposalId);
  return link ? { link } : {};
}
