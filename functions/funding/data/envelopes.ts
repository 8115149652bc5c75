/**
 * Fund-year envelopes and a proposal's commitments against them. No transactions: each step is a
 * single-item conditional write that can be retried or re-run without changing the outcome.
 * Committing one year:
 *   1. the commitment item is claimed (PENDING) under the proposal;
 *   2. if the proposal's commitments were closed (released), the claim is dropped: nothing is taken;
 *   3. the envelope takes the amount only if the proposal is not in its set yet AND the amount fits
 *      under the cap, in one conditional update: concurrent commits can never overshoot the cap;
 *   4. the commitment becomes COMMITTED only if it is still PENDING; if a release got there first,
 *      the commit gives the amount back itself.
 * Releasing (compensation): first the proposal's commitments are closed (a marker item), then each
 * commitment is marked RELEASED and its amount given back if the envelope still holds it. Whatever
 * the interleaving of a late commit and a release, nothing stays committed.
 *
 * Due money is found by a query, never by visiting every funded proposal: a commitment whose year
 * holds an investment not yet paid carries a sparse index key (gsi1 `DUE#INVESTMENT` / `FY<n>#<id>`),
 * set in the write that makes it COMMITTED and removed once that investment is paid or the
 * commitment released. The daily release reads only the keys of the years that have opened.
 *
 * After an approved evaluation, the running cost committed beyond a project's tranche goes back to
 * its year's envelope: one conditional update of the envelope, marked in the envelope's own
 * `releasedLines` set so a re-run gives nothing back twice, then noted on the commitment.
 */
import * as v from 'valibot';
import { WorkflowError } from '../../platform/errors.ts';
import {
  commitmentKey,
  commitmentsClosedKey,
  dueInvestmentSk,
  ENVELOPE_PK,
  envelopeKey,
  INDEX_PK,
  proposalKey,
  SK_PREFIX,
} from '../../platform/keys.ts';
import {
  codec,
  getItem,
  putIfNew,
  queryAll,
  stringSet,
  updateExisting,
  updateIf,
  updateOnce,
} from '../../platform/table.ts';
import { ENVELOPE_CAP_EUR_CENTS, FUND_YEARS, type FundYear } from '../domain/fund.ts';
import { formatEuros } from '../domain/money.ts';

/** A fund year's envelope as stored: made by its first commit (an `ADD`), so every field is there. */
const envelope = codec(
  'Envelope',
  v.object({
    fundYear: v.number(),
    capEurCents: v.number(),
    committedEurCents: v.number(),
    /** The proposals whose commitment it holds (a string set: a commit takes each once). */
    proposals: stringSet(v.string()),
    /** `<proposalId>#RUNNING_COST` lines whose running cost beyond the tranche was given back. */
    releasedLines: stringSet(v.string()),
  }),
  ({ proposals, releasedLines, ...rest }) => ({
    ...rest,
    ...(proposals.length > 0 ? { proposals: new Set(proposals) } : {}),
    ...(releasedLines.length > 0 ? { releasedLines: new Set(releasedLines) } : {}),
  }),
);

export interface Envelope {
  fundYear: FundYear;
  capEurCents: number;
  committedEurCents: number;
}

const commitment = codec(
  'Commitment',
  v.pipe(
    v.object({
      proposalId: v.string(),
      fundYear: v.number(),
      amountEurCents: v.number(),
      status: v.picklist(['PENDING', 'COMMITTED', 'RELEASED']),
      committedAt: v.optional(v.string()),
      releasedAt: v.optional(v.string()),
      /** Why a claim was dropped before it was committed. */
      note: v.optional(v.string()),
      /** Running cost given back to the envelope after an approved evaluation (beyond the tranche). */
      runningCostReleasedEurCents: v.optional(v.number()),
      runningCostReleasedAt: v.optional(v.string()),
      gsi1pk: v.optional(v.string()),
    }),
    // In the due index while the year's investment is committed and unpaid.
    v.transform(({ gsi1pk, ...rest }) => ({ ...rest, investmentDue: gsi1pk === INDEX_PK.dueInvestment })),
  ),
  // Stored PENDING, outside the due index: the write that commits it puts it there.
  ({ investmentDue: _, ...rest }) => rest,
);
export type Commitment = ReturnType<typeof commitment.decode>;
/** Decodes a commitment read from a proposal's partition. */
export const decodeCommitment = commitment.decode;

/** The marker a release leaves on a proposal: a commit that claims a year after it steps back. */
const commitmentsClosed = codec('CommitmentsClosed', v.object({ closedAt: v.string() }));

export async function getEnvelopes(): Promise<Envelope[]> {
  const stored = await queryAll(envelope.decode, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': ENVELOPE_PK },
    ConsistentRead: true,
  });
  return FUND_YEARS.map((fundYear) => {
    const found = stored.find((e) => e.fundYear === fundYear);
    return {
      fundYear,
      capEurCents: found?.capEurCents ?? ENVELOPE_CAP_EUR_CENTS,
      committedEurCents: found?.committedEurCents ?? 0,
    };
  });
}

