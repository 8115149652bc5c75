/**
 * An expired sign-off link (shared/CONTRACT.md §4): GET and POST answer 410 and record nothing.
 * Links here live two seconds while the workflow's own stages last minutes, so only the link's
 * validity runs out; the test waits until the clock has passed the request's `expiresAt`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { waitForMinistryLinks, waitUntil } from '../support/flows.ts';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: 0.001, environment: { SIGN_OFF_LINK_TTL_SECONDS: '2' } });
});
afterAll(async () => {
  await cloud?.close();
});

interface View {
  status: string;
  signOffs: { authority: string; status: string; expiresAt: string; decidedAt?: string }[];
}

async function view(proposalId: string): Promise<View> {
  return (await (await cloud.api('GET', `/proposals/${proposalId}`, { as: 'admin' })).json()) as View;
}

describe('an expired link', () => {
  it('answers 410 to GET and POST, in the approver language, and decides nothing', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Too late' }));
    const links = (await waitForMinistryLinks(cloud, [proposalId])).get(proposalId);
    if (!links) throw new Error('no links');
    const before = await view(proposalId);
    expect(before.signOffs).toHaveLength(2);
    const lastExpiry = Math.max(...before.signOffs.map((s) => Date.parse(s.expiresAt)));
    await waitUntil(async () => (Date.now() > lastExpiry ? true : undefined), 'the links to expire', 30_000);

    for (const [link, title] of [
      [links.uk, 'Link expired'],
      [links.fr, 'Lien expiré'],
    ] as const) {
      const shown = await fetch(`${cloud.baseUrl}/approvals/${link.approvalId}?token=${link.token}`);
      expect(shown.status).toBe(410);
      expect(shown.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const page = await shown.text();
      expect(page).toContain(title);
      expect(page).not.toContain('<form');
      for (const decision of ['approve', 'reject'] as const) {
        const decided = await cloud.decide(link, decision);
        expect(decided.status).toBe(410);
        expect(await decided.text()).toContain(title);
      }
    }
    const after = await view(proposalId);
    expect(after.status).toBe('AWAITING_SIGN_OFF');
    for (const signOff of after.signOffs) {
      expect(signOff.status).toBe('PENDING');
      expect(signOff.decidedAt).toBeUndefined();
    }
  });

  it('still answers 404 to a bad token after expiry (existence is not revealed)', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Tampered and late' }));
    const links = (await waitForMinistryLinks(cloud, [proposalId])).get(proposalId);
    if (!links) throw new Error('no links');
    const expiry = Math.max(...(await view(proposalId)).signOffs.map((s) => Date.parse(s.expiresAt)));
    await waitUntil(async () => (Date.now() > expiry ? true : undefined), 'the links to expire', 30_000);
    const bad = { ...links.uk, token: `${links.uk.token.slice(0, -2)}zz` };
    expect((await cloud.decide(bad, 'approve')).status).toBe(404);
    expect((await cloud.decide(links.uk, 'approve')).status).toBe(410);
  });
});
