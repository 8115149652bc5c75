/**
 * A stopped local cloud leaves nothing of its own behind: no timer, socket, server, worker or file
 * handle that was not there before it started. Real time (time scale 1), so a timer left armed is a
 * sign-off task's days-long bound or a Lambda's default 60 s, not one about to fire anyway. The
 * cases that used to leave timers: a sibling branch stopped when the other party rejected, and a
 * flow still waiting for sign-off when the cloud stops (it resumes after a restart).
 */
import { describe, expect, it } from 'vitest';
import { sampleProposal, startTestCloud } from '../support/cloud.ts';
import { UK_APPROVER, waitForMinistryLinks } from '../support/flows.ts';

/** Active resources by type (`process.getActiveResourcesInfo()` names one entry per handle or request). */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** What is active now and was not before: `type +n` for each type that grew. */
function grown(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after]
    .filter(([type, n]) => n > (before.get(type) ?? 0))
    .map(([type, n]) => `${type} +${n - (before.get(type) ?? 0)}`);
}

describe('stopping the local cloud', () => {
  it('clears every timer and closes every handle it opened, with flows stopped and still waiting', async () => {
    const before = activeResources();
    const cloud = await startTestCloud({ timeScale: 1 });
    try {
      const rejected = await cloud.submit(sampleProposal({ title: 'Rejected by one party' }));
      const waiting = await cloud.submit(sampleProposal({ title: 'Still waiting at stop' }));
      const links = await waitForMinistryLinks(cloud, [rejected.proposalId, waiting.proposalId]);
      const uk = links.get(rejected.proposalId)?.uk;
      if (!uk) throw new Error('no UK link');
      expect((await cloud.decide(uk, 'reject', 'Not this year')).status).toBe(200);
      // The other party's branch is stopped when the flow ends: its task must settle, not linger.
      await cloud.waitForStatus(rejected.proposalId, ['REJECTED']);
      const flows = cloud.engine.listExecutions({ statusFilter: 'RUNNING' });
      expect(flows.length).toBeGreaterThan(0);
      expect(cloud.outbox.list().some((email) => email.to.includes(UK_APPROVER))).toBe(true);
    } finally {
      await cloud.close();
    }
    // Closing a socket or a worker completes on the next turns of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(grown(before, activeResources())).toEqual([]);
  }, 60_000);
});
