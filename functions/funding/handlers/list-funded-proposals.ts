/** Workflow task: the FUNDED proposals (by the status index), for the daily release of due money. */

import { taskHandler } from '../../platform/http.ts';
import { listProposals } from '../../proposals/data/proposals.ts';

export const handler = taskHandler(async () => {
  const proposalIds: string[] = [];
  let startKey: Record<string, string> | undefined;
  do {
    const page = await listProposals({ status: 'FUNDED', limit: 100, ...(startKey ? { startKey } : {}) });
    proposalIds.push(...page.items.map((p) => p.proposalId));
    startKey = page.lastKey as Record<string, string> | undefined;
  } while (startKey);
  return { proposals: proposalIds.map((proposalId) => ({ proposalId })) };
});
