/**
 * Fund-year envelopes and a proposal's commitments against them. No transactions: each step is a
 * single-item conditional write that can be retried or re-run without changing the outcome.
 *   1. the commitment item is claimed (PENDING) under the proposal;
 *   2. the envelope takes the amount only if the proposal is not in its set yet AND the amount fits
 *      under the cap, in one conditional update: concurrent commits can never overshoot the cap;
 *   3. the commitment is marked COMMITTED.
 * Releasing (compensation) reverses step 2 only if the proposal is in the set, then marks RELEASED.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENVELOPE_CAP_EUR_CENTS, FUND_YEARS, type FundYear } from '../domain/fund.ts';
import { documents } from '../lib/clients.ts';
import { WorkflowError } from '../lib/errors.ts';
import { fundTable, proposalKey } from './keys.ts';

export const envelopeKey = (fundYear: number) => ({ pk: 'ENVELOPE', sk: `FY#${fundYear}` });
const commitmentKey = (proposalId: string, fundYear: number) => ({
  pk: proposalKey(proposalId).pk,
  sk: `COMMITMENT#FY${fundYear}`,
});

export interface Envelope {
  fundYear: FundYear;
  capEurCents: number;
  committedEurCents: number;
  disbursedEurCents: number;
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
      disbursedEurCents: Number(item?.disbursedEurCents ?? 0),
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
    if (existing?.status === 'RELEASED') {
      throw new WorkflowError(
        'Funds.CommitmentReleased',
        `${proposalId} FY${fundYear} was released; it is not committed again`,
      );
    }
    if (existing && existing.amountEurCents !== amountEurCents) {
      throw new WorkflowError(
        'Funds.AmountMismatch',
        `${proposalId} FY${fundYear} is pending with another amount`,
      );
    }
  }
  const proposals = new Set([proposalId]);
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: envelopeKey(fundYear),
        UpdateExpression:
          'SET committedEurCents = if_not_exists(committedEurCents, :zero) + :amount, capEurCents = if_not_exists(capEurCents, :cap), disbursedEurCents = if_not_exists(disbursedEurCents, :zero), fundYear = :year ADD proposals :proposals',
        ConditionExpression:
          '(attribute_not_exists(proposals) OR NOT contains(proposals, :proposal)) AND (attribute_not_exists(committedEurCents) OR committedEurCents <= :limit)',
        ExpressionAttributeValues: {
          ':zero': 0,
          ':amount': amountEurCents,
          ':cap': ENVELOPE_CAP_EUR_CENTS,
          ':limit': ENVELOPE_CAP_EUR_CENTS - amountEurCents,
          ':year': fundYear,
          ':proposals': proposals,
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
      await documents
        .send(
          new UpdateCommand({
            TableName: fundTable(),
            Key: commitmentKey(proposalId, fundYear),
            UpdateExpression: 'SET #status = :released, releasedAt = :now, note = :note',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':released': 'RELEASED',
              ':pending': 'PENDING',
              ':now': now,
              ':note': 'envelope full: nothing was committed',
            },
          }),
        )
        .catch((e: unknown) => {
          if (!(e instanceof ConditionalCheckFailedException)) throw e;
        });
      const remaining = ENVELOPE_CAP_EUR_CENTS - Number(Item?.committedEurCents ?? 0);
      throw new WorkflowError(
        'Funds.EnvelopeFull',
        `Fund year ${fundYear} has ${remaining} euro cents left; ${proposalId} needs ${amountEurCents}`,
      );
    }
  }
  await documents.send(
    new UpdateCommand({
      TableName: fundTable(),
      Key: commitmentKey(proposalId, fundYear),
      UpdateExpression: 'SET #status = :committed, committedAt = if_not_exists(committedAt, :now)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':committed': 'COMMITTED', ':now': now },
    }),
  );
  return true;
}

/** Undoes whatever part of a proposal's schedule was committed (the compensation step). */
export async function releaseCommitments(proposalId: string, now: string): Promise<number[]> {
  const released: number[] = [];
  for (const commitment of await commitmentsOf(proposalId)) {
    if (commitment.status === 'RELEASED') continue;
    try {
      await documents.send(
        new UpdateCommand({
          TableName: fundTable(),
          Key: envelopeKey(commitment.fundYear),
          UpdateExpression: 'SET committedEurCents = committedEurCents - :amount DELETE proposals :proposals',
          ConditionExpression: 'contains(proposals, :proposal)',
          ExpressionAttributeValues: {
            ':amount': commitment.amountEurCents,
            ':proposals': new Set([proposalId]),
            ':proposal': proposalId,
          },
        }),
      );
      released.push(commitment.fundYear);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: commitmentKey(proposalId, commitment.fundYear),
        UpdateExpression: 'SET #status = :released, releasedAt = if_not_exists(releasedAt, :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':released': 'RELEASED', ':now': now },
      }),
    );
  }
  return released;
}

/** Adds a disbursement to its envelope's total, once per disbursement id. */
export async function recordDisbursedOnEnvelope(
  fundYear: number,
  disbursementId: string,
  amountEurCents: number,
) {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: fundTable(),
        Key: envelopeKey(fundYear),
        UpdateExpression:
          'SET disbursedEurCents = if_not_exists(disbursedEurCents, :zero) + :amount ADD disbursements :ids',
        ConditionExpression: 'attribute_not_exists(disbursements) OR NOT contains(disbursements, :id)',
        ExpressionAttributeValues: {
          ':zero': 0,
          ':amount': amountEurCents,
          ':ids': new Set([disbursementId]),
          ':id': disbursementId,
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
