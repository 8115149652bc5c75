/** Proposals in DynamoDB: single-item conditional writes only (the local database has no transactions). */
import * as v from 'valibot';
import { type DisbursementClaim, disbursementClaim } from '../../funding/data/claims.ts';
import { type Commitment, decodeCommitment } from '../../funding/data/envelopes.ts';
import { MAX_FUNDING_LINES } from '../../funding/domain/fund.ts';
import { REFERENCE_RATE } from '../../funding/domain/money.ts';
import { isSettled, type YearAccount } from '../../funding/domain/settlement.ts';
import { WorkflowError } from '../../platform/errors.ts';
import { INDEX_KEYS, INDEX_PK, proposalKey } from '../../platform/keys.ts';
import {
  codec,
  deleteIf,
  getItem,
  type Item,
  putIfNew,
  queryAll,
  queryUpTo,
  updateIf,
  updateOnce,
} from '../../platform/table.ts';
import { type SignOffPointer, signOffPointer } from '../../sign-off/data/pointers.ts';
import { CATEGORIES, type Category, FUNDING_PURPOSES } from '../domain/categories.ts';
import type { ProposalInput } from '../domain/proposal.ts';
import { canTransition, hasReached, PROPOSAL_STATUSES, type ProposalStatus } from '../domain/statuses.ts';

const status = v.picklist(PROPOSAL_STATUSES);
const statusChange = v.object({ status, at: v.string(), reason: v.optional(v.string()) });
export type StatusChange = v.InferOutput<typeof statusChange>;

const proposal = codec(
  'Proposal',
  v.object({
    proposalId: v.string(),
    title: v.string(),
    category: v.picklist(CATEGORIES),
    description: v.string(),
    contactEmail: v.string(),
    funding: v.array(
      v.object({ fundYear: v.number(), purpose: v.picklist(FUNDING_PURPOSES), amountEurCents: v.number() }),
    ),
    status,
    ownerSub: v.string(),
    createdAt: v.string(),
    updatedAt: v.string(),
    statusHistory: v.array(statusChange),
    rate: v.object({ gbpPerEur: v.string(), source: v.string() }),
    /** A status whose email to the port authority is not yet confirmed sent. */
    pendingNotice: v.optional(status),
  }),
);
export type ProposalRecord = ReturnType<typeof proposal.decode>;

const indexes = (record: Pick<ProposalRecord, 'proposalId' | 'ownerSub' | 'createdAt' | 'status'>) => ({
  gsi1pk: `${INDEX_PK.owner}${record.ownerSub}`,
  gsi1sk: `${record.createdAt}#${record.proposalId}`,
  gsi2pk: INDEX_PK.proposals,
  gsi2sk: `${record.createdAt}#${record.proposalId}`,
  gsi3pk: `${INDEX_PK.status}${record.status}`,
  gsi3sk: `${record.createdAt}#${record.proposalId}`,
});

/** Stores a new proposal; `false` if one with this id exists already (an idempotent retry). */
export async function insertProposal(
  proposalId: string,
  input: ProposalInput,
  ownerSub: string,
  status: ProposalStatus,
  now: string,
): Promise<{ created: boolean; record: ProposalRecord }> {
  const record: ProposalRecord = {
    proposalId,
    ...input,
    status,
    ownerSub,
    createdAt: now,
    updatedAt: now,
    statusHistory: [{ status, at: now }],
    rate: REFERENCE_RATE,
  };
  return putIfNew(proposal, proposalKey(proposalId), record, indexes(record));
}

const PROPOSAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every proposal id is a UUID (random, or derived from an Idempotency-Key). */
export function isProposalId(value: string): boolean {
  return PROPOSAL_ID.test(value);
}

export function getProposal(proposalId: string): Promise<ProposalRecord | undefined> {
  return getItem(proposal, proposalKey(proposalId));
}

/** Deletes the proposal if it is still `status`; `false` when it is not (or is gone). */
export function deleteProposalIfStatus(proposalId: string, status: ProposalStatus): Promise<boolean> {
  return deleteIf(proposalKey(proposalId), {
    ConditionExpression: '#status = :status',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':status': status },
  });
}

