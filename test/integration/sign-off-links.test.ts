/**
 * The emailed sign-off links (shared/CONTRACT.md §4-5): a GET only shows a confirmation page (mail
 * scanners fetch links), the form's POST decides once, and bad, crossed or reused links answer
 * 404 or 409 without revealing anything. Pages are safe to render whatever a proposal contains.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignOffLink } from '../support/cloud.ts';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import {
  FR_APPROVER,
  type MinistryLinks,
  settle,
  UK_APPROVER,
  waitForMinistryLinks,
} from '../support/flows.ts';

interface SignOffView {
  authority: string;
  status: string;
  decidedAt: string | null;
  comment: string | null;
}

let cloud: TestCloud;
beforeAll(async () => {
  // Sign-off stages last about four minutes: no reminder, deputy or expiry interferes.
  cloud = await startTestCloud({ timeScale: 0.001 });
});
afterAll(async () => {
  await cloud?.close();
});

async function submitAndWait(overrides: Record<string, unknown> = {}) {
  const { proposalId } = await cloud.submit(sampleProposal(overrides));
  const links = (await waitForMinistryLinks(cloud, [proposalId])).get(proposalId) as MinistryLinks;
  return { proposalId, ...links };
}

function open(link: SignOffLink, query = '', headers: Record<string, string> = {}) {
  return fetch(
    `${cloud.baseUrl}/approvals/${link.approvalId}?token=${encodeURIComponent(link.token)}${query}`,
    {
      headers,
    },
  );
}

function postForm(approvalId: string, fields: Record<string, string>, contentType?: string) {
  return fetch(`${cloud.baseUrl}/approvals/${approvalId}`, {
    method: 'POST',
    headers: { 'content-type': contentType ?? 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

async function view(proposalId: string) {
  const response = await cloud.api('GET', `/proposals/${proposalId}`, { as: 'admin' });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { status: string; signOffs: SignOffView[] };
  const byAuthority = Object.fromEntries(body.signOffs.map((s) => [s.authority, s]));
  return { status: body.status, uk: byAuthority.UK as SignOffView, fr: byAuthority.FR as SignOffView };
}

async function expectUndecided(proposalId: string) {
  const now = await view(proposalId);
  expect(now.status).toBe('AWAITING_SIGN_OFF');
  for (const signOff of [now.uk, now.fr]) {
    expect(signOff.status).toBe('PENDING');
    // Listed, as the contract lists them, and empty until a decision.
    expect(signOff).toMatchObject({ decidedAt: null, comment: null });
  }
}

function expectHtml(response: Response) {
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('cache-control')).toBe('no-store');
}

describe('GET on a sign-off link', () => {
  it('decides nothing, however often it is fetched (as a mail scanner would)', async () => {
    const { proposalId, uk, fr } = await submitAndWait({ title: 'Scanned by a mail filter' });
    const fetches = await Promise.all([uk, fr, uk, fr, uk, fr].map((link) => open(link)));
    for (const response of fetches) expect(response.status).toBe(200);
    for (const link of [uk, fr, uk, fr]) expect((await open(link, '&lang=en')).status).toBe(200);
    await expectUndecided(proposalId);
    const approval = cloud.engine
      .listExecutions({ stateMachineArn: cloud.stateMachineArn('approval') })
      .find((e) => e.name === proposalId);
    expect(approval?.status).toBe('RUNNING');
    const outcomes = (await cloud.emails()).filter(
      (e) => e.text.includes(proposalId) && !e.to.includes(UK_APPROVER) && !e.to.includes(FR_APPROVER),
    );
    expect(outcomes).toEqual([]);
    // The links still work afterwards.
    expect((await cloud.decide(uk, 'approve')).status).toBe(200);
    expect((await cloud.decide(fr, 'approve')).status).toBe(200);
    await settle(cloud, proposalId, ['FUNDED']);
  });

  it('shows a page with no script that sends no referrer, under a strict CSP, with a form that POSTs', async () => {
    const { proposalId, uk } = await submitAndWait({ title: 'Page checks' });
    const response = await open(uk);
    expect(response.status).toBe(200);
    expectHtml(response);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/script-src/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await response.text();
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/\son[a-z]+\s*=/i);
    expect(page).toContain('<meta name="referrer" content="no-referrer">');
    // The summary: title, reference, both currencies.
    expect(page).toContain('Page checks');
    expect(page).toContain(proposalId);
    expect(page).toContain('€1,200,000.00');
    expect(page).toContain('£960,000.00');
    // One form, POSTing to the approval itself, carrying the token in a hidden field (not the URL).
    const forms = [...page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
    expect(forms).toHaveLength(1);
    const [, attributes, inner] = forms[0] as RegExpMatchArray;
    expect(attributes).toMatch(/\bmethod="post"/i);
    expect(attributes).toContain(`action="/approvals/${uk.approvalId}"`);
    const inputs = Object.fromEntries(
      [...(inner as string).matchAll(/<input type="hidden" name="([a-z]+)" value="([^"]*)">/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    expect(inputs.token).toBe(uk.token);
    const buttons = [
      ...(inner as string).matchAll(/<button type="submit" name="decision" value="([a-z]+)"[^>]*>/g),
    ];
    expect(buttons.map((b) => b[1])).toEqual(['approve', 'reject']);
    // Submitting the form as a browser would records the decision.
    const submitted = await postForm(uk.approvalId, { ...inputs, decision: 'approve', comment: '' });
    expect(submitted.status).toBe(200);
    expectHtml(submitted);
    expect(await submitted.text()).toContain('Approval recorded');
  });

  it('escapes a hostile title and description in the page and in the emails', async () => {
    const title = '<script>alert(1)</script>';
    const description = '<img src=x onerror=alert(2)> & "quotes"';
    const { proposalId, uk, fr } = await submitAndWait({ title, description });
    for (const link of [uk, fr]) {
      const page = await (await open(link)).text();
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page).toContain('&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quotes&quot;');
      expect(page).not.toMatch(/<script/i);
      expect(page).not.toMatch(/<img/i);
    }
    const requests = (await cloud.emails()).filter((e) => e.text.includes(proposalId));
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const email of requests) {
      expect(email.html).not.toMatch(/<script/i);
      expect(email.html).not.toMatch(/<img/i);
      expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(email.subject).toContain(title);
      expect(email.text).toContain(title);
    }
  });
});

describe('POST on a sign-off link', () => {
  it('decides once: 200, then 409 to any further POST, and the GET then says so too', async () => {
    const { proposalId, uk, fr } = await submitAndWait({ title: 'Decided once' });
    const first = await cloud.decide(uk, 'approve', 'Fine by the Home Office');
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Approval recorded');
    const second = await cloud.decide(uk, 'approve');
    expect(second.status).toBe(409);
    expectHtml(second);
    const secondPage = await second.text();
    expect(secondPage).toContain('Already decided');
    // The receipt: what was decided, by whom, with the comment.
    expect(secondPage).toMatch(/<dt>Decision<\/dt><dd>Approved<\/dd>/);
    expect(secondPage).toMatch(/<dt>Decided by<\/dt><dd>UK Home Office<\/dd>/);
    expect(secondPage).toContain('Fine by the Home Office');
    expect((await cloud.decide(uk, 'reject')).status).toBe(409);
    const reopened = await open(uk);
    expect(reopened.status).toBe(409);
    expect(await reopened.text()).toMatch(/<dt>Decided on<\/dt><dd>[^<]*(GMT|BST)<\/dd>/);
    const now = await view(proposalId);
    expect(now.status).toBe('AWAITING_SIGN_OFF');
    expect(now.uk).toMatchObject({ status: 'APPROVED', comment: 'Fine by the Home Office' });
    expect(now.fr.status).toBe('PENDING');
    expect((await cloud.decide(fr, 'approve')).status).toBe(200);
    await settle(cloud, proposalId, ['FUNDED']);
    expect((await cloud.decide(fr, 'approve')).status).toBe(409);
  });

  it('has one winner when both buttons are pressed at once', async () => {
    const { proposalId, uk } = await submitAndWait({ title: 'Double click' });
    const answers = await Promise.all([
      cloud.decide(uk, 'approve'),
      cloud.decide(uk, 'reject', 'Changed my mind'),
      cloud.decide(uk, 'approve'),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    expect(['APPROVED', 'REJECTED']).toContain((await view(proposalId)).uk.status);
  });

  it('answers 400, 413 or 415 to what the form never sends, and records nothing', async () => {
    const { proposalId, uk } = await submitAndWait({ title: 'Odd requests' });
    expect((await postForm(uk.approvalId, { token: uk.token })).status).toBe(400);
    expect((await postForm(uk.approvalId, { token: uk.token, decision: 'maybe' })).status).toBe(400);
    expect((await postForm(uk.approvalId, { token: uk.token, decision: 'APPROVE' })).status).toBe(400);
    const longComment = { token: uk.token, decision: 'approve', comment: 'x'.repeat(2001) };
    expect((await postForm(uk.approvalId, longComment)).status).toBe(400);
    const json = await fetch(`${cloud.baseUrl}/approvals/${uk.approvalId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: uk.token, decision: 'approve' }),
    });
    expect(json.status).toBe(415);
    const padded = { token: uk.token, decision: 'approve', padding: 'x'.repeat(17 * 1024) };
    expect((await postForm(uk.approvalId, padded)).status).toBe(413);
    await expectUndecided(proposalId);
  });
});

describe('links that are not valid', () => {
  it('answers 404 to a tampered, truncated or missing token, the same page as for an unknown link', async () => {
    const { proposalId, uk } = await submitAndWait({ title: 'Tampering' });
    const unknown = await fetch(`${cloud.baseUrl}/approvals/${randomUUID()}?token=${uk.token}`);
    expect(unknown.status).toBe(404);
    const unknownPage = await unknown.text();
    const flip = (token: string, at: number) =>
      `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    const tampered = [
      flip(uk.token, 0),
      flip(uk.token, uk.token.length - 1),
      uk.token.slice(0, -1),
      `${uk.token}A`,
      '',
      'x'.repeat(500),
    ];
    for (const token of tampered) {
      const link = { ...uk, token };
      const shown = await open(link);
      expect(shown.status).toBe(404);
      expectHtml(shown);
      expect(await shown.text()).toBe(unknownPage);
      for (const decision of ['approve', 'reject'] as const) {
        const decided = await cloud.decide(link, decision);
        expect(decided.status).toBe(404);
        expect(await decided.text()).toBe(unknownPage);
      }
    }
    const noToken = await fetch(`${cloud.baseUrl}/approvals/${uk.approvalId}`);
    expect(noToken.status).toBe(404);
    for (const id of [randomUUID(), 'not-an-id', uk.approvalId.toUpperCase()]) {
      expect((await open({ ...uk, approvalId: id })).status).toBe(404);
      expect((await cloud.decide({ ...uk, approvalId: id }, 'approve')).status).toBe(404);
    }
    await expectUndecided(proposalId);
  });

  it("answers 404 to one authority's token on the other's approval", async () => {
    const { proposalId, uk, fr } = await submitAndWait({ title: 'Crossed links' });
    const ukOnFr = { ...fr, token: uk.token };
    const frOnUk = { ...uk, token: fr.token };
    for (const link of [ukOnFr, frOnUk]) {
      expect((await open(link)).status).toBe(404);
      expect((await cloud.decide(link, 'approve')).status).toBe(404);
      expect((await cloud.decide(link, 'reject')).status).toBe(404);
    }
    // Another proposal's token is no better.
    const other = await submitAndWait({ title: 'Another proposal' });
    expect((await cloud.decide({ ...uk, token: other.uk.token }, 'approve')).status).toBe(404);
    await expectUndecided(proposalId);
    await expectUndecided(other.proposalId);
  });
});

describe('a rejection', () => {
  it('rejects the proposal, and the other link then answers 409', async () => {
    const { proposalId, uk, fr } = await submitAndWait({ title: 'Rejected by the UK' });
    const rejected = await cloud.decide(uk, 'reject', 'Outside the declaration');
    expect(rejected.status).toBe(200);
    expect(await rejected.text()).toContain('Rejection recorded');
    await settle(cloud, proposalId, ['REJECTED']);
    const now = await view(proposalId);
    expect(now.uk).toMatchObject({ status: 'REJECTED', comment: 'Outside the declaration' });
    expect(now.fr.status).toBe('WITHDRAWN');
    const late = await cloud.decide(fr, 'approve');
    expect(late.status).toBe(409);
    // Not "already decided": France's request was withdrawn, and the page says why.
    expect(await late.text()).toContain('Demande retirée');
    expect((await open(fr)).status).toBe(409);
    expect((await cloud.decide(uk, 'approve')).status).toBe(409);
    const after = await cloud.api('GET', `/proposals/${proposalId}`, { as: 'admin' });
    expect(await after.json()).toMatchObject({ status: 'REJECTED', commitments: [], disbursements: [] });
  });
});

describe('language', () => {
  it('speaks French to the French approver and English to the UK, and ?lang= switches', async () => {
    const { uk, fr } = await submitAndWait({ title: 'Bilingual' });
    const french = await (await open(fr, '', { 'accept-language': 'en-GB' })).text();
    expect(french).toContain('<html lang="fr">');
    expect(french).toContain('>Approuver (Approve)</button>');
    expect(french).toContain('>Rejeter (Reject)</button>');
    const frInEnglish = await (await open(fr, '&lang=en')).text();
    expect(frInEnglish).toContain('<html lang="en">');
    expect(frInEnglish).toContain('>Approve</button>');
    const english = await (await open(uk, '', { 'accept-language': 'fr-FR' })).text();
    expect(english).toContain('<html lang="en">');
    expect(english).toContain('>Approve</button>');
    const ukInFrench = await (await open(uk, '&lang=fr')).text();
    expect(ukInFrench).toContain('<html lang="fr">');
    expect(ukInFrench).toContain('>Approuver (Approve)</button>');
    // Each page offers the other language, keeping the token in the link.
    expect(french).toContain('lang=en');
    expect(english).toContain('lang=fr');
    // The answer to the POST follows the form's language, else the authority's.
    const answered = await postForm(fr.approvalId, { token: fr.token, decision: 'approve' });
    expect(await answered.text()).toContain('Approbation enregistrée');
    const ukAnsweredInFrench = await postForm(uk.approvalId, {
      token: uk.token,
      decision: 'approve',
      lang: 'fr',
    });
    expect(await ukAnsweredInFrench.text()).toContain('Approbation enregistrée');
  });

  it('answers an unknown link in the language the browser asks for', async () => {
    const link = { url: '', approvalId: randomUUID(), token: 'x' };
    expect(await (await open(link, '', { 'accept-language': 'fr-FR,fr;q=0.9' })).text()).toContain(
      'Lien non valide',
    );
    expect(await (await open(link, '', { 'accept-language': 'en-GB' })).text()).toContain('Link not valid');
  });
});
