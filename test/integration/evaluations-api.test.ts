/**
 * The evaluation's HTTP surface over the local stack, as its users meet it: POST /evaluations (roles,
 * 202 and its repeat, 400 by field, an early start only with a reason, a new round after a round that
 * left a project undecided, 409 once approved), the cost report form behind the port authority's
 * emailed link (GET never records; POST 200/400/422/410/404, corrections until the deadline, French
 * amounts; everything escaped), and GET /evaluations/{fundYear} as JSON and as an HTML page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import {
  type CostReportLink,
  costReportLink,
  dateAgo,
  type EvaluationReport,
  evaluationReaches,
  evaluationReport,
  postCostReport,
} from '../support/evaluations.ts';
import { PORT } from '../support/executions.ts';
import { approveAll, FR_APPROVER, settle, UK_APPROVER, waitUntil } from '../support/flows.ts';

let cloud: TestCloud;
const hostile = '<script>alert("x")</script> & "quotes"';

beforeAll(async () => {
  // Fund year 1 ended a month ago (its evaluation is open); fund year 2 ends in eleven months.
  // Time runs 50,000 times faster: a round's 14 days for cost reports last 24 s, long enough for the
  // reports, refusals and corrections below to land before the deadline on a busy machine.
  cloud = await startTestCloud({ fundStartDate: dateAgo(13), timeScale: 0.00002 });
});
afterAll(async () => {
  await cloud?.close();
});

const post = (json: unknown, as: 'admin' | 'finance' | 'port-authority' | null = 'admin') =>
  cloud.api('POST', '/evaluations', { ...(as ? { as } : {}), json });

describe('POST /evaluations and GET /evaluations/{fundYear}', () => {
  it('are for admins (start) and finance or admins (read) only', async () => {
    expect((await post({ fundYear: 1 }, null)).status).toBe(401);
    expect((await post({ fundYear: 1 }, 'finance')).status).toBe(403);
    expect((await post({ fundYear: 1 }, 'port-authority')).status).toBe(403);
    expect((await cloud.api('GET', '/evaluations/1', { as: 'port-authority' })).status).toBe(403);
    expect((await cloud.api('GET', '/evaluations/1')).status).toBe(401);
  });

  it('refuse a year that cannot be evaluated, by field', async () => {
    const last = await post({ fundYear: 3 });
    expect(last.status).toBe(400);
    const lastBody = (await last.json()) as { errors: { path: string; message: string }[] };
    expect(lastBody.errors).toEqual([
      { path: 'fundYear', message: expect.stringMatching(/must be 1 or 2.*fund year 3 is the fund's last/) },
    ]);

    const wrong = await post({ fundYear: '1', extra: true });
    expect(wrong.status).toBe(400);
    const paths = ((await wrong.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort();
    expect(paths).toEqual(['extra', 'fundYear']);
    expect((await post({ fundYear: 1.5 })).status).toBe(400);
    expect((await post({})).status).toBe(400);
    const notJson = await cloud.api('POST', '/evaluations', {
      as: 'admin',
      body: '{fundYear: 1',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    const form = await cloud.api('POST', '/evaluations', {
      as: 'admin',
      body: 'fundYear=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
  });

  it('answer 404 for a year never evaluated, or a path that names no evaluation', async () => {
    const never = await cloud.api('GET', '/evaluations/1', { as: 'finance' });
    expect(never.status).toBe(404);
    expect(((await never.json()) as { message: string }).message).toMatch(/has not been started/);
    for (const path of ['/evaluations/3', '/evaluations/x', '/evaluations/12']) {
      expect((await cloud.api('GET', path, { as: 'admin' })).status, path).toBe(404);
    }
  });
});

describe('an evaluation from start to report', () => {
  const ids = { reported: '', silent: '' };
  const links: Record<'reported' | 'silent', CostReportLink> = {
    reported: { url: '', reportId: '', token: '' },
    silent: { url: '', reportId: '', token: '' },
  };

  it('starts with 202, its Location and the same answer while it runs', async () => {
    const submitted = await Promise.all([
      cloud.submit(
        sampleProposal({
          title: `Parking guards ${hostile}`,
          category: 'PARKING_AREA_SECURITY',
          funding: [{ fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 15_000_000 }],
        }),
      ),
      cloud.submit(
        sampleProposal({
          title: 'Parking lights upkeep',
          category: 'PARKING_AREA_SECURITY',
          funding: [{ fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 2_000_000 }],
        }),
      ),
    ]);
    [ids.reported, ids.silent] = submitted.map((s) => s.proposalId) as [string, string];
    await approveAll(cloud, Object.values(ids));
    for (const id of Object.values(ids)) await settle(cloud, id, ['FUNDED']);

    const first = await post({ fundYear: 1 });
    expect(first.status).toBe(202);
    expect(first.headers.get('location')).toBe('/evaluations/1');
    const body = await first.json();
    expect(body).toEqual({ fundYear: 1, round: 1, status: 'COLLECTING_REPORTS', evaluationId: 'EVAL-FY1' });
    const repeat = await post({ fundYear: 1 });
    expect(repeat.status).toBe(202);
    expect(await repeat.json()).toEqual(body);
    const executions = cloud.engine
      .listExecutions({ stateMachineArn: cloud.stateMachineArn('evaluation') })
      .filter((e) => e.name === 'evaluation-FY1');
    expect(executions).toHaveLength(1);

    links.reported = await costReportLink(cloud, ids.reported, 1);
    links.silent = await costReportLink(cloud, ids.silent, 1);
  });

  it('emails the port authority a link naming the project, French first, then English', () => {
    const email = cloud.outbox.list().find((e) => e.to.includes(PORT) && e.text.includes(links.reported.url));
    if (!email) throw new Error('no cost report email');
    expect(email.to).toEqual([PORT]);
    expect(email.text).toContain(ids.reported);
    expect(email.text).toContain(`Parking guards ${hostile}`);
    expect(email.text.indexOf('Déclaration du coût annuel')).toBeGreaterThanOrEqual(0);
    expect(email.text.indexOf('Déclaration du coût annuel')).toBeLessThan(
      email.text.indexOf('Report of the annual security cost'),
    );
    expect(email.text).toContain('EUR 150,000.00 (GBP 120,000.00)');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;');
  });

  it('opens the form in the language of the email section whose link was followed', async () => {
    const email = cloud.outbox.list().find((e) => e.to.includes(PORT) && e.text.includes(links.reported.url));
    const urls = [...(email?.text ?? '').matchAll(/https?:\/\/\S+\/cost-reports\/\S+/g)].map((m) => m[0]);
    expect(urls).toHaveLength(2);
    const [french, english] = urls as [string, string];
    expect(french).toMatch(/&lang=fr$/);
    expect(english).toMatch(/&lang=en$/);
    // Even a browser that prefers the other language gets the email's language.
    const en = await (await fetch(english, { headers: { 'accept-language': 'fr-FR,fr' } })).text();
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Actual security cost for fund year 1, in euros');
    const fr = await (await fetch(french, { headers: { 'accept-language': 'en-GB,en' } })).text();
    expect(fr).toContain('<html lang="fr">');
    expect(fr).toContain('Coût réel de sûreté de l&#39;année 1 du fonds, en euros');
  });

  it('shows the form on GET, changing nothing, escaped, with the pages’ security headers', async () => {
    const page = await fetch(`${links.reported.url}&lang=en`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(
      'Parking guards &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;',
    );
    expect(html).toContain(
      `<form method="post" action="/cost-reports/${links.reported.reportId}" novalidate>`,
    );
    expect(html).toContain(
      '<label for="actualCostEur">Actual security cost for fund year 1, in euros</label>',
    );
    expect(html).toMatch(/<input type="text" id="actualCostEur" name="actualCostEur" inputmode="decimal"/);
    expect(html).toContain('<textarea id="note" name="note"');
    expect(html.match(/<button/g)).toHaveLength(1);
    expect(html).toContain('€150,000.00 (£120,000.00)');
    expect((await fetch(links.reported.url)).status).toBe(200); // French by default; a GET again is fine
    const french = await (await fetch(links.reported.url)).text();
    expect(french).toContain('<html lang="fr">');
    expect(
      (await cloud.api('GET', '/evaluations/1', { as: 'finance' }).then((r) => r.json())) as EvaluationReport,
    ).toMatchObject({
      status: 'COLLECTING_REPORTS',
      reports: expect.arrayContaining([
        expect.objectContaining({ proposalId: ids.reported, status: 'PENDING' }),
      ]),
    });
  });

  it('answers 404 for a wrong token, an unknown report or another report’s token', async () => {
    const base = `${cloud.baseUrl}/cost-reports`;
    expect((await fetch(`${base}/${links.reported.reportId}?token=nope`)).status).toBe(404);
    expect((await fetch(`${base}/${links.reported.reportId}`)).status).toBe(404);
    expect(
      (
        await fetch(
          `${base}/00000000-0000-4000-8000-000000000000?token=${encodeURIComponent(links.reported.token)}`,
        )
      ).status,
    ).toBe(404);
    expect(
      (await fetch(`${base}/${links.reported.reportId}?token=${encodeURIComponent(links.silent.token)}`))
        .status,
    ).toBe(404);
    const posted = await postCostReport(
      cloud,
      { reportId: links.reported.reportId, token: 'nope' },
      {
        actualCostEur: '1.00',
      },
    );
    expect(posted.status).toBe(404);
    expect(await posted.text()).not.toContain('Parking guards');
  });

  it('refuses an amount that is not euros with 400, naming the field, and keeps what was typed escaped', async () => {
    for (const amount of ['', 'abc', '-5', '1.2345', '12 abc', '1,2,3', '<b>9</b>']) {
      const refused = await postCostReport(cloud, links.reported, { actualCostEur: amount, lang: 'en' });
      expect(refused.status, amount).toBe(400);
      const html = await refused.text();
      expect(html).toContain(
        '<a href="#actualCostEur">Enter the actual cost in euros and cents, for example 148250.00 or 148 250,00</a>',
      );
      expect(html).toContain('aria-invalid="true"');
      expect(html).not.toContain('<b>9</b>');
    }
    const tooLong = await postCostReport(cloud, links.reported, {
      actualCostEur: '10.00',
      note: 'x'.repeat(2001),
      lang: 'en',
    });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain('<a href="#note">');
    const unsupported = await fetch(`${cloud.baseUrl}/cost-reports/${links.reported.reportId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: links.reported.token, actualCostEur: '1.00' }),
    });
    expect(unsupported.status).toBe(415);
    expect((await evaluationReaches(cloud, 1, ['COLLECTING_REPORTS'])).reports).toEqual(
      expect.arrayContaining([expect.objectContaining({ proposalId: ids.reported, status: 'PENDING' })]),
    );
  });

  it('refuses a cost above the fund’s yearly cap, and asks to confirm one far above the commitment', async () => {
    const aboveCap = await postCostReport(cloud, links.reported, {
      actualCostEur: '5 000 000,01',
      lang: 'en',
    });
    expect(aboveCap.status).toBe(400);
    expect(await aboveCap.text()).toContain('yearly cap of €5,000,000.00: check the amount');

    // EUR 400,000 against EUR 150,000 committed: more than twice, so the form asks to confirm it.
    const farAbove = await postCostReport(cloud, links.reported, {
      actualCostEur: '400 000,00',
      askToConfirm: '1',
      lang: 'en',
    });
    expect(farAbove.status).toBe(422);
    const asking = await farAbove.text();
    expect(asking).toContain('€400,000.00 is more than twice the €150,000.00 committed');
    expect(asking).toContain('name="confirmAmount" value="40000000"');
    // A confirmation of another figure confirms nothing.
    const otherFigure = await postCostReport(cloud, links.reported, {
      actualCostEur: '450000',
      askToConfirm: '1',
      confirmAmount: '40000000',
      lang: 'en',
    });
    expect(otherFigure.status).toBe(422);
    expect((await evaluationReport(cloud, 1)).reports).toEqual(
      expect.arrayContaining([expect.objectContaining({ proposalId: ids.reported, status: 'PENDING' })]),
    );
    const confirmed = await postCostReport(cloud, links.reported, {
      actualCostEur: '400 000,00',
      askToConfirm: '1',
      confirmAmount: '40000000',
      lang: 'en',
    });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('€400,000.00 (£320,000.00)');
    // A client posting the contract's fields only (no form asking) is taken at its word.
    const scripted = await postCostReport(cloud, links.reported, { actualCostEur: '400000.00' });
    expect(scripted.status).toBe(200);
  });

  it('takes corrections until the deadline, in French notation too; the last figure sent counts', async () => {
    const corrected = await postCostReport(cloud, links.reported, {
      actualCostEur: '148 250,00',
      note: `Invoices attached ${hostile}`,
      lang: 'en',
    });
    expect(corrected.status).toBe(200);
    const html = await corrected.text();
    expect(html).toContain('€148,250.00 (£118,600.00)');
    expect(html).toContain('You can correct it with the same link until');
    expect(html).not.toMatch(/<script/i);
    const shown = await fetch(`${links.reported.url}&lang=en`);
    expect(shown.status).toBe(200);
    const form = await shown.text();
    expect(form).toContain('Reported so far: €148,250.00');
    expect(form).toContain('Invoices attached &lt;script&gt;');
    expect((await evaluationReport(cloud, 1)).reports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          proposalId: ids.reported,
          status: 'SUBMITTED',
          actualEurCents: 14_825_000,
        }),
      ]),
    );
  });

  it('answers 410 once the deadline has passed, to a report never sent and to a correction', async () => {
    await waitUntil(
      async () => ((await fetch(links.silent.url)).status === 410 ? true : undefined),
      'the silent report to expire',
    );
    expect((await postCostReport(cloud, links.silent, { actualCostEur: '10.00' })).status).toBe(410);
    const late = await postCostReport(cloud, links.reported, { actualCostEur: '1.00', lang: 'en' });
    expect(late.status).toBe(410);
    expect(await late.text()).toContain('the cost last sent stands');
    // The silent project's port authority was reminded twice, then told the deadline passed. The link
    // answers 410 from the absolute deadline, while the flow's reminders follow scaled relative waits
    // that a loaded machine stretches: count them once the flow has sent its last email.
    await cloud.waitForEmail((e) => e.text.includes(ids.silent) && e.subject.includes('Deadline passed'));
    const toSilent = cloud.outbox.list().filter((e) => e.to.includes(PORT) && e.text.includes(ids.silent));
    const subjects = toSilent.map((e) => e.subject).filter((s) => /Reminder \d|Deadline passed/.test(s));
    expect(subjects.map((s) => (/Reminder/.test(s) ? 'reminder' : 'deadline'))).toEqual([
      'reminder',
      'reminder',
      'deadline',
    ]);
    const toReported = cloud.outbox
      .list()
      .filter((e) => e.to.includes(PORT) && e.text.includes(ids.reported));
    expect(toReported.filter((e) => /Reminder|Deadline passed/.test(e.subject))).toEqual([]);
  }, 60_000);

  it('goes to UK and FR sign-off with the lines; approved for the project that reported, the silent one left open', async () => {
    const awaiting = await evaluationReaches(cloud, 1, ['AWAITING_SIGN_OFF']);
    expect(
      awaiting.lines
        .map((l) => [l.proposalId, l.reportStatus, l.actualEurCents, l.nextTrancheEurCents])
        .sort(),
    ).toEqual(
      [
        [ids.reported, 'SUBMITTED', 14_825_000, 14_825_000],
        [ids.silent, 'EXPIRED', null, 0],
      ].sort(),
    );
    for (const to of [UK_APPROVER, FR_APPROVER]) {
      await cloud.waitForEmail((e) => e.to.includes(to) && e.text.includes('EVAL-FY1'), 30_000);
      const [link] = await cloud.linksFor(to, 'EVAL-FY1');
      if (!link) throw new Error(`no link for ${to}`);
      const page = (await (await fetch(link.url)).text()).replace(/[\u202f\u00a0]/g, ' ');
      // Figures in the reader's language: the UK's page in English, the French ministry's in French.
      expect(page).toContain(to === UK_APPROVER ? '€148,250.00' : '148 250,00 €');
      expect(page).toContain('Invoices attached &lt;script&gt;'); // the note reaches the approvers
      expect(page).not.toMatch(/<script/i);
      expect((await cloud.decide(link, 'approve')).status).toBe(200);
    }
    const partly = await evaluationReaches(cloud, 1, ['PARTLY_APPROVED']);
    expect(partly.lines.find((l) => l.proposalId === ids.reported)?.paymentReference).toMatch(/^JIF-FY2-/);
    expect(partly.lines.find((l) => l.proposalId === ids.silent)?.paymentReference).toBeUndefined();
  }, 60_000);

  it('reports as JSON in EUR cents and GBP pence, and as an HTML page', async () => {
    const response = await cloud.api('GET', '/evaluations/1', { as: 'finance' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const report = (await response.json()) as EvaluationReport & Record<string, unknown>;
    expect(report).toMatchObject({
      fundYear: 1,
      evaluationId: 'EVAL-FY1',
      round: 1,
      status: 'PARTLY_APPROVED',
      startedAt: expect.any(String),
      totals: {
        fundedEurCents: 17_000_000,
        fundedGbpPence: 13_600_000,
        actualEurCents: 14_825_000,
        actualGbpPence: 11_860_000,
        nextTrancheEurCents: 14_825_000,
        nextTrancheGbpPence: 11_860_000,
      },
    });
    expect(report.signOffs.map((s) => [s.authority, s.status])).toEqual([
      ['FR', 'APPROVED'],
      ['UK', 'APPROVED'],
    ]);
    expect(report.reports.map((r) => [r.proposalId, r.status, typeof r.submittedAt]).sort()).toEqual(
      [
        [ids.reported, 'SUBMITTED', 'string'],
        [ids.silent, 'EXPIRED', 'undefined'],
      ].sort(),
    );
    const reported = report.lines.find((l) => l.proposalId === ids.reported);
    expect(reported?.paymentReference).toMatch(/^JIF-FY2-\d{6}$/);
    expect((await cloud.api('GET', '/evaluations/1', { as: 'admin' })).status).toBe(200);

    const page = await cloud.api('GET', '/evaluations/1', {
      as: 'finance',
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<h1>Annual security-cost evaluation, fund year 1</h1>');
    expect(html).toContain('Parking guards &lt;script&gt;');
    expect(html).toContain('Invoices attached &lt;script&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('€148,250.00');
    expect(html).toContain('Not reported');
  });

  it('starts a new round for the project left open; once it is decided, the year is APPROVED and a start is 409', async () => {
    const second = await post({ fundYear: 1 });
    expect(second.status).toBe(202);
    expect(await second.json()).toEqual({
      fundYear: 1,
      round: 2,
      status: 'COLLECTING_REPORTS',
      evaluationId: 'EVAL-FY1-R2',
    });
    const repeat = await post({ fundYear: 1 });
    expect(repeat.status).toBe(202);
    expect(((await repeat.json()) as { round: number }).round).toBe(2);

    // Only the project without a decided tranche is asked again, with a new link.
    const relink = await waitUntil(async () => {
      const links = cloud.outbox
        .list()
        .filter((e) => e.to.includes(PORT) && /\/cost-reports\//.test(e.text) && !/Reminder/.test(e.subject))
        .filter((e) => e.text.includes(ids.silent));
      return links.length === 2 ? links[1] : undefined;
    }, 'the second round’s cost report email');
    const match = /\/cost-reports\/([0-9a-f-]{36})\?token=([A-Za-z0-9_%-]+)/.exec(relink.text);
    if (!match) throw new Error('no link');
    const link = { reportId: match[1] as string, token: decodeURIComponent(match[2] as string) };
    expect(link.reportId).not.toBe(links.silent.reportId);
    expect((await postCostReport(cloud, link, { actualCostEur: '19 500' })).status).toBe(200);

    const awaiting = await evaluationReaches(cloud, 1, ['AWAITING_SIGN_OFF']);
    expect(awaiting.lines.map((l) => [l.proposalId, l.actualEurCents, l.nextTrancheEurCents])).toEqual([
      [ids.silent, 1_950_000, 1_950_000],
    ]);
    for (const to of [UK_APPROVER, FR_APPROVER]) {
      await cloud.waitForEmail((e) => e.to.includes(to) && e.text.includes('EVAL-FY1-R2'), 30_000);
      const [approval] = await cloud.linksFor(to, 'EVAL-FY1-R2');
      if (!approval) throw new Error(`no round 2 link for ${to}`);
      expect((await cloud.decide(approval, 'approve')).status).toBe(200);
    }
    const approved = await evaluationReaches(cloud, 1, ['APPROVED']);
    expect(approved).toMatchObject({
      round: 2,
      previousRounds: [{ round: 1, evaluationId: 'EVAL-FY1', status: 'PARTLY_APPROVED' }],
    });
    // Both projects' tranches are paid, each once, across the two rounds.
    const disbursed = (await (
      await cloud.api('GET', '/disbursements?fundYear=2&purpose=RUNNING_COST', { as: 'finance' })
    ).json()) as { items: { proposalId: string; amountEurCents: number }[] };
    expect(disbursed.items.map((d) => [d.proposalId, d.amountEurCents]).sort()).toEqual(
      [
        [ids.reported, 14_825_000],
        [ids.silent, 1_950_000],
      ].sort(),
    );
    const again = await post({ fundYear: 1 });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toMatch(/already finished: APPROVED/);
  }, 90_000);
});

describe('an evaluation started before its window opens', () => {
  it('starts with {fundYear} alone (the contract), and is recorded as an early start', async () => {
    // A fund whose year 1 began yesterday: its evaluation window opens in eleven months.
    const young = await startTestCloud({ fundStartDate: dateAgo(0), timeScale: 0.00002 });
    try {
      const started = await young.api('POST', '/evaluations', { as: 'admin', json: { fundYear: 1 } });
      expect(started.status).toBe(202);
      const report = await evaluationReport(young, 1);
      expect(report).toMatchObject({ earlyStart: { reason: '', opensAt: expect.any(String) } });
      const page = await young.api('GET', '/evaluations/1', {
        as: 'admin',
        headers: { accept: 'text/html' },
      });
      const html = await page.text();
      expect(html).toContain('Started before the evaluation window opened');
      expect(html).toContain('no reason given');
    } finally {
      await young.close();
    }
  });

  it('records and shows the reason given for it', async () => {
    // Fund year 2 ends in eleven months: its evaluation opens 30 days before that.
    expect((await cloud.api('GET', '/evaluations/2', { as: 'finance' })).status).toBe(404);
    const reason = `Ministerial audit brought forward ${hostile}`;
    const started = await post({ fundYear: 2, reason });
    expect(started.status).toBe(202);
    const report = await evaluationReport(cloud, 2);
    expect(report).toMatchObject({ earlyStart: { reason, opensAt: expect.any(String) } });
    const page = await cloud.api('GET', '/evaluations/2', { as: 'admin', headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(html).toContain('Started before the evaluation window opened');
    expect(html).toContain('Ministerial audit brought forward &lt;script&gt;');
    expect(html).not.toMatch(/<script/i);
  });
});

describe('an evaluation whose flow failed', () => {
  it('says so in its report, and POST /evaluations redrives it once the cause is cleared', async () => {
    const own = await startTestCloud({ fundStartDate: dateAgo(13), timeScale: 0.00002 });
    const faults = (method: string, body?: string) =>
      fetch(`${own.baseUrl}/local/faults`, { method, ...(body ? { body } : {}) });
    try {
      const { proposalId } = await own.submit(
        sampleProposal({
          title: 'Parking guards, mail refused',
          category: 'PARKING_AREA_SECURITY',
          funding: [{ fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 3_000_000 }],
        }),
      );
      await approveAll(own, [proposalId]);
      await settle(own, proposalId, ['FUNDED']);
      // The cost report email is refused for good: the round's flow fails, visibly.
      expect((await faults('POST', 'ses:MessageRejected:always')).status).toBe(200);
      const start = () => own.api('POST', '/evaluations', { as: 'admin', json: { fundYear: 1 } });
      expect((await start()).status).toBe(202);
      const workflowOf = async () =>
        (
          (await (await own.api('GET', '/evaluations/1', { as: 'finance' })).json()) as {
            workflow?: { status: string; error?: { error: string } };
          }
        ).workflow;
      const failed = await waitUntil(
        async () => ((await workflowOf())?.status === 'FAILED' ? await workflowOf() : undefined),
        'the evaluation flow to fail',
      );
      expect(failed?.error?.error).toBe('MessageRejected');

      expect((await faults('DELETE')).status).toBe(200);
      expect((await start()).status).toBe(202);
      await costReportLink(own, proposalId, 1);
      expect((await workflowOf())?.status).toBe('RUNNING');
    } finally {
      await own.close();
    }
  });
});
