/**
 * `workflow: {status, error?}` on GET /proposals/{id} and POST /proposals/{id}/redrive (contract
 * section 4): a flow that fails for good says so, and an admin redrives it from the state that failed
 * once the cause is mended; nothing done before the failure is done twice.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { approveAll, settle } from '../support/flows.ts';

let cloud: TestCloud;
/**
 * Proposals whose payment step (which pays, then records FUNDED and sends its email) fails, as SES
 * refusing the email for good would, until mended: the money is committed by then.
 */
const broken = new Set<string>();

beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: 0.001 });
  const invoke = cloud.functions.invoke.bind(cloud.functions);
  vi.spyOn(cloud.functions, 'invoke').mockImplementation(async (name, payload) => {
    const input = (payload ?? {}) as Record<string, unknown>;
    if (
      name.endsWith('disburseFunds') &&
      input.recordFunded === true &&
      broken.has(String(input.proposalId))
    ) {
      const error = new Error('Email address is not verified.');
      error.name = 'MessageRejected';
      throw error;
    }
    return invoke(name, payload);
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await cloud.close();
});

async function view(proposalId: string) {
  const response = await cloud.api('GET', `/proposals/${proposalId}`, { as: 'finance' });
  expect(response.status).toBe(200);
  return (await response.json()) as { status: string; workflow: { status: string; error?: unknown } | null };
}

describe('a failed approval workflow, seen and redriven', () => {
  it('shows RUNNING, then FAILED with its error; an admin redrives it and the proposal is FUNDED once', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Redriven after a rejected email' }));
    broken.add(proposalId);
    expect((await view(proposalId)).workflow).toEqual({ status: 'RUNNING' });
    expect((await cloud.api('POST', `/proposals/${proposalId}/redrive`, { as: 'admin' })).status).toBe(409);

    await approveAll(cloud, [proposalId]);
    const failed = await vi.waitFor(
      async () => {
        const current = await view(proposalId);
        if (current.workflow?.status !== 'FAILED') throw new Error(`still ${current.workflow?.status}`);
        return current;
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(failed.status).toBe('APPROVED');
    expect(failed.workflow).toEqual({
      status: 'FAILED',
      error: { error: 'MessageRejected', cause: expect.stringContaining('Email address is not verified.') },
    });

    // Only an admin redrives; an unknown proposal is 404.
    for (const role of ['port-authority', 'finance'] as const) {
      expect((await cloud.api('POST', `/proposals/${proposalId}/redrive`, { as: role })).status).toBe(403);
    }
    expect(
      (await cloud.api('POST', '/proposals/00000000-0000-4000-8000-000000000000/redrive', { as: 'admin' }))
        .status,
    ).toBe(404);

    broken.delete(proposalId);
    const redriven = await cloud.api('POST', `/proposals/${proposalId}/redrive`, { as: 'admin' });
    expect(redriven.status).toBe(202);
    expect(await redriven.json()).toMatchObject({ proposalId, workflow: { status: 'RUNNING' } });

    const funded = (await settle(cloud, proposalId, ['FUNDED'])) as {
      commitments: unknown[];
      disbursements: unknown[];
    };
    // Committed before the failure, once; paid by the redriven step, once.
    expect(funded.commitments).toHaveLength(2);
    expect(funded.disbursements).toHaveLength(1);
    await vi.waitFor(async () => expect((await view(proposalId)).workflow).toEqual({ status: 'SUCCEEDED' }), {
      timeout: 30_000,
    });
    expect((await cloud.api('POST', `/proposals/${proposalId}/redrive`, { as: 'admin' })).status).toBe(409);
    // The sign-offs succeeded before the failure: nobody was asked again.
    const requests = (await cloud.emails()).filter(
      (e) => e.text.includes(proposalId) && e.text.includes('/approvals/'),
    );
    expect(requests).toHaveLength(2);
  }, 120_000);
});
