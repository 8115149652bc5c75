/**
 * A stopped local cloud leaves nothing of its own behind: no timer, socket, server, worker or file
 * handle that was not there before it started. Real time (time scale 1), so a timer left armed is a
 * sign-off task's days-long bound or a Lambda's default 60 s, not one about to fire anyway. The
 * cases that used to leave timers: a sibling branch stopped when the other party rejected, and a
 * flow still waiting for sign-off when the cloud stops (it resumes after a restart).
 */
import { BatchWriteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { REGION, tableName } from '../../infra/local/names.ts';
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

  it('waits for the scans dynalite still serves (their callers gone) before closing its database', async () => {
    const cloud = await startTestCloud({ timeScale: 1 });
    const client = new DynamoDBClient({
      region: REGION,
      endpoint: cloud.endpoints.dynamodb,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const TableName = tableName('Fund');
    const padding = 'x'.repeat(2000);
    for (let i = 0; i < 2000; i += 25) {
      const items = Array.from({ length: 25 }, (_, j) => ({
        PutRequest: { Item: { pk: { S: `STOP#${i + j}` }, sk: { S: 'item' }, padding: { S: padding } } },
      }));
      await client.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: items } }));
    }
    const abandoned = new AbortController();
    const scans = Array.from({ length: 4 }, () =>
      client.send(new ScanCommand({ TableName }), { abortSignal: abandoned.signal }).then(
        () => 'answered',
        (error: Error) => error.name,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    abandoned.abort();
    // Closing its database under a running scan threw from dynalite's iterator: an uncaught error
    // that ended the process (and would fail this file).
    await cloud.close();
    expect(await Promise.all(scans)).toEqual(['AbortError', 'AbortError', 'AbortError', 'AbortError']);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    client.destroy();
  }, 60_000);
});
