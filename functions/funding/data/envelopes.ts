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
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../../platform/dynamodb.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { fundTable, proposalKey } from '../../platform/keys.ts';
import { ENVELOPE_CAP_EUR_CENTS, FUND_YEARS, type FundYear } from '../domain/fund.ts';
import { formatEuros } from '../domain/money.ts';

export const envelopeKey = (fundYear: number) => ({ pk: 'ENVELOPE', sk: `FY#${fundYear}` });
const commitmentKey = (proposalId: string, fundYear: number) => ({
  pk: proposalKey(proposalId).pk,
  sk: `COMMITMENT#FY${fundYear}`,
});

export interface Envelope {
  fundYear: FundYear;
  capEurCents: number;
  committedEurCents: number;
}

export interface Commitment {
  proposalId: string;
  fundYear: number;
  amountEurCents: number;
  status: 'PENDING' | 'COMMITTED' | 'RELEASED';
  committedAt?: string;
  releasedAt?: string;
  /** Running cost given back to the envelope after an approved evaluation (beyond the tranche). */
  runningCostReleasedEurCents?: number;
  runningCostReleasedAt?: string;
  /** Set while the year's investment is committed and unpaid (the due index's partition). */
  gsi1pk?: string;
}

/** The due index: commitments whose investment is still to be paid, by fund year. */
const DUE_INVESTMENT = 'DUE#INVESTMENT';
const dueSortKey = (proposalId: string, fundYear: number) => `FY${fundYear}#${proposalId}`;

export async function getEnvelopes(): Promise<Envelope[]> {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: fundTable(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'ENVELOPE' },
      ConsistentRead: true,
    }),
  );
  return FUND_YEARS.map((fundYear) => {
    const item = Items.find((i) => i.sk === envelopeKey(fundYear).sk);
    return {
      fundYear,
      capEurCents: Number(item?.capEurCents ?? ENVELOPE_CAP_EUR_CENTS),
      committedEurCents: Number(item?.committedEurCents ?? 0),
    };
  });
}

async function getCommitment(proposalId: string, fundYear: number): Promise<Commitment | undefined> {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: fundTable(),
      Key: commitmentKey(proposalId, fundYear),
      ConsistentRead: true,
    }),
  );
  return Item as Commitment | undefined;
}

export async function commitmentsOf(proposalId: string): Promise<Commitment[]> {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: fundTable(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': proposalKey(proposalId).pk, ':prefix': 'COMMITMENT#' },
      ConsistentRead: true,
    }),
  );
  return Items as Commitment[];
}

// Not under the COMMITMENT# prefix, so listing a proposal's commitments never returns it.
const closedKey = (proposalId: string) => ({ pk: proposalKey(proposalId).pk, sk: 'CLOSED#COMMITMENTS' });

async function commitmentsClosed(proposalId: string): Promise<boolean> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: fundTable(), Key: closedKey(proposalId), ConsistentRead: true }),
  );
  return Item !== undefined;
}