export function commitmentsOf(proposalId: string): Promise<Commitment[]> {
  return queryAll(commitment.decode, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': proposalKey(proposalId).pk, ':prefix': SK_PREFIX.commitment },
    ConsistentRead: true,
  });
}

/** Gives a proposal's amount back to an envelope, if the envelope holds it (idempotent). */
function giveBack(proposalId: string, fundYear: number, amountEurCents: number): Promise<boolean> {
  return updateOnce(envelopeKey(fundYear), {
    UpdateExpression: 'SET committedEurCents = committedEurCents - :amount DELETE proposals :proposals',
    ConditionExpression: 'contains(proposals, :proposal)',
    ExpressionAttributeValues: {
      ':amount': amountEurCents,
      ':proposals': new Set([proposalId]),
      ':proposal': proposalId,
    },
  });
}

/** Marks a commitment RELEASED unless it already is; returns whether this call did it. */
function markReleased(proposalId: string, fundYear: number, now: string, note?: string): Promise<boolean> {
  return updateOnce(commitmentKey(proposalId, fundYear), {
    UpdateExpression: `SET #status = :released, releasedAt = if_not_exists(releasedAt, :now)${note ? ', note = :note' : ''} REMOVE gsi1pk, gsi1sk`,
    ConditionExpression: 'attribute_exists(pk) AND #status <> :released',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':released': 'RELEASED',
      ':now': now,
      ...(note ? { ':note': note } : {}),
    },
  });
}

/**
 * Commits one fund year of a proposal; `false` when it was committed already (a re-run).
 * `investmentDue`: the year holds an investment that is not paid at once (its year has not opened),
 * so the commitment enters the due index the daily release queries.
 */
export async function commitFundYear(
  proposalId: string,
  fundYear: number,
  amountEurCents: number,
  now: string,
  options: { investmentDue?: boolean } = {},
): Promise<boolean> {
  if (!Number.isSafeInteger(amountEurCents) || amountEurCents <= 0) {
    throw new WorkflowError('Funds.InvalidAmount', `Invalid amount ${amountEurCents}`);
  }
  const released = () =>
    new WorkflowError(
      'Funds.CommitmentReleased',
      `${proposalId}: its commitments were released; FY${fundYear} is not committed`,
    );
  const claim = await putIfNew(commitment, commitmentKey(proposalId, fundYear), {
    proposalId,
    fundYear,
    amountEurCents,
    status: 'PENDING',
    investmentDue: false,
  });
  if (!claim.created) {
    const existing = claim.record;
    if (existing.status === 'COMMITTED') return false;
    if (existing.status === 'RELEASED') throw released();
    if (existing.amountEurCents !== amountEurCents) {
      throw new WorkflowError(
        'Funds.AmountMismatch',
        `${proposalId} FY${fundYear} is pending with another amount`,
      );
    }
  }
  // Checked after the claim exists: a release that closed the proposal before this point will not
  // have seen the claim, so the claim must step back by itself.
  if (await getItem(commitmentsClosed, commitmentsClosedKey(proposalId))) {
    await markReleased(proposalId, fundYear, now, 'released before it was committed');
    throw released();
  }
  const taken = await updateIf(envelope, envelopeKey(fundYear), {
    UpdateExpression:
      'SET committedEurCents = if_not_exists(committedEurCents, :zero) + :amount, capEurCents = if_not_exists(capEurCents, :cap), fundYear = :year ADD proposals :proposals',
    ConditionExpression:
      '(attribute_not_exists(proposals) OR NOT contains(proposals, :proposal)) AND (attribute_not_exists(committedEurCents) OR committedEurCents <= :limit)',
    ExpressionAttributeValues: {
      ':zero': 0,
      ':amount': amountEurCents,
      ':cap': ENVELOPE_CAP_EUR_CENTS,
      ':limit': ENVELOPE_CAP_EUR_CENTS - amountEurCents,
      ':year': fundYear,
      ':proposals': new Set([proposalId]),
      ':proposal': proposalId,
    },
  });
  // Refused, and not because an earlier run took the amount already: the envelope is full.
  if (!taken.updated && !taken.record?.proposals.includes(proposalId)) {
    // Nothing was taken from the envelope: drop the claim so a release has nothing to undo here.
    await markReleased(proposalId, fundYear, now, 'envelope full: nothing was committed');
    const remaining = ENVELOPE_CAP_EUR_CENTS - (taken.record?.committedEurCents ?? 0);
    throw new WorkflowError(
      'Funds.EnvelopeFull',
      `Fund year ${fundYear} has ${formatEuros(remaining)} left; ${proposalId} needs ${formatEuros(amountEurCents)}`,
    );
  }
  const committed = await updateOnce(commitmentKey(proposalId, fundYear), {
    UpdateExpression: `SET #status = :committed, committedAt = if_not_exists(committedAt, :now)${options.investmentDue ? ', gsi1pk = :due, gsi1sk = :dueKey' : ''}`,
    ConditionExpression: '#status IN (:pending, :committed)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':committed': 'COMMITTED',
      ':pending': 'PENDING',
      ':now': now,
      ...(options.investmentDue
        ? { ':due': INDEX_PK.dueInvestment, ':dueKey': dueInvestmentSk(proposalId, fundYear) }
        : {}),
    },
  });
  if (!committed) {
    // A release marked it while the envelope was being updated: give the amount back ourselves.
    await giveBack(proposalId, fundYear, amountEurCents);
    throw released();
  }
  return true;
}

