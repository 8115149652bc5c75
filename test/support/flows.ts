/**
 * Helpers the integration tests share on top of test/support/cloud.ts: waiting on conditions,
 * collecting sign-off links for many proposals at once, walking paginated lists, and signing
 * tokens for other callers with the local issuer's key.
 */
import { expect } from 'vitest';
import type { Role } from '../../functions/platform/roles.ts';
import { localIssuer } from '../../infra/local/auth.ts';
import type { SignOffLink, TestCloud } from './cloud.ts';

export const UK_APPROVER = 'approver@homeoffice.example';
export const FR_APPROVER = 'approbateur@interieur.example';
export const ROAD_AUTHORITY = 'routes@dir-nord.example';

/** The local issuer's name (infra/local/cloud.ts). */
const LOCAL_ISSUER = 'urn:jif:local';

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const LINK = /https?:\/\/\S+\/approvals\/([0-9a-f-]{36})\?token=([A-Za-z0-9_%-]+)/g;

function firstLink(text: string): SignOffLink | undefined {
  for (const match of text.matchAll(LINK)) {
    return { url: match[0], approvalId: match[1] as string, token: decodeURIComponent(match[2] as string) };
  }
  return undefined;
}

export interface MinistryLinks {
  uk: SignOffLink;
  fr: SignOffLink;
}

/** Waits until the UK and FR requests of every proposal have been emailed; one outbox read per poll. */
export async function waitForMinistryLinks(
  cloud: TestCloud,
  proposalIds: string[],
  timeoutMs = 120_000,
): Promise<Map<string, MinistryLinks>> {
  return waitUntil(
    async () => {
      const emails = await cloud.emails();
      const result = new Map<string, MinistryLinks>();
      for (const proposalId of proposalIds) {
        const linkTo = (to: string) => {
          const email = emails.find((e) => e.to.includes(to) && e.text.includes(proposalId));
          return email ? firstLink(email.text) : undefined;
        };
        const uk = linkTo(UK_APPROVER);
        const fr = linkTo(FR_APPROVER);
        if (!uk || !fr) return undefined;
        result.set(proposalId, { uk, fr });
      }
      return result;
    },
    `the UK and FR sign-off emails of ${proposalIds.length} proposal(s)`,
    timeoutMs,
  );
}

/** Approves both ministries' links of each proposal, all at once. */
export async function approveAll(cloud: TestCloud, proposalIds: string[]): Promise<void> {
  const links = await waitForMinistryLinks(cloud, proposalIds);
  const answers = await Promise.all(
    [...links.values()].flatMap(({ uk, fr }) => [cloud.decide(uk, 'approve'), cloud.decide(fr, 'approve')]),
  );
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
}

/** Waits for a proposal to reach one of `statuses` (longer default than the cloud helper's). */
export function settle(
  cloud: TestCloud,
  proposalId: string,
  statuses: string[],
  timeoutMs = 120_000,
): Promise<Record<string, unknown>> {
  return cloud.waitForStatus(proposalId, statuses, timeoutMs);
}

/** Every item of a cursor-paginated JSON list, page by page, with the pages' sizes. */
export async function walkPages<T>(
  cloud: TestCloud,
  path: string,
  options: { as?: Role; token?: string },
): Promise<{ items: T[]; pages: T[][] }> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path;
    const response = await cloud.api('GET', url, options);
    expect(response.status, `GET ${url}`).toBe(200);
    const body = (await response.json()) as { items: T[]; nextCursor: string | null };
    pages.push(body.items);
    cursor = body.nextCursor;
    if (pages.length > 1000) throw new Error(`GET ${path} does not stop paginating`);
  } while (cursor);
  return { items: pages.flat(), pages };
}

/** A bearer token for any subject and groups, signed with the local issuer's own key. */
export async function tokenFor(
  cloud: TestCloud,
  sub: string,
  groups: string[],
  expiresIn?: string,
): Promise<string> {
  const issuer = await localIssuer(cloud.dataDir, LOCAL_ISSUER);
  return issuer.sign(
    { sub, 'cognito:groups': groups, 'cognito:username': sub },
    expiresIn ? { expiresIn } : {},
  );
}

/** How many proposals exist, as an admin sees them. */
export async function proposalCount(cloud: TestCloud): Promise<number> {
  return (await walkPages(cloud, '/proposals?limit=100', { as: 'admin' })).items.length;
}

/** How many approval workflows have been started. */
export function approvalExecutions(cloud: TestCloud): { name: string; status: string }[] {
  return cloud.engine.listExecutions({ stateMachineArn: cloud.stateMachineArn('approval') });
}
