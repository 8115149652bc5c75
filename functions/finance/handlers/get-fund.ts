/**
 * GET /fund (finance, admin): per fund year, the cap, what is committed and disbursed, and what
 * remains: the envelopes' maintained figures and the ledger head's disbursed totals, a few items
 * whatever the ledger's size.
 */

import { getEnvelopes } from '../../funding/data/envelopes.ts';
import { disbursedByFundYear } from '../../funding/data/ledger.ts';
import { FUND_YEARS, fundYearAt, fundYearBounds } from '../../funding/domain/fund.ts';
import { amount, REFERENCE_RATE } from '../../funding/domain/money.ts';
import { fundStart } from '../../platform/config.ts';
import { apiHandler, json } from '../../platform/http.ts';

export const handler = apiHandler(async () => {
  const start = fundStart();
  const [envelopes, disbursedTotals] = await Promise.all([getEnvelopes(), disbursedByFundYear()]);
  const years = FUND_YEARS.map((fundYear) => {
    const envelope = envelopes.find((e) => e.fundYear === fundYear);
    const cap = envelope?.capEurCents ?? 0;
    const committed = envelope?.committedEurCents ?? 0;
    const disbursed = disbursedTotals.get(fundYear) ?? 0;
    const bounds = fundYearBounds(start, fundYear);
    return {
      fundYear,
      startsOn: bounds.start.toISOString().slice(0, 10),
      endsBefore: bounds.end.toISOString().slice(0, 10),
      capEurCents: cap,
      capGbpPence: amount(cap).gbpPence,
      committedEurCents: committed,
      committedGbpPence: amount(committed).gbpPence,
      disbursedEurCents: disbursed,
      disbursedGbpPence: amount(disbursed).gbpPence,
      remainingEurCents: cap - committed,
      remainingGbpPence: amount(cap - committed).gbpPence,
    };
  });
  return json(200, {
    currency: 'EUR',
    rate: REFERENCE_RATE,
    fundStartDate: start.toISOString().slice(0, 10),
    currentFundYear: fundYearAt(start, new Date()),
    years,
  });
});