/**
 * Undoes whatever part of a proposal's schedule was committed (the compensation step). It runs only
 * before a proposal is FUNDED, so no running cost of it has been released after an evaluation yet.
 */
export async function releaseCommitments(proposalId: string, now: string): Promise<number[]> {
  // Close first: a commit that claims a year after this point steps back by itself.
  await putIfNew(commitmentsClosed, commitmentsClosedKey(proposalId), { closedAt: now });
  const released: number[] = [];
  for (const commitment of await commitmentsOf(proposalId)) {
    await markReleased(proposalId, commitment.fundYear, now);
    if (await giveBack(proposalId, commitment.fundYear, commitment.amountEurCents))
      released.push(commitment.fundYear);
  }
  return released;
}

/** A commitment's investment is paid: it leaves the due index (idempotent). */
export function clearInvestmentDue(proposalId: string, fundYear: number): Promise<void> {
  return updateExisting(
    commitment,
    commitmentKey(proposalId, fundYear),
    { UpdateExpression: 'REMOVE gsi1pk, gsi1sk' },
    `${proposalId} FY${fundYear}`,
  );
}

export interface DueInvestment {
  proposalId: string;
  fundYear: number;
}

/**
 * The committed, unpaid investments of fund years 1..`throughFundYear` (those that have opened): one
 * query on the due index, whose cost follows what is due, not how many proposals are funded.
 */
export async function dueInvestments(throughFundYear: number): Promise<DueInvestment[]> {
  const due = await queryAll(commitment.decode, {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :due AND gsi1sk < :after',
    ExpressionAttributeValues: { ':due': INDEX_PK.dueInvestment, ':after': `FY${throughFundYear + 1}` },
  });
  return due.map(({ proposalId, fundYear }) => ({ proposalId, fundYear }));
}

/**
 * Gives back to year `fundYear`'s envelope the running cost committed beyond the tranche an approved
 * evaluation decided (`eurCents`, possibly the whole line when no report came). Once per proposal
 * and year, whoever asks and however often: the envelope records the line in `releasedLines` in the
 * same conditional update that lowers its committed total. Answers the amount this call gave back
 * (0 when a previous run did, or when there was nothing beyond the tranche).
 */
export async function releaseRunningCostBeyondTranche(
  proposalId: string,
  fundYear: number,
  eurCents: number,
  now: string,
): Promise<number> {
  if (!Number.isSafeInteger(eurCents) || eurCents < 0) {
    throw new WorkflowError('Funds.InvalidAmount', `Invalid amount ${eurCents}`);
  }
  const current = await getItem(commitment, commitmentKey(proposalId, fundYear));
  if (current?.status !== 'COMMITTED') {
    throw new WorkflowError(
      'Funds.NotCommitted',
      `FY${fundYear} of ${proposalId} is ${current?.status ?? 'not committed'}: nothing to release`,
    );
  }
  if (eurCents === 0) return 0;
  if (current.runningCostReleasedEurCents !== undefined) {
    if (current.runningCostReleasedEurCents !== eurCents) {
      throw new WorkflowError(
        'Funds.AmountMismatch',
        `FY${fundYear} running cost of ${proposalId} was released with another amount`,
      );
    }
    return 0;
  }
  if (eurCents > current.amountEurCents) {
    throw new WorkflowError(
      'Funds.InvalidAmount',
      `${eurCents} is more than the ${current.amountEurCents} committed for FY${fundYear} of ${proposalId}`,
    );
  }
  const line = `${proposalId}#RUNNING_COST`;
  const given = await updateIf(envelope, envelopeKey(fundYear), {
    UpdateExpression: 'SET committedEurCents = committedEurCents - :amount ADD releasedLines :line',
    ConditionExpression:
      'contains(proposals, :proposal) AND (attribute_not_exists(releasedLines) OR NOT contains(releasedLines, :lineId))',
    ExpressionAttributeValues: {
      ':amount': eurCents,
      ':line': new Set([line]),
      ':lineId': line,
      ':proposal': proposalId,
    },
  });
  if (!given.updated && !given.record?.releasedLines.includes(line)) {
    throw new WorkflowError('Funds.NotCommitted', `FY${fundYear}'s envelope does not hold ${proposalId}`);
  }
  // Not updated: a previous run gave it back and stopped before noting it on the commitment; note it now.
  await updateExisting(
    commitment,
    commitmentKey(proposalId, fundYear),
    {
      UpdateExpression:
        'SET runningCostReleasedEurCents = if_not_exists(runningCostReleasedEurCents, :amount), runningCostReleasedAt = if_not_exists(runningCostReleasedAt, :now)',
      ExpressionAttributeValues: { ':amount': eurCents, ':now': now },
    },
    `${proposalId} FY${fundYear}`,
  );
  return given.updated ? eurCents : 0;
}
