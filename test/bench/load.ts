/**
 * Bounded load on loopback (autocannon: a request count and a duration cap, 10 connections)
 * against the pages approvers open and the finance queries; then this process's resident memory
 * (the whole local cloud lives in it) at idle, after many proposals, and after a forced GC.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import autocannon from 'autocannon';
import type { TestCloud } from '../support/cloud.ts';
import { APPROVERS } from './latency.ts';
import { mib, type Report } from './report.ts';
import { waitForLink } from './shared.ts';

const SECTION = 'load';

export async function measureLoad(report: Report, cloud: TestCloud, quick: boolean): Promise<void> {
  // A sign-off page that stays pending (its proposal is never decided here).
  const { proposalId } = await cloud.submit({
    title: 'Load: a page approvers open',
    category: 'PORT_SECURITY_INFRASTRUCTURE',
    description: 'Its sign-off page is fetched many times; nobody decides.',
    contactEmail: 'port@port-calais.example',
    funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 1_000_00 }],
  });
  const to = APPROVERS[0] as string;
  const link = await waitForLink(cloud, to, proposalId);
  const finance = { authorization: `Bearer ${cloud.tokens.finance}` };
  const targets = [
    { name: 'GET sign-off page', path: new URL(link.url).pathname + new URL(link.url).search, headers: {} },
    { name: 'GET /fund', path: '/fund', headers: finance },
    { name: 'GET /disbursements?limit=100', path: '/disbursements?limit=100', headers: finance },
  ];
  for (const target of targets) {
    const result = await autocannon({
      url: `${cloud.baseUrl}${target.path}`,
      headers: target.headers,
      connections: 10,
      amount: quick ? 100 : 2000,
      duration: quick ? 5 : 30,
    });
    const errors = result.errors + result.timeouts + result.non2xx;
    report.add({
      section: SECTION,
      measure: `${target.name} (10 connections)`,
      value: `${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${errors} errors of ${result.requests.total}`,
      data: {
        requestsPerSecond: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        total: result.requests.total,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
      },
      target: 'no errors',
      met: errors === 0,
    });
  }
}

/** RSS at idle, after `n` proposals (submitted, then rejected through their link), and after GC. */
export async function measureMemory(report: Report, cloud: TestCloud, n: number): Promise<void> {
  const gc = exposeGc();
  gc();
  const idle = process.memoryUsage().rss;
  const runningBefore = cloud.engine.listExecutions({ statusFilter: 'RUNNING' }).length;
  const to = APPROVERS[0] as string;
  const concurrency = 20;
  for (let start = 0; start < n; start += concurrency) {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, n - start) }, async (_, i) => {
        const { proposalId } = await cloud.submit({
          title: `Memory ${start + i}`,
          category: 'PORT_SECURITY_INFRASTRUCTURE',
          description: 'Submitted and rejected, to see memory come back.',
          contactEmail: 'port@port-calais.example',
          funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 1_000_00 }],
        });
        const link = await waitForLink(cloud, to, proposalId);
        await (await cloud.decide(link, 'reject', 'memory bench')).text();
      }),
    );
  }
  const deadline = Date.now() + 120_000;
  while (
    cloud.engine.listExecutions({ statusFilter: 'RUNNING' }).length > runningBefore &&
    Date.now() < deadline
  )
    await new Promise((r) => setTimeout(r, 200));
  const after = process.memoryUsage().rss;
  gc();
  await new Promise((r) => setTimeout(r, 500));
  gc();
  const afterGc = process.memoryUsage().rss;
  report.add({
    section: 'memory',
    measure: `RSS (whole local cloud): idle, after ${n} proposals, after GC`,
    value: `${mib(idle)}, ${mib(after)}, ${mib(afterGc)} (+${mib(afterGc - idle)} kept)`,
    data: { idle, after, afterGc, n },
  });
}

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
