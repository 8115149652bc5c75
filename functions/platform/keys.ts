/**
 * One table holds the fund. Keys by entity:
 *   proposal          pk PROPOSAL#<id>        sk PROPOSAL
 *                     gsi1 OWNER#<sub> / <createdAt>#<id>   (a port authority's own, newest first)
 *                     gsi2 PROPOSALS / <createdAt>#<id>     (all, newest first)
 *                     gsi3 STATUS#<status> / <createdAt>#<id>
 *   sign-off pointer  pk <SUBJECT>#<id>       sk SIGNOFF#<authority>     (business key -> approvalId)
 *   sign-off request  pk APPROVAL#<approvalId> sk APPROVAL
 *   commitment        pk PROPOSAL#<id>        sk COMMITMENT#FY<n>
 *                     gsi1 DUE#INVESTMENT / FY<n>#<id>   (sparse: while its investment is committed, unpaid)
 *   commitments closed pk PROPOSAL#<id>       sk CLOSED#COMMITMENTS       (set by a release; later commits step back)
 *   disbursement claim pk PROPOSAL#<id>       sk DISBURSEMENT#FY<n>#<purpose>
 *                     gsi1 LEDGER#UNCHAINED / <claimedAt>#<id>   (sparse: removed once chained)
 *                     gsi2 LEDGER#CLAIMS / <12-digit seq>        (once chained: what verification reads)
 *   envelope          pk ENVELOPE             sk FY#<n>    (committed total, proposals set, releasedLines set)
 *   ledger record     pk LEDGER               sk SEQ#<12 digits>
 *                     gsi1 DISB#FY#<n> / <at>#<seq>, gsi2 DISB#CAT#<category> / <at>#<seq>,
 *                     gsi3 DISB#P#<proposalId> / <at>#<seq>
 *   ledger head       pk LEDGER               sk HEAD   (seq, hash, per-year counts, totals cells, lease)
 *   evaluation        pk EVALUATION#FY<n>     sk EVALUATION              (one per fund year: its current round,
 *                                                                       earlier rounds summarised inside)
 *     a round's sign-offs pk EVALUATION#<round subject> sk SIGNOFF#<authority> (round subject `FY1`, `FY1-R2`)
 *   cost report pointer pk EVALUATION#<round subject> sk REPORT#<proposalId> (business key -> reportId)
 *   cost report       pk COSTREPORT#<reportId> sk COSTREPORT
 */
import { evaluationSubjectId } from '../evaluation/domain/evaluation.ts';
import { config } from './config.ts';

/** Only functions bound to the Fund table have its name (the pages' function calls the API instead). */
export const fundTable = (): string => {
  const name = config().FUND_TABLE_NAME;
  if (!name) throw new Error('Invalid configuration: FUND_TABLE_NAME is not set (no Fund table binding)');
  return name;
};

/** An item's primary key. */
export type ItemKey = { pk: string; sk: string };

/** Index partition keys and their prefixes, by index: see the table above. */
export const INDEX_PK = {
  /** gsi1 of a proposal `OWNER#<sub>`, gsi2 `PROPOSALS`, gsi3 `STATUS#<status>`. */
  owner: 'OWNER#',
  proposals: 'PROPOSALS',
  status: 'STATUS#',
  /** gsi1 of a commitment whose investment is committed and unpaid. */
  dueInvestment: 'DUE#INVESTMENT',
  /** gsi1 of a disbursement claim not yet in the ledger; gsi2 of one that is. */
  unchainedClaims: 'LEDGER#UNCHAINED',
  chainedClaims: 'LEDGER#CLAIMS',
  /** A ledger record's gsi1 (fund year), gsi2 (category), gsi3 (proposal). */
  disbursementsOfYear: 'DISB#FY#',
  disbursementsOfCategory: 'DISB#CAT#',
  disbursementsOfProposal: 'DISB#P#',
} as const;

/** Sort key prefixes that items are queried by (`begins_with`). */
export const SK_PREFIX = {
  signOff: 'SIGNOFF#',
  costReport: 'REPORT#',
  commitment: 'COMMITMENT#',
  ledgerRecord: 'SEQ#',
} as const;

export const proposalKey = (proposalId: string): ItemKey => ({
  pk: `PROPOSAL#${proposalId}`,
  sk: 'PROPOSAL',
});
export const subjectPk = (subjectType: string, subjectId: string) => `${subjectType}#${subjectId}`;
export const signOffPointerKey = (subjectType: string, subjectId: string, authority: string): ItemKey => ({
  pk: subjectPk(subjectType, subjectId),
  sk: `${SK_PREFIX.signOff}${authority}`,
});
/** Partition key prefixes IAM policies name too (`dynamodb:LeadingKeys`, infra/system.ts `writesOnly`). */
export const KEY_PREFIX = {
  approval: 'APPROVAL#',
  costReport: 'COSTREPORT#',
  evaluation: 'EVALUATION#',
} as const;

export const approvalKey = (approvalId: string) => ({
  pk: `${KEY_PREFIX.approval}${approvalId}`,
  sk: 'APPROVAL',
});
/** The partition of round r of a year's evaluation (round 1's is also the year's record's). */
export const evaluationPk = (fundYear: number, round = 1) =>
  `${KEY_PREFIX.evaluation}${evaluationSubjectId(fundYear, round)}`;
export const evaluationKey = (fundYear: number) => ({ pk: evaluationPk(fundYear), sk: 'EVALUATION' });
export const costReportPointerKey = (fundYear: number, round: number, proposalId: string) => ({
  pk: evaluationPk(fundYear, round),
  sk: `${SK_PREFIX.costReport}${proposalId}`,
});
export const costReportKey = (reportId: string) => ({
  pk: `${KEY_PREFIX.costReport}${reportId}`,
  sk: 'COSTREPORT',
});

export const INDEX_KEYS = {
  table: ['pk', 'sk'],
  gsi1: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
  gsi2: ['pk', 'sk', 'gsi2pk', 'gsi2sk'],
  gsi3: ['pk', 'sk', 'gsi3pk', 'gsi3sk'],
} as const;

export const ENVELOPE_PK = 'ENVELOPE';
export const envelopeKey = (fundYear: number): ItemKey => ({ pk: ENVELOPE_PK, sk: `FY#${fundYear}` });
export const commitmentKey = (proposalId: string, fundYear: number): ItemKey => ({
  pk: proposalKey(proposalId).pk,
  sk: `${SK_PREFIX.commitment}FY${fundYear}`,
});
/** A commitment's place in the due index: by fund year, so "due by year n" is one key range. */
export const dueInvestmentSk = (proposalId: string, fundYear: number) => `FY${fundYear}#${proposalId}`;
// Not under the COMMITMENT# prefix, so listing a proposal's commitments never returns it.
export const commitmentsClosedKey = (proposalId: string): ItemKey => ({
  pk: proposalKey(proposalId).pk,
  sk: 'CLOSED#COMMITMENTS',
});

export const disbursementClaimKey = (proposalId: string, fundYear: number, purpose: string): ItemKey => ({
  pk: proposalKey(proposalId).pk,
  sk: `DISBURSEMENT#FY${fundYear}#${purpose}`,
});
export const LEDGER_PK = 'LEDGER';
export const ledgerHeadKey: ItemKey = { pk: LEDGER_PK, sk: 'HEAD' };
/** A sequence number as keys sort it (12 digits). */
export const seqKey = (seq: number) => String(seq).padStart(12, '0');
export const ledgerRecordKey = (seq: number): ItemKey => ({
  pk: LEDGER_PK,
  sk: `${SK_PREFIX.ledgerRecord}${seqKey(seq)}`,
});