/**
 * Moves a proposal to `to` if the fund's rules allow it from where it is. Idempotent: a proposal
 * already at `to`, or past it (FUNDED found COMPLETED), is returned as it is (`changed: false`). The
 * status history grows in the same conditional write, so the timeline can never disagree with the
 * status. `notify: false` leaves the port authority's pending notice alone (a move nobody is emailed about),
 * or, with `clearNotice`, clears it in the same write (the notice of the status it leaves was sent).
 */
export async function transitionProposal(
  proposalId: string,
  to: ProposalStatus,
  now: string,
  reason?: string,
  options: { notify?: boolean; read?: ProposalRecord; clearNotice?: boolean } = {},
): Promise<{ changed: boolean; record: ProposalRecord }> {
  // `clearNotice` (a move nobody is emailed about): the notice of the status it leaves was sent.
  const notice =
    options.notify !== false ? ', pendingNotice = :to' : options.clearNotice ? ' REMOVE pendingNotice' : '';
  // `read`: the proposal as the caller read it (strongly), so the first attempt need not read it
  // again. The write is conditional on the status read, and a refusal is decided on a fresh read, so
  // a read that is behind costs one more attempt, never a wrong answer.
  let known = options.read?.proposalId === proposalId ? options.read : undefined;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const fromCaller = known !== undefined;
    const current = known ?? (await getProposal(proposalId));
    known = undefined;
    if (!current) throw new WorkflowError('Proposal.NotFound', `No proposal ${proposalId}`);
    if (hasReached(current.status, to)) return { changed: false, record: current };
    if (fromCaller && !canTransition(current.status, to)) continue;
    if (!canTransition(current.status, to)) {
      throw new WorkflowError(
        'Proposal.InvalidTransition',
        `${proposalId}: ${current.status} cannot become ${to}`,
      );
    }
    const change: StatusChange = reason ? { status: to, at: now, reason } : { status: to, at: now };
    const result = await updateIf(proposal, proposalKey(proposalId), {
      UpdateExpression: `SET #status = :to, updatedAt = :now, statusHistory = list_append(statusHistory, :change), gsi3pk = :gsi3pk${notice}`,
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':to': to,
        ':from': current.status,
        ':now': now,
        ':change': [change],
        ':gsi3pk': `${INDEX_PK.status}${to}`,
      },
    });
    if (result.updated) return { changed: true, record: result.record };
    // Someone else moved it meanwhile: read again and decide again.
  }
  throw new WorkflowError('Proposal.Contention', `${proposalId}: status kept changing`);
}

export async function clearPendingNotice(proposalId: string, status: ProposalStatus): Promise<void> {
  await updateOnce(proposalKey(proposalId), {
    UpdateExpression: 'REMOVE pendingNotice',
    ConditionExpression: 'pendingNotice = :status',
    ExpressionAttributeValues: { ':status': status },
  });
}

export interface ProposalPage {
  items: ProposalRecord[];
  lastKey?: Item;
}

