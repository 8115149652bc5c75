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

/** Index partition key prefixes (a proposal's gsi1pk `OWNER#<sub>`, gsi2pk `PROPOSALS`, gsi3pk `STATUS#<status>`). */
export const INDEX_PK = { owner: 'OWNER#', proposals: 'PROPOSALS', status: 'STATUS#' } as const;

/** Sort key prefixes that items are queried by (`begins_with`). */
export const SK_PREFIX = { signOff: 'SIGNOFF#', costReport: 'REPORT#' } as const;

export const proposalKey = (proposalId: string) => ({ pk: `PROPOSAL#${proposalId}`, sk: 'PROPOSAL' });
export const subjectPk = (subjectType: string, subjectId: string) => `${subjectType}#${subjectId}`;
export const signOffPointerKey = (subjectType: string, subjectId: string, authority: string): ItemKey => ({
  pk: subjectPk(subjectType, subjectId),
  sk: `${SK_PREFIX.signOff}${authority}`,
});
/** Partition key prefixes IAM policies name too (`dynamodb:LeadingKeys`, infra/system.ts `writesOnly`). */
export const KEY_PREFIX = { approval: 'APPROVAL#', costReport: 'COSTREPORT#' } as const;

export const approvalKey = (approvalId: string) => ({
  pk: `${KEY_PREFIX.approval}${approvalId}`,
  sk: 'APPROVAL',
});
/** The partition of round r of a year's evaluation (round 1's is also the year's record's). */
export const evaluationPk = (fundYear: number, round = 1) =>
  subjectPk('EVALUATION', evaluationSubjectId(fundYear, round));
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
