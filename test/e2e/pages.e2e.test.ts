/**
 * The pages as people use them, in headless Chromium: the port authority signs in, submits through
 * the form (a correction after the server's validation error included) and follows its proposal;
 * the UK and FR approvers open their links from the outbox (the envelopes' room and the other side's
 * decision in the reader's figures and time zone), approve, read the receipt, and open the link again
 * to the same receipt (409); the proposal page shows it
 * funded with the flow picture's last step marked; finance reads the chart's figures, filters the
 * table and downloads the CSV. Every page is checked at 1280 px and 390 px for horizontal overflow
 * and with axe-core (no serious or critical violation) in English and French; screenshots go to
 * test-output/ (ignored by git).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.ts';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const OUT = new URL('../../test-output/', import.meta.url).pathname;

let cloud: TestCloud;
let browser: Browser;
let port: BrowserContext;
const visited = new Set<string>();

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  cloud = await startTestCloud({ timeScale: 0.001 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  // bypassCSP only so the test can inject axe-core; the pages themselves never run a script.
  port = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    bypassCSP: true,
    acceptDownloads: true,
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await cloud?.close();
});

async function signIn(context: BrowserContext, roleLabel: RegExp, next = '/app'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${cloud.baseUrl}/signin?next=${encodeURIComponent(next)}&lang=en`);
  await page.getByLabel(roleLabel).check();
  await Promise.all([page.waitForURL(/\/app\//), page.getByRole('button', { name: 'Sign in' }).click()]);
  return page;
}

/** No horizontal scrolling at this width, no serious or critical axe violation, and a screenshot. */
async function check(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(`${name} at ${width}px overflows by ${overflow}px`).toBe(`${name} at ${width}px overflows by 0px`);
    await page.screenshot({ path: `${OUT}${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate<{
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  }>('axe.run()');
  const violations = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  visited.add(name);
}

/** The same page in both languages. */
async function checkBoth(page: Page, name: string): Promise<void> {
  const url = new URL(page.url());
  for (const lang of ['en', 'fr']) {
    url.searchParams.set('lang', lang);
    await page.goto(url.toString());
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    await check(page, `${name}-${lang}`);
  }
}

let proposalId = '';

describe('the pages in a browser', () => {
  it('shows the home page with each role’s way in', async () => {
    const page = await port.newPage();
    await page.goto(`${cloud.baseUrl}/`);
    expect(await page.locator('h1').textContent()).toMatch(/joint intervention fund/i);
    for (const way of ['Port authority', 'Finance', 'Administration', 'API users'])
      expect(await page.getByRole('heading', { name: way }).count()).toBe(1);
    await checkBoth(page, 'home');
    await page.goto(`${cloud.baseUrl}/signin`);
    await checkBoth(page, 'signin');
    await page.goto(`${cloud.baseUrl}/docs`);
    expect(await page.getByRole('heading', { name: 'POST /proposals', exact: true }).count()).toBe(1);
    await check(page, 'docs-en');
    await page.close();
  }, 120_000);

  it('lets the port authority sign in, correct a refused form and see its proposal', async () => {
    const page = await signIn(port, /port authority/i);
    expect(page.url()).toContain('/app/proposals');
    const cookie = (await port.cookies()).find((c) => c.name === 'jif_session');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    await page.getByRole('link', { name: 'New proposal' }).click();
    await checkBoth(page, 'proposal-form');
    await page.goto(`${cloud.baseUrl}/app/proposals/new?lang=en`);

    await page.getByLabel('Title').fill('Ring road fencing, phase 2');
    await page.getByLabel('Category').selectOption('PORT_SECURITY_INFRASTRUCTURE');
    await page
      .getByLabel('Description')
      .fill('Robust fences along the ring road access to the public area of the port.');
    await page.getByLabel('Contact email').fill('port@port-calais.example');
    const line = (n: number) => page.getByRole('group', { name: `Funding line ${n}` });
    await line(1).getByLabel('Fund year').selectOption('1');
    await line(1).getByLabel('Purpose').selectOption('INVESTMENT');
    await line(1).getByLabel('Amount (EUR)').fill('1 200 000,00');
    // Above the year's EUR 5,000,000 cap: the server refuses this line.
    await line(2).getByLabel('Fund year').selectOption('2');
    await line(2).getByLabel('Purpose').selectOption('RUNNING_COST');
    await line(2).getByLabel('Amount (EUR)').fill('6,000,000.00');
    await page.getByRole('button', { name: 'Submit the proposal' }).click();
    await page.waitForLoadState();

    expect(await page.locator('.error-summary').count()).toBe(1);
    const lineError = await line(2).locator('.error-message').allTextContents();
    expect(lineError.join(' ')).toMatch(/cap|5,000,000|5000000/i);
    // Entries kept.
    expect(await page.getByLabel('Title').inputValue()).toBe('Ring road fencing, phase 2');
    expect(await line(1).getByLabel('Amount (EUR)').inputValue()).toBe('1 200 000,00');
    await check(page, 'proposal-form-errors-en');

    await line(2).getByLabel('Amount (EUR)').fill('150 000');
    await Promise.all([
      page.waitForURL(/\/app\/proposals\/(?!new)[^/?]+/),
      page.getByRole('button', { name: 'Submit the proposal' }).click(),
    ]);
    proposalId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    expect(await page.locator('h1').textContent()).toBe('Ring road fencing, phase 2');
    expect(await page.locator('main').textContent()).toContain('€1,200,000.00');
    const proposal = (await (await cloud.api('GET', `/proposals/${proposalId}`, { as: 'admin' })).json()) as {
      funding: { amountEurCents: number }[];
    };
    expect(proposal.funding.map((f) => f.amountEurCents)).toEqual([120_000_000, 15_000_000]);
    expect(await page.locator('svg.flow g[data-visited="true"]').count()).toBeGreaterThan(0);
    await checkBoth(page, 'proposal');
    await page.goto(`${cloud.baseUrl}/app/proposals?lang=en`);
    expect(await page.locator('main').textContent()).toContain('Ring road fencing, phase 2');
    await checkBoth(page, 'proposals');
    await page.close();
  }, 120_000);

  it('lets the UK and FR approvers open their links from the outbox and approve', async () => {
    const approvers = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    for (const [to, button] of [
      ['approver@homeoffice.example', /approve/i],
      ['approbateur@interieur.example', /approuver/i],
    ] as const) {
      await cloud.waitForEmail((e) => e.to.includes(to) && e.text.includes(proposalId));
      const page = await approvers.newPage();
      await page.goto(
        `${cloud.baseUrl}/local/outbox.html?to=${encodeURIComponent(to)}&proposal=${encodeURIComponent(proposalId)}`,
      );
      expect(await page.locator('article.email').count()).toBeGreaterThan(0);
      if (to.startsWith('approver')) await check(page, 'outbox-en');
      await Promise.all([
        page.waitForURL(/\/approvals\//),
        page.locator('article.email pre a[href*="/approvals/"]').first().click(),
      ]);
      const link = page.url();
      const lang = to.startsWith('approver') ? 'en' : 'fr';
      const main = async () =>
        ((await page.locator('main').textContent()) ?? '').replace(/[\u202f\u00a0]/g, ' ');
      // The envelopes this approval draws on, in the reader's figures; the UK decided before France.
      if (lang === 'en') {
        expect(await page.getByRole('heading', { name: "The fund years' envelopes" }).count()).toBe(1);
        expect(await main()).toContain('€1,200,000.00');
        expect(await main()).toContain('No other authority has decided yet.');
      } else {
        expect(await page.getByRole('heading', { name: 'Les enveloppes des années du fonds' }).count()).toBe(
          1,
        );
        expect(await main()).toContain('1 200 000,00 €');
        expect(await main()).toMatch(
          /Home Office \(Royaume-Uni\) : a approuvé[^(]*\(\d+ \S+ \d{4} à \d\d:\d\d UTC\+\d\)/,
        );
      }
      await check(page, `approval-${lang}`);
      await page.getByRole('button', { name: button }).click();
      await page.waitForLoadState();
      // The receipt: what was decided, by whom, when (in the reader's time zone, named).
      const receipt = await main();
      if (lang === 'en') {
        expect(receipt).toContain('Approval recorded');
        expect(receipt).toMatch(/DecisionApproved/);
        expect(receipt).toMatch(/Decided byUK Home Office/);
        expect(receipt).toMatch(/Decided on\d+ \S+ \d{4} at \d\d:\d\d (GMT|BST)/);
      } else {
        expect(receipt).toContain('Approbation enregistrée');
        expect(receipt).toMatch(/DécisionApprouvé/);
        expect(receipt).toMatch(/Décidé parMinistère de l'Intérieur/);
        expect(receipt).toMatch(/Décidé le\d+ \S+ \d{4} à \d\d:\d\d UTC\+\d/);
      }
      await check(page, `approval-receipt-${lang}`);
      // The link opened again: the same receipt, saying it was decided already (409).
      const again = await page.goto(link);
      expect(again?.status()).toBe(409);
      expect(await main()).toContain(lang === 'en' ? 'Already decided' : 'Déjà décidé');
      expect(await main()).toMatch(lang === 'en' ? /DecisionApproved/ : /DécisionApprouvé/);
      await checkBoth(page, `approval-reopened`);
      await page.close();
    }
    await cloud.waitForStatus(proposalId, ['FUNDED']);
    await approvers.close();
  }, 120_000);

  it('shows the proposal funded, the flow picture’s last step marked', async () => {
    const page = await port.newPage();
    await page.goto(`${cloud.baseUrl}/app/proposals/${encodeURIComponent(proposalId)}?lang=en`);
    expect(await page.locator('#status').textContent()).toBe('Funded');
    const current = page.locator('svg.flow g[data-current="true"]');
    expect(await current.getAttribute('data-state')).toBe('Done');
    expect(await page.locator('svg.flow path[data-taken="true"]').count()).toBeGreaterThan(3);
    await check(page, 'proposal-funded-en');
    await page.close();
  }, 60_000);

  it('lets finance read the chart, filter the table and download the CSV', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      bypassCSP: true,
      acceptDownloads: true,
    });
    const page = await signIn(context, /finance/i);
    expect(page.url()).toContain('/app/finance');
    const committed = await page.locator('#chart-fy1 g[data-figure="Committed"] text').last().textContent();
    expect(committed).toContain('€1,200,000.00');
    expect(await page.locator('table[data-fund-year="1"] [data-figure="disbursed"]').textContent()).toContain(
      '€1,200,000.00',
    );
    expect(await page.locator('#ledger').textContent()).toMatch(/intact/);
    await checkBoth(page, 'finance');

    await page.goto(`${cloud.baseUrl}/app/finance?lang=en`);
    await page.getByLabel('Fund year', { exact: true }).selectOption('1');
    await page.getByLabel('Proposal reference').fill(proposalId);
    await Promise.all([page.waitForURL(/fundYear=1/), page.getByRole('button', { name: 'Apply' }).click()]);
    const rows = page.locator('#disbursements tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(proposalId);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    expect(csv.split('\n')[0]).toContain('paymentReference');
    expect(csv).toContain(proposalId);
    expect(csv.trim().split('\n')).toHaveLength(2);
    await context.close();
  }, 120_000);

  it('shows the admin the evaluation page with its start button', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await signIn(context, /administrator/i, '/app/evaluations/1');
    expect(page.url()).toContain('/app/evaluations/1');
    expect(await page.getByRole('button', { name: 'Start the evaluation' }).count()).toBe(1);
    await checkBoth(page, 'evaluation');
    await context.close();
    expect(visited.size).toBeGreaterThan(15);
  }, 60_000);
});
