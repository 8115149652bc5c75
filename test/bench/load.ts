/**
 * Bounded load on loopback (autocannon: a request count and a duration cap, 10 connections)
 * against the pages approvers open and the finance queries.
 */
import autocannon from 'autocannon';
import type { TestCloud } from '../support/cloud.ts';
import { APPROVERS } from './latency.ts';
import type { Report } from './report.ts';
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