/** Gives a proposal's amount back to an envelope, if the envelope holds it (idempotent). */
async function giveBack(proposalId: string, fundYear: number, amountEurCents: number): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: envelopeKey(fundYear),
        UpdateExpression: 'SET committedEurCents = committedEurCents - :amount DELETE proposals :proposals',
        ConditionExpression: 'contains(proposals, :proposal)',
        ExpressionAttributeValues: {
          ':amount': amountEurCents,
          ':proposals': new Set([proposalId]),
          ':proposal': proposalId,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Marks a commitment RELEASED unless it already is; returns whether this call did it. */
async function markReleased(
  proposalId: string,
  fundYear: number,
  now: string,
  note?: string,
): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: commitmentKey(proposalId, fundYear),
        UpdateExpression: `SET #status = :released, releasedAt = if_not_exists(releasedAt, :now)${note ? ', note = :note' : ''} REMOVE gsi1pk, gsi1sk`,
        ConditionExpression: 'attribute_exists(pk) AND #status <> :released',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':released': 'RELEASED',
          ':now': now,
          ...(note ? { ':note': note } : {}),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
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
  try {
    await documents.send(
      new PutCommand({
        TableName: fundTable(),
        Item: {
          ...commitmentKey(proposalId, fundYear),
          type: 'Commitment',
          proposalId,
          fundYear,
          amountEurCents,
          status: 'PENDING',
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const existing = await getCommitment(proposalId, fundYear);
    if (existing?.status === 'COMMITTED') return false;
    if (existing?.status === 'RELEASED') throw released();
    if (existing && existing.amountEurCents !== amountEurCents) {
      throw new WorkflowError(
        'Funds.AmountMismatch',
        `${proposalId} FY${fundYear} is pending with another amount`,
      );
    }
  }
  // Checked after the claim exists: a release that closed the proposal before this point will not
  // have seen the claim, so the claim must step back by itself.
  if (await commitmentsClosed(proposalId)) {
    await markReleased(proposalId, fundYear, now, 'released before it was committed');
    throw released();
  }
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: envelopeKey(fundYear),
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
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const { Item } = await documents.send(
      new GetCommand({ TableName: fundTable(), Key: envelopeKey(fundYear), ConsistentRead: true }),
    );
    const members = (Item?.proposals as Set<string> | undefined) ?? new Set<string>();
    if (!members.has(proposalId)) {
      // Nothing was taken from the envelope: drop the claim so a release has nothing to undo here.
      await markReleased(proposalId, fundYear, now, 'envelope full: nothing was committed');
      const remaining = ENVELOPE_CAP_EUR_CENTS - Number(Item?.committedEurCents ?? 0);
      throw new WorkflowError(
        'Funds.EnvelopeFull',
        `Fund year ${fundYear} has ${formatEuros(remaining)} left; ${proposalId} needs ${formatEuros(amountEurCents)}`,
      );
    }
  }
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: commitmentKey(proposalId, fundYear),
        UpdateExpression: `SET #status = :committed, committedAt = if_not_exists(committedAt, :now)${options.investmentDue ? ', gsi1pk = :due, gsi1sk = :dueKey' : ''}`,
        ConditionExpression: '#status IN (:pending, :committed)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':committed': 'COMMITTED',
          ':pending': 'PENDING',
          ':now': now,
          ...(options.investmentDue
            ? { ':due': DUE_INVESTMENT, ':dueKey': dueSortKey(proposalId, fundYear) }
            : {}),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
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
  await documents.send(
    new PutCommand({
      TableName: fundTable(),
      Item: { ...closedKey(proposalId), type: 'CommitmentsClosed', closedAt: now },
    }),
  );
  const released: number[] = [];
  for (const commitment of await commitmentsOf(proposalId)) {
    await markReleased(proposalId, commitment.fundYear, now);
    if (await giveBack(proposalId, commitment.fundYear, commitment.amountEurCents))
      released.push(commitment.fundYear);
  }
  return released;
}

/** A commitment's investment is paid: it leaves the due index (idempotent). */
export async function clearInvestmentDue(proposalId: string, fundYear: number): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: fundTable(),
      Key: commitmentKey(proposalId, fundYear),
      UpdateExpression: 'REMOVE gsi1pk, gsi1sk',
      ConditionExpression: 'attribute_exists(pk)',
    }),
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
  const due: DueInvestment[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: fundTable(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :due AND gsi1sk < :after',
        ExpressionAttributeValues: { ':due': DUE_INVESTMENT, ':after': `FY${throughFundYear + 1}` },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      if (typeof item.proposalId === 'string' && typeof item.fundYear === 'number') {
        due.push({ proposalId: item.proposalId, fundYear: item.fundYear });
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return due;
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
  const commitment = await getCommitment(proposalId, fundYear);
  if (commitment?.status !== 'COMMITTED') {
    throw new WorkflowError(
      'Funds.NotCommitted',
      `FY${fundYear} of ${proposalId} is ${commitment?.status ?? 'not committed'}: nothing to release`,
    );
  }
  if (eurCents === 0) return 0;
  if (commitment.runningCostReleasedEurCents !== undefined) {
    if (commitment.runningCostReleasedEurCents !== eurCents) {
      throw new WorkflowError(
        'Funds.AmountMismatch',
        `FY${fundYear} running cost of ${proposalId} was released with another amount`,
      );
    }
    return 0;
  }
  if (eurCents > commitment.amountEurCents) {
    throw new WorkflowError(
      'Funds.InvalidAmount',
      `${eurCents} is more than the ${commitment.amountEurCents} committed for FY${fundYear} of ${proposalId}`,
    );
  }
  const line = `${proposalId}#RUNNING_COST`;
  let gaveBack = eurCents;
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: envelopeKey(fundYear),
        UpdateExpression: 'SET committedEurCents = committedEurCents - :amount ADD releasedLines :line',
        ConditionExpression:
          'contains(proposals, :proposal) AND (attribute_not_exists(releasedLines) OR NOT contains(releasedLines, :lineId))',
        ExpressionAttributeValues: {
          ':amount': eurCents,
          ':line': new Set([line]),
          ':lineId': line,
          ':proposal': proposalId,
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const { Item } = await documents.send(
      new GetCommand({ TableName: fundTable(), Key: envelopeKey(fundYear), ConsistentRead: true }),
    );
    const released = (Item?.releasedLines as Set<string> | undefined) ?? new Set<string>();
    if (!released.has(line)) {
      throw new WorkflowError('Funds.NotCommitted', `FY${fundYear}'s envelope does not hold ${proposalId}`);
    }
    // A previous run gave it back and stopped before noting it on the commitment: note it now.
    gaveBack = 0;
  }
  await documents.send(
    new UpdateCommand({
      TableName: fundTable(),
      Key: commitmentKey(proposalId, fundYear),
      UpdateExpression:
        'SET runningCostReleasedEurCents = if_not_exists(runningCostReleasedEurCents, :amount), runningCostReleasedAt = if_not_exists(runningCostReleasedAt, :now)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':amount': eurCents, ':now': now },
    }),
  );
  return gaveBack;
}
