/**
 * Workflow task, the daily release's first step: the proposals with committed investment due, i.e.
 * of a fund year that has opened and not paid yet, by one query on the due index (see
 * funding/data/envelopes.ts). A funded proposal with nothing due is not read at all, so the run's
 * cost follows what is due, never how many proposals are funded.
 */
import * as v from 'valibot';
import { fundStart } from '../../platform/config.ts';
import { logger } from '../../platform/logger.ts';
import { taskHandler, taskInput } from '../../platform/task.ts';
import { dueInvestments } from '../data/envelopes.ts';
import { FUND_YEARS, fundYearHasOpened } from '../domain/fund.ts';

/** The daily run's input is not read: what is due follows from the date and the due index. */
const ListDueFundsInput = taskInput(v.unknown(), 'Funds.InvalidInput');

export const handler = taskHandler(async (_input) => {
  const now = new Date();
  const opened = FUND_YEARS.filter((year) => fundYearHasOpened(fundStart(), year, now));
  const latest = opened.at(-1);
  const due = latest === undefined ? [] : await dueInvestments(latest);
  const proposalIds = [...new Set(due.map((d) => d.proposalId))].sort();
  logger.info('due investments', { throughFundYear: latest ?? null, lines: due.length });
  return { proposals: proposalIds.map((proposalId) => ({ proposalId })) };
}, ListDueFundsInput);
