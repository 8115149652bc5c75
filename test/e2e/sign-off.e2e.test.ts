/**
 * A person's view: the emailed links opened in headless Chromium (Debian's, driven by playwright-core),
 * the confirmation page read, Approve pressed, and the proposal funded. A title carrying a script
 * must show as text and never run.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';

let cloud: TestCloud;
let browser: Browser;

beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: 0.001 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await cloud?.close();
});

async function openLink(to: string, proposalId: string): Promise<{ page: Page; dialogs: string[] }> {
  await cloud.waitForEmail((e) => e.to.includes(to) && e.text.includes(proposalId));
  const [link] = await cloud.linksFor(to, proposalId);
  if (!link) throw new Error(`no link for ${to}`);
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const response = await page.goto(link.url);
  expect(response?.status()).toBe(200);
  return { page, dialogs };
}

describe('sign-off in a browser', () => {
  it('shows each approver the proposal and records Approve as a person clicks it', async () => {
    const title = 'Ring road fencing <script>alert("pwned")</script>';
    const { proposalId } = await cloud.submit(sampleProposal({ title }));

    const uk = await openLink('approver@homeoffice.example', proposalId);
    await expect(uk.page.locator('h1').first().textContent()).resolves.toBeTruthy();
    expect(await uk.page.locator('main').textContent()).toContain(title);
    expect(await uk.page.locator('main').textContent()).toContain(proposalId);
    expect(await uk.page.locator('html').getAttribute('lang')).toBe('en');
    // Opening the page decided nothing.
    const before = (await (await cloud.api('GET', `/proposals/${proposalId}`, { as: 'admin' })).json()) as {
      status: string;
    };
    expect(before.status).toBe('AWAITING_SIGN_OFF');
    await uk.page.getByRole('button', { name: /approve/i }).click();
    await uk.page.waitForLoadState();
    expect(await uk.page.locator('main').textContent()).toMatch(/approval has been recorded/i);
    expect(uk.dialogs).toEqual([]);

    const fr = await openLink('approbateur@interieur.example', proposalId);
    expect(await fr.page.locator('html').getAttribute('lang')).toBe('fr');
    await fr.page.getByRole('button', { name: /approuver/i }).click();
    await fr.page.waitForLoadState();
    expect(await fr.page.locator('main').textContent()).toMatch(/approbation a été enregistrée/i);
    expect(fr.dialogs).toEqual([]);

    await cloud.waitForStatus(proposalId, ['FUNDED']);
  });

  it('answers a second press (another tab, a double click) with "already decided"', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Parking area lighting' }));
    const first = await openLink('approver@homeoffice.example', proposalId);
    const second = await openLink('approver@homeoffice.example', proposalId);
    // The browser itself asks for the reason first: nothing is posted without one.
    await first.page.getByRole('button', { name: /reject/i }).click();
    expect(await first.page.locator('textarea:invalid').count()).toBe(1);
    await first.page.getByRole('textbox').fill('Lighting is outside the declaration');
    await first.page.getByRole('button', { name: /reject/i }).click();
    await first.page.waitForLoadState();
    expect(await first.page.locator('main').textContent()).toMatch(/rejection has been recorded/i);
    const [response] = await Promise.all([
      second.page.waitForResponse((r) => r.request().method() === 'POST'),
      second.page.getByRole('button', { name: /approve/i }).click(),
    ]);
    expect(response.status()).toBe(409);
    expect(await second.page.locator('main').textContent()).toMatch(/already been recorded/i);
    await cloud.waitForStatus(proposalId, ['REJECTED']);
  });

  it('lets the reader switch the page language', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Barrières' }));
    const fr = await openLink('approbateur@interieur.example', proposalId);
    await fr.page.getByRole('link', { name: /english/i }).click();
    await fr.page.waitForLoadState();
    expect(await fr.page.locator('html').getAttribute('lang')).toBe('en');
    expect(await fr.page.getByRole('button', { name: /approve/i }).count()).toBe(1);
  });
});