/** Newest first, by the index that serves the question: never a Scan. */
export async function listProposals(options: {
  ownerSub?: string;
  status?: ProposalStatus;
  category?: Category;
  fundYear?: number;
  limit: number;
  startKey?: Item;
}): Promise<ProposalPage> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  let index: 'gsi1' | 'gsi2' | 'gsi3';
  const filters: string[] = [];
  if (options.category) {
    filters.push('#category = :category');
    names['#category'] = 'category';
    values[':category'] = options.category;
  }
  if (options.fundYear !== undefined) {
    // A proposal has at most one line per fund year and purpose: six lines at most, each checked.
    const lines = Array.from({ length: MAX_FUNDING_LINES }, (_, i) => `#funding[${i}].#fundYear = :fundYear`);
    filters.push(`(${lines.join(' OR ')})`);
    names['#funding'] = 'funding';
    names['#fundYear'] = 'fundYear';
    values[':fundYear'] = options.fundYear;
  }
  if (options.ownerSub) {
    index = 'gsi1';
    values[':pk'] = `${INDEX_PK.owner}${options.ownerSub}`;
    if (options.status) {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = options.status;
    }
  } else if (options.status) {
    index = 'gsi3';
    values[':pk'] = `${INDEX_PK.status}${options.status}`;
  } else {
    index = 'gsi2';
    values[':pk'] = INDEX_PK.proposals;
  }
  return queryUpTo(
    proposal.decode,
    {
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk`,
      FilterExpression: filters.length > 0 ? filters.join(' AND ') : undefined,
      ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
    options.limit,
    options.startKey,
  );
}

export function cursorKeysFor(options: { ownerSub?: string; status?: ProposalStatus }): readonly string[] {
  if (options.ownerSub) return INDEX_KEYS.gsi1;
  return options.status ? INDEX_KEYS.gsi3 : INDEX_KEYS.gsi2;
}

/** A cursor must continue the same query: same index partition (so nobody pages into another's list). */
export function cursorFitsQuery(
  startKey: Record<string, string>,
  options: { ownerSub?: string; status?: ProposalStatus },
): boolean {
  if (options.ownerSub) return startKey.gsi1pk === `${INDEX_PK.owner}${options.ownerSub}`;
  if (options.status) return startKey.gsi3pk === `${INDEX_PK.status}${options.status}`;
  return startKey.gsi2pk === INDEX_PK.proposals;
}

/**
 * A proposal's partition, decoded: the proposal, the pointers to its sign-off requests (read them with
 * sign-off/data/sign-offs.ts `requestsOf`), its commitments and its disbursement claims.
 */
export interface ProposalPartition {
  proposal: ProposalRecord | undefined;
  signOffs: SignOffPointer[];
  commitments: Commitment[];
  claims: DisbursementClaim[];
}

/**
 * Every item of a proposal's partition in one strongly consistent Query (the commitments' marker left
 * out): what a GetItem of the proposal and a Query of its sign-off pointers would read, in one request.
 */
export async function proposalPartition(proposalId: string): Promise<ProposalPartition> {
  const partition: ProposalPartition = { proposal: undefined, signOffs: [], commitments: [], claims: [] };
  const read = (item: Item) => {
    if (item.type === proposal.type) partition.proposal = proposal.decode(item);
    else if (item.type === signOffPointer.type) partition.signOffs.push(signOffPointer.decode(item));
    else if (item.type === 'Commitment') partition.commitments.push(decodeCommitment(item));
    else if (item.type === 'DisbursementClaim') partition.claims.push(disbursementClaim.decode(item));
  };
  await queryAll(read, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': proposalKey(proposalId).pk },
    ConsistentRead: true,
  });
  return partition;
}

/** Each fund year's commitment with what was paid (chained claims) and given back, from the partition. */
export function yearAccounts({ commitments, claims }: ProposalPartition): YearAccount[] {
  return commitments.map((commitment) => {
    const paidEurCents: YearAccount['paidEurCents'] = {};
    for (const claim of claims) {
      if (claim.ledgerSeq === undefined || claim.fundYear !== commitment.fundYear) continue;
      paidEurCents[claim.purpose] = (paidEurCents[claim.purpose] ?? 0) + claim.amountEurCents;
    }
    const released = commitment.runningCostReleasedEurCents;
    return {
      fundYear: commitment.fundYear,
      status: commitment.status,
      paidEurCents,
      releasedEurCents: released !== undefined ? { RUNNING_COST: released } : {},
    };
  });
}

/**
 * A FUNDED proposal everything of which is paid or released becomes COMPLETED (nobody is emailed:
 * the payment or the evaluation that settled it was). Called by the steps that pay or release, so
 * nothing has to look at funded proposals to find the ones that are done. Safe to run again.
 */
export async function completeIfSettled(
  proposalId: string,
  now: string,
  read?: ProposalPartition,
  { clearNotice = false }: { clearNotice?: boolean } = {},
): Promise<ProposalRecord | undefined> {
  // `read`: the partition as the caller read it after the payment or release that may settle it.
  const partition = read ?? (await proposalPartition(proposalId));
  const current = partition.proposal;
  if (!current) return undefined;
  if (current.status !== 'FUNDED' || !isSettled(current.funding, yearAccounts(partition))) return current;
  const { record } = await transitionProposal(
    proposalId,
    'COMPLETED',
    now,
    'Everything granted is paid or released',
    { notify: false, read: current, clearNotice },
  );
  return record;
}
