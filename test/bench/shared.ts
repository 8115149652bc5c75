/**
 * The one local cloud the in-process sections share (handler modules, and the SDK clients they
 * create, load once per process, so one cloud per run), in real time (timeScale 1: retry intervals
 * are AWS's), with DynamoDB reached through the metering proxy.
 */
import { type SignOffLink, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { DynamoDbMeter } from './dynamodb-meter.ts';
import { APPROVERS } from './latency.ts';

export async function withCloud<T>(fn: (cloud: TestCloud, meter: DynamoDbMeter) => Promise<T>): Promise<T> {
  const meter = new DynamoDbMeter();
  const endpoint = await meter.start();
  const cloud = await startTestCloud({
    timeScale: 1,
    environment: { AWS_ENDPOINT_URL_DYNAMODB: endpoint },
  });
  meter.retarget(cloud.endpoints.dynamodb);
  try {
    return await fn(cloud, meter);
  } finally {
    await cloud.close();
    await meter.close();
  }
}

/** The first sign-off link sent to `to` about `subjectId`, read from the outbox in-process (cheap at scale). */
export async function waitForLink(
  cloud: TestCloud,
  to: string,
  subjectId: string,
  timeoutMs = 120_000,
): Promise<SignOffLink> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const email of cloud.outbox.list()) {
      if (!email.to.includes(to) || !email.text.includes(subjectId)) continue;
      const match = SIGN_OFF_LINK.exec(email.text);
      if (match) return linkOf(match);
    }
    if (Date.now() > deadline) throw new Error(`no sign-off link for ${subjectId} to ${to}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const SIGN_OFF_LINK = /https?:\/\/\S+\/approvals\/([0-9a-f-]{36})\?token=([A-Za-z0-9_%-]+)/;

export function linkOf(match: RegExpExecArray): SignOffLink {
  return { url: match[0], approvalId: match[1] as string, token: decodeURIComponent(match[2] as string) };
}

type Email = ReturnType<TestCloud['outbox']['list']>[number];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/**
 * The approvers' sign-off emails as they reach the outbox (from now on), each read once, with its link
 * and the id in its subject. One about a subject the caller does not know yet (the flow can be faster
 * than its submission's HTTP answer) can be held, to come again with the next read.
 */
export function signOffEmails(cloud: TestCloud) {
  let read = cloud.outbox.list().length;
  let held: Email[] = [];
  return {
    next(): { email: Email; link: SignOffLink; id: string }[] {
      const fresh = cloud.outbox.list(read);
      read += fresh.length;
      const waiting = [...held, ...fresh.filter((email) => email.to.some((to) => APPROVERS.includes(to)))];
      held = [];
      return waiting.flatMap((email) => {
        const match = SIGN_OFF_LINK.exec(email.text);
        const id = UUID.exec(email.subject)?.[0];
        return match && id ? [{ email, link: linkOf(match), id }] : [];
      });
    },
    hold(email: Email): void {
      held.push(email);
    },
  };
}
