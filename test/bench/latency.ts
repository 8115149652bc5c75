/**
 * Request latency through the local gateway, handlers and dynalite: intake sequential and
 * concurrent, reads, and a proposal's flow from both sign-off clicks to its disbursement email.
 */
import { type SignOffLink, sampleProposal, type TestCloud } from '../support/cloud.ts';
import { type Report, timed } from './report.ts';

const SECTION = 'latency';
export const APPROVERS = ['approver@homeoffice.example', 'approbateur@interieur.example'];

export async function approveAll(cloud: TestCloud, proposalId: string): Promise<void> {
  const links: SignOffLink[] = [];
  for (const to of APPROVERS) {
    await cloud.waitForEmail((e) => e.to.includes(to) && e.text.includes(proposalId), 60_000);
    const [link] = await cloud.linksFor(to, proposalId);
    if (link) links.push(link);
  }
  await Promise.all(links.map((link) => cloud.decide(link, 'approve')));
}

export async function measureLatency(report: Report, cloud: TestCloud, quick: boolean): Promise<void> {
  {
    const n = quick ? 10 : 60;
    const intake: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const [response, ms] = await timed(() =>
        cloud.api('POST', '/proposals', {
          as: 'port-authority',
          json: sampleProposal({
            title: `Bench ${i}`,
            funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 1_000_000 }],
          }),
        }),
      );
      intake.push(ms);
      ids.push(((await response.json()) as { proposalId: string }).proposalId);
    }
    report.latency(SECTION, 'POST /proposals (sequential)', intake);

    const concurrent: number[] = [];
    const batches = quick ? 1 : 5;
    const [, wall] = await timed(async () => {
      for (let batch = 0; batch < batches; batch += 1) {
        await Promise.all(
          Array.from({ length: 8 }, async (_, i) => {
            const [, ms] = await timed(() =>
              cloud.api('POST', '/proposals', {
                as: 'port-authority',
                json: sampleProposal({ title: `Bench c${batch}-${i}` }),
              }),
            );
            concurrent.push(ms);
          }),
        );
      }
    });
    report.latency(SECTION, 'POST /proposals (8 concurrent)', concurrent, {
      data: { requestsPerSecond: (concurrent.length / wall) * 1000 },
    });

    const reads: number[] = [];
    for (const id of ids)
      reads.push((await timed(() => cloud.api('GET', `/proposals/${id}`, { as: 'finance' })))[1]);
    report.latency(SECTION, 'GET /proposals/{id}', reads);

    const flows: number[] = [];
    for (const id of ids.slice(0, quick ? 3 : 25)) {
      const [, ms] = await timed(async () => {
        await approveAll(cloud, id);
        await cloud.waitForEmail(
          (e) => e.subject.includes('Funded') && e.to.includes('finance@fund.example') && e.text.includes(id),
          60_000,
        );
      });
      flows.push(ms);
    }
    report.latency(SECTION, 'both sign-off clicks -> disbursement email', flows);
  }
}
