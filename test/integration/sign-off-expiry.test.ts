/**
 * An expired sign-off link (shared/CONTRACT.md §4): GET and POST answer 410 and record nothing.
 * A request's four stages last about 5 s here (JIF_TIME_SCALE 0.000005); the test waits until the
 * clock has passed the request's `expiresAt`, which is the moment the flow expires it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { waitForMinistryLinks, waitUntil } from '../support/flows.ts';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: 0.000005 });
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

    // The first request to run out expires; the other is withdrawn because of it, saying so: both
    // links answer 410 (the contract's "Expired"), the proposal expired.
    const after = (await cloud.waitForStatus(proposalId, ['EXPIRED'])) as unknown as View;
    for (const [authority, link, title] of [
      ['UK', links.uk, 'Link expired'],
      ['FR', links.fr, 'Lien expiré'],
    ] as const) {
      const status = after.signOffs.find((s) => s.authority === authority)?.status;
      const [code, text] =
        status === 'EXPIRED'
          ? [410, title]
          : [
              410,
              authority === 'UK'
                ? 'withdrawn because the French Ministry'
                : "car Home Office (Royaume-Uni) n'a pas répondu à temps",
            ];
      const shown = await fetch(`${cloud.baseUrl}/approvals/${link.approvalId}?token=${link.token}`);
      expect(shown.status).toBe(code);
      expect(shown.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const page = await shown.text();
      expect(page.replaceAll('&#39;', "'")).toContain(text);
      expect(page).not.toContain('<form');
      for (const decision of ['approve', 'reject'] as const) {
        const decided = await cloud.decide(link, decision, 'Too late');
        expect(decided.status).toBe(code);
        expect((await decided.text()).replaceAll('&#39;', "'")).toContain(text);
      }
    }
    for (const signOff of after.signOffs) {
      expect(['EXPIRED', 'WITHDRAWN']).toContain(signOff.status);
      expect(signOff.decidedAt).toBeNull();
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
    // Expired (410), or withdrawn because France's request expired first (409).
    expect([409, 410]).toContain((await cloud.decide(links.uk, 'approve')).status);
  });
});
