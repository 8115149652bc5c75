/**
 * Sign-off as approvers meet it (issue 9, items 1-4; shared/CONTRACT.md §4-5): one truthful
 * deadline, stated alike by every email, page and `signOffs[].expiresAt`, and the moment the flow
 * really expires the request; a rejection: the form asks a reason, the link takes one without (the
 * contract's comment is optional); the other link answers 409 from the rejection's answer on.
 * JIF_TIME_SCALE 0.00002: a stage lasts about 5.2 s, the whole request about 20.7 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDateTime } from '../../functions/pages/pages.ts';
import { SIGN_OFF_WINDOW_SECONDS } from '../../functions/sign-off/domain/sign-off.ts';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { emailAbout, emailsAbout, linkIn, PORT, viewOf } from '../support/executions.ts';
import { FR_APPROVER, ROAD_AUTHORITY, UK_APPROVER, waitForMinistryLinks } from '../support/flows.ts';

const TIME_SCALE = 0.00002;
const UK_DEPUTY = 'deputy@homeoffice.example';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: TIME_SCALE });
});
afterAll(async () => {
  await cloud?.close();
});

describe('one truthful deadline', () => {
  it('states, in every email, page and the API, the moment the request really expires', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Nobody answers' }));
    const links = (await waitForMinistryLinks(cloud, [proposalId])).get(proposalId);
    if (!links) throw new Error('no links');
    const first = (await viewOf(cloud, proposalId)) as unknown as {
      signOffs: { authority: string; requestedAt?: string; expiresAt?: string }[];
    };
    const uk = first.signOffs.find((s) => s.authority === 'UK');
    if (!uk?.expiresAt || !uk.requestedAt) throw new Error('no UK sign-off');
    // Four stages of three days, scaled like the flow: not a fixed 30 days.
    expect(Date.parse(uk.expiresAt) - Date.parse(uk.requestedAt)).toBe(
      Math.round(SIGN_OFF_WINDOW_SECONDS * 1000 * TIME_SCALE),
    );
    const page = await (await fetch(links.uk.url)).text();
    expect(page).toContain(`<time datetime="${uk.expiresAt}">`);

    const expired = await cloud.waitForStatus(proposalId, ['EXPIRED'], 60_000);
    // Both links: expired (410), whichever request the flow closed first and withdrew the other.
    for (const link of [links.uk, links.fr]) {
      expect((await fetch(link.url)).status).toBe(410);
      expect((await cloud.decide(link, 'approve')).status).toBe(410);
    }
    const view = expired as unknown as {
      timeline: { at: string; event: string; detail: { authority?: string } }[];
    };
    const expiry = view.timeline.find((e) => e.event === 'SIGN_OFF_EXPIRED');
    if (!expiry) throw new Error('no expiry in the timeline');
    const stated = Date.parse(
      (first.signOffs.find((s) => s.authority === expiry.detail.authority) ?? uk).expiresAt ?? '',
    );
    // The flow expires the request at the stated moment, give or take the time its own tasks take
    // to start (not weeks later, nor earlier than that).
    expect(Math.abs(Date.parse(expiry.at) - stated)).toBeLessThan(2_000);

    // The request, both reminders and the deputy's copy all state that same moment.
    const ukMails = emailsAbout(cloud, proposalId).filter(
      (e) => (e.to.includes(UK_APPROVER) || e.to.includes(UK_DEPUTY)) && e.subject.includes('requested'),
    );
    expect(ukMails.map((e) => e.subject.split(':')[0])).toEqual([
      '[JIF] Sign-off requested',
      '[JIF] Reminder 1/2 – Sign-off requested',
      '[JIF] Reminder 2/2 – Sign-off requested',
      '[JIF] Deputy escalation – Sign-off requested',
    ]);
    for (const mail of ukMails)
      expect(mail.text).toContain(`valid until ${formatDateTime(uk.expiresAt, 'en')}`);
    const frMail = emailsAbout(cloud, proposalId, FR_APPROVER)[0];
    const fr = first.signOffs.find((s) => s.authority === 'FR');
    expect(frMail?.text).toContain(`valable jusqu'au ${formatDateTime(fr?.expiresAt ?? '', 'fr')}`);
  }, 90_000);
});

describe('a rejection', () => {
  it('is taken without a comment (the contract: optional), though the form asks for a reason', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Rejected without a word' }));
    const links = (await waitForMinistryLinks(cloud, [proposalId])).get(proposalId);
    if (!links) throw new Error('no links');
    // The form asks for it before anything is posted (Approve skips that check).
    const page = await (await fetch(links.fr.url)).text();
    expect(page).toMatch(/<textarea id="comment" name="comment"[^>]* required>/);
    expect(page).toMatch(/<button type="submit" name="decision" value="approve" formnovalidate>/);

    const rejected = await cloud.decide(links.fr, 'reject');
    expect(rejected.status).toBe(200);
    await cloud.waitForStatus(proposalId, ['REJECTED']);
    const fr = (await viewOf(cloud, proposalId)).signOffs.find((s) => s.authority === 'FR');
    expect(fr).toMatchObject({ status: 'REJECTED', comment: null });
  });

  it('closes the other link before it answers: an approval right after it answers 409', async () => {
    for (const first of ['fr', 'uk'] as const) {
      const { proposalId } = await cloud.submit(sampleProposal({ title: `Rejected first by ${first}` }));
      const links = (await waitForMinistryLinks(cloud, [proposalId])).get(proposalId);
      if (!links) throw new Error('no links');
      const other = first === 'fr' ? links.uk : links.fr;
      expect((await cloud.decide(links[first], 'reject', 'Non')).status).toBe(200);
      // At once, before the flow has taken the rejection in.
      expect((await cloud.decide(other, 'approve')).status).toBe(409);
      await cloud.waitForStatus(proposalId, ['REJECTED']);
      const signOffs = (await viewOf(cloud, proposalId)).signOffs.map((s) => [s.authority, s.status]);
      expect(signOffs.sort()).toEqual(
        first === 'fr'
          ? [
              ['FR', 'REJECTED'],
              ['UK', 'WITHDRAWN'],
            ]
          : [
              ['FR', 'WITHDRAWN'],
              ['UK', 'REJECTED'],
            ],
      );
    }
  });
});

describe('one rejection withdraws the other request, and says so', () => {
  it('emails the withdrawn approver why, and its link says "withdrawn because ... rejected"', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Rejected by the UK' }));
    const links = (await waitForMinistryLinks(cloud, [proposalId])).get(proposalId);
    if (!links) throw new Error('no links');
    expect((await cloud.decide(links.uk, 'reject', 'Outside the declaration')).status).toBe(200);
    await cloud.waitForStatus(proposalId, ['REJECTED']);

    const notice = await emailAbout(cloud, proposalId, FR_APPROVER, 'Demande retirée');
    expect(notice.subject).toBe(
      `[JIF] Demande retirée / Request withdrawn : Rejected by the UK (${proposalId})`,
    );
    expect(notice.text).toContain("la demande a été retirée car Home Office (Royaume-Uni) l'a rejetée");
    expect(notice.text).toContain('the request was withdrawn because the UK Home Office rejected it');
    expect(notice.text).toContain('Outside the declaration');
    expect(notice.text.indexOf('Demande retirée')).toBeLessThan(notice.text.indexOf('Request withdrawn'));
    // It links to the proposal's page (not to a request: its own link decides nothing any more).
    expect(notice.text).toContain(`/app/proposals/${proposalId}`);
    expect(notice.text).not.toContain('/approvals/');

    for (const response of [
      await fetch(`${links.fr.url}&lang=en`),
      await cloud.decide(links.fr, 'approve'),
    ]) {
      expect(response.status).toBe(409);
      const page = await response.text();
      expect(page).not.toContain('already');
    }
    const english = await (await fetch(`${links.fr.url}&lang=en`)).text();
    expect(english).toContain('This request was withdrawn because the UK Home Office rejected it');
    const french = await (await fetch(links.fr.url)).text();
    expect(french).toContain('Cette demande a été retirée car Home Office (Royaume-Uni) l&#39;a rejetée');
  });
});

describe("every decision's comment reaches the other parties", () => {
  it("the road authority's conditions reach UK and FR; everyone gets the outcome", async () => {
    const { proposalId } = await cloud.submit(
      sampleProposal({
        title: 'Temporary fence',
        category: 'TEMPORARY_SECURITY_MEASURE',
        funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 5_000_000 }],
      }),
    );
    const road = await emailAbout(cloud, proposalId, ROAD_AUTHORITY);
    expect((await cloud.decide(linkIn(road), 'approve', 'Night work only, lane 2 kept open')).status).toBe(
      200,
    );
    const links = (await waitForMinistryLinks(cloud, [proposalId])).get(proposalId);
    if (!links) throw new Error('no links');
    const ukRequest = await emailAbout(cloud, proposalId, UK_APPROVER, 'Sign-off requested');
    expect(ukRequest.text).toContain(
      'Road authority (DIR Nord): agreed, with these conditions: Night work only, lane 2 kept open',
    );
    const frRequest = await emailAbout(cloud, proposalId, FR_APPROVER, 'Validation demandée');
    expect(frRequest.text).toContain(
      'Gestionnaire routier (DIR Nord) : a donné son accord, sous ces conditions : Night work only, lane 2 kept open',
    );
    expect(await (await fetch(`${links.uk.url}&lang=en`)).text()).toContain(
      'Road authority (DIR Nord): agreed, with these conditions: Night work only, lane 2 kept open',
    );

    expect((await cloud.decide(links.uk, 'approve', 'Subject to a quarterly audit')).status).toBe(200);
    // France, deciding second, reads the UK's comment too.
    expect(await (await fetch(links.fr.url)).text()).toContain(
      'Home Office (Royaume-Uni) : a approuvé, avec ce commentaire : Subject to a quarterly audit',
    );
    expect((await cloud.decide(links.fr, 'approve')).status).toBe(200);
    // Its one line is paid at approval: FUNDED, then at once COMPLETED.
    await cloud.waitForStatus(proposalId, ['COMPLETED']);

    const funded = await emailAbout(cloud, proposalId, PORT, 'Funded');
    expect(funded.text).toContain(
      'Road authority (DIR Nord): agreed, with these conditions: Night work only, lane 2 kept open',
    );
    expect(funded.text).toContain(
      'UK Home Office: approved, with this comment: Subject to a quarterly audit',
    );
    for (const [to, subject] of [
      [UK_APPROVER, '[JIF] Outcome: '],
      [FR_APPROVER, '[JIF] Issue / Outcome : '],
      [ROAD_AUTHORITY, '[JIF] Issue / Outcome : '],
    ] as const) {
      const outcome = await emailAbout(cloud, proposalId, to, 'Outcome');
      expect(outcome.subject).toBe(`${subject}Temporary fence (${proposalId})`);
      expect(outcome.text).toContain('Funded: both approved, and the money is committed.');
      expect(outcome.text).toContain('Subject to a quarterly audit');
      expect(outcome.text).toContain('Night work only, lane 2 kept open');
    }
  }, 60_000);
});

describe('every email of the flows above', () => {
  it('has the full link URL in its plain text, and names the proposal (contract §5)', async () => {
    const emails = await cloud.emails();
    expect(emails.length).toBeGreaterThan(10);
    for (const email of emails) {
      expect(email.text, email.subject).toMatch(/https?:\/\/\S+/);
      expect(email.subject, email.subject).toMatch(
        /\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)/,
      );
    }
  });
});
