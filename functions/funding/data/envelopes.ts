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
}

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
        UpdateExpression: `SET #status = :released, releasedAt = if_not_exists(releasedAt, :now)${note ? ', note = :note' : ''}`,
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

/** Commits one fund year of a proposal; `false` when it was committed already (a re-run). */
export async function commitFundYear(
  proposalId: string,
  fundYear: number,
  amountEurCents: number,
  now: string,
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
        UpdateExpression: 'SET #status = :committed, committedAt = if_not_exists(committedAt, :now)',
        ConditionExpression: '#status IN (:pending, :committed)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':committed': 'COMMITTED', ':pending': 'PENDING', ':now': now },
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

/** Undoes whatever part of a proposal's schedule was committed (the compensation step). */
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
