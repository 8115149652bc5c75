/**
 * Disbursement claims: a payment of one funding line, claimed once per (proposal, fund year, purpose)
 * under the proposal, then marked with its ledger record (see ledger.ts). Apart from the ledger, so
 * that reading a proposal's partition does not bundle the appender.
 */
import * as v from 'valibot';
import { codec } from '../../platform/table.ts';
import { CATEGORIES, FUNDING_PURPOSES } from '../../proposals/domain/categories.ts';

export const purpose = v.picklist(FUNDING_PURPOSES);
// Loose: a record's hash covers its rate whole, so an attribute added to it must stay to be caught.
const rate = v.looseObject({ gbpPerEur: v.string(), source: v.string() });

/** What a claim and its ledger record both say of the payment. */
export const paymentEntries = {
  disbursementId: v.string(),
  proposalId: v.string(),
  title: v.string(),
  category: v.picklist(CATEGORIES),
  purpose,
  fundYear: v.number(),
  amountEurCents: v.number(),
  amountGbpPence: v.number(),
  rate,
};

/** A payment claimed once per (proposal, year, purpose); marked with its record once chained. */
export const disbursementClaim = codec(
  'DisbursementClaim',
  v.object({
    ...paymentEntries,
    claimedAt: v.string(),
    /** Set, with the two below, in the one update that takes it out of the unchained index. */
    ledgerSeq: v.optional(v.number()),
    paymentReference: v.optional(v.string()),
    disbursedAt: v.optional(v.string()),
    /** When finance was told (once). */
    announcedAt: v.optional(v.string()),
  }),
);
export type DisbursementClaim = ReturnType<typeof disbursementClaim.decode>;
