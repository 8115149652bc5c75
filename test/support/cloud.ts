/**
 * Starts the whole local stack (as `npm start` does) on a free port with its own data directory,
 * and gives tests the calls a user or a script would make.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../functions/platform/roles.ts';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../infra/local/cloud.ts';
import type { OutboxEmail } from '../../infra/local/outbox.ts';

export interface TestCloud extends LocalCloud {
  /** Calls the API as a role (or with no token when `as` is omitted). */
  api(
    method: string,
    path: string,
    options?: { as?: Role; token?: string; json?: unknown; body?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  emails(): Promise<OutboxEmail[]>;
  /** Sign-off links found in the emails sent to `to` about `subjectId` (newest last). */
  linksFor(to: string, subjectId?: string): Promise<SignOffLink[]>;
  /** Waits until a predicate over the outbox holds. */
  waitForEmail(predicate: (email: OutboxEmail) => boolean, timeoutMs?: number): Promise<OutboxEmail>;
  /** Waits until a proposal reaches one of the statuses. */
  waitForStatus(proposalId: string, statuses: string[], timeoutMs?: number): Promise<Record<string, unknown>>;
  submit(
    proposal: unknown,
    options?: { as?: Role; idempotencyKey?: string },
  ): Promise<{ proposalId: string; status: string }>;
  decide(link: SignOffLink, decision: 'approve' | 'reject', comment?: string): Promise<Response>;
  close(): Promise<void>;
}

export interface SignOffLink {
  url: string;
  approvalId: string;
  token: string;
}

export function sampleProposal(overrides: Record<string, unknown> = {}) {
  return {
    title: 'Ring road fencing, phase 1',
    category: 'PORT_SECURITY_INFRASTRUCTURE',
    description: 'Robust fences along the ring road access to the public area of the port.',
    contactEmail: 'port@port-calais.example',
    funding: [
      { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 120_000_000 },
      { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 15_000_000 },
    ],
    ...overrides,
  };
}

export async function startTestCloud(options: LocalCloudOptions = {}): Promise<TestCloud> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'jif-test-'));
  const cloud = await startLocalCloud({ port: 0, timeScale: 0.00001, ...options, dataDir });
  const api: TestCloud['api'] = (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token ?? (opts.as ? cloud.tokens[opts.as] : undefined);
    if (token) headers.authorization = `Bearer ${token}`;
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] ??= 'application/json';
    }
    return fetch(`${cloud.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
  };
  const emails = async () => (await (await fetch(`${cloud.baseUrl}/local/outbox`)).json()) as OutboxEmail[];
  const linksFor: TestCloud['linksFor'] = async (to, subjectId) => {
    const links: SignOffLink[] = [];
    for (const email of await emails()) {
      if (!email.to.includes(to)) continue;
      if (subjectId && !email.text.includes(subjectId)) continue;
      for (const match of email.text.matchAll(
        /https?:\/\/\S+\/approvals\/([0-9a-f-]{36})\?token=([A-Za-z0-9_%-]+)/g,
      )) {
        const url = match[0];
        if (links.some((l) => l.url === url)) continue;
        links.push({ url, approvalId: match[1] as string, token: decodeURIComponent(match[2] as string) });
      }
    }
    return links;
  };
  const waitUntil = async <T>(
    probe: () => Promise<T | undefined>,
    timeoutMs: number,
    what: string,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  return {
    ...cloud,
    api,
    emails,
    linksFor,
    waitForEmail: (predicate, timeoutMs = 15_000) =>
      waitUntil(async () => (await emails()).find(predicate), timeoutMs, 'an email'),
    waitForStatus: (proposalId, statuses, timeoutMs = 20_000) =>
      waitUntil(
        async () => {
          const response = await api('GET', `/proposals/${proposalId}`, { as: 'admin' });
          const body = (await response.json()) as Record<string, unknown>;
          return statuses.includes(String(body.status)) ? body : undefined;
        },
        timeoutMs,
        `proposal ${proposalId} to reach ${statuses.join('/')}`,
      ),
    async submit(proposal, opts = {}) {
      const response = await api('POST', '/proposals', {
        as: opts.as ?? 'port-authority',
        json: proposal,
        headers: opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {},
      });
      if (response.status !== 201)
        throw new Error(`submit answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as { proposalId: string; status: string };
    },
    decide(link, decision, comment) {
      const form = new URLSearchParams({ token: link.token, decision, ...(comment ? { comment } : {}) });
      return fetch(`${cloud.baseUrl}/approvals/${link.approvalId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    },
    async close() {
      await cloud.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
