/**
 * Throughput end to end: N proposals submitted at once; one poller reads the outbox and clicks
 * every sign-off link as its email arrives (POST approve, as a person would after the page); each
 * proposal whose both decisions are in is polled (lightly) until FUNDED, and then must already
 * have its payment in the ledger. Real time (the cloud's time scale is 1), fund year 1 only.
 */
import type { TestCloud } from '../support/cloud.ts';
import { APPROVERS } from './latency.ts';
import { ms, type Report, summarise } from './report.ts';
import { linkOf, SIGN_OFF_LINK } from './shared.ts';

const SECTION = 'throughput';

interface Tracked {
  submittedAt: number;
  acceptedAt?: number;
  emailsAt: number[];
  decisions: { at: number; took: number }[];
  fundedAt?: number;
  paidWhenFunded?: boolean;
}

export async function measureThroughput(report: Report, cloud: TestCloud, n: number): Promise<void> {
  const tracked = new Map<string, Tracked>();
  const started = performance.now();
  const submitted = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const submittedAt = performance.now();
      const { proposalId } = await cloud.submit({
        title: `Throughput ${i}`,
        category: 'PORT_SECURITY_INFRASTRUCTURE',
        description: 'Fences along the ring road, submitted with many others at once.',
        contactEmail: 'port@port-calais.example',
        funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 1_000_00 }],
      });
      tracked.set(proposalId, { submittedAt, acceptedAt: performance.now(), emailsAt: [], decisions: [] });
      return proposalId;
    }),
  );
  const intakeMs = performance.now() - started;

  const seen = new Set<string>();
  const clicks: Promise<void>[] = [];
  const deadline = Date.now() + Math.max(120_000, n * 3000);
  let fundedCount = 0;
  while (fundedCount < n) {
    if (Date.now() > deadline) break;
    for (const email of cloud.outbox.list()) {
      if (seen.has(email.id)) continue;
      seen.add(email.id);
      if (!email.to.some((to) => APPROVERS.includes(to))) continue;
      const match = SIGN_OFF_LINK.exec(email.text);
      const proposalId = submitted.find((id) => email.text.includes(id));
      const entry = proposalId ? tracked.get(proposalId) : undefined;
      if (!match || !entry) continue;
      entry.emailsAt.push(performance.now());
      const link = linkOf(match);
      clicks.push(
        (async () => {
          const at = performance.now();
          const response = await cloud.decide(link, 'approve');
          await response.text();
          entry.decisions.push({ at, took: performance.now() - at });
        })(),
      );
    }
    // FUNDED, for those whose both decisions are in: a few status reads per round, not a flood.
    const waiting = [...tracked]
      .filter(([, t]) => t.decisions.length >= 2 && t.fundedAt === undefined)
      .slice(0, 20);
    await Promise.all(
      waiting.map(async ([id, t]) => {
        const proposal = (await (await cloud.api('GET', `/proposals/${id}`, { as: 'admin' })).json()) as {
          status: string;
        };
        if (proposal.status !== 'FUNDED') return;
        t.fundedAt = performance.now();
        const paid = (await (
          await cloud.api('GET', `/disbursements?proposalId=${id}`, { as: 'finance' })
        ).json()) as { items?: unknown[] };
        t.paidWhenFunded = (paid.items?.length ?? 0) > 0;
        fundedCount += 1;
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
  }
  await Promise.allSettled(clicks);
  const wall = performance.now() - started;
  const all = [...tracked.values()];
  const funded = all.filter((t) => t.fundedAt !== undefined);
  const paid = funded.filter((t) => t.paidWhenFunded).length;
  const rate = (funded.length / wall) * 1000;

  report.add({
    section: SECTION,
    measure: `${n} proposals at once, both links clicked as emails arrive, to FUNDED`,
    value: `${funded.length}/${n} FUNDED in ${ms(wall)}: ${rate.toFixed(1)} proposals/s (intake alone ${((n / intakeMs) * 1000).toFixed(0)}/s)`,
    data: { n, funded: funded.length, wallMs: wall, proposalsPerSecond: rate, intakeMs },
    target: '>= 20/s, all FUNDED',
    met: rate >= 20 && funded.length === n,
  });
  report.add({
    section: SECTION,
    measure: 'paid when FUNDED (payment in the ledger at the first FUNDED read)',
    value: `${paid}/${funded.length}`,
    data: { paid, funded: funded.length },
    target: 'all',
    met: paid === funded.length && funded.length === n,
  });
  const toEmails = all
    .filter((t) => t.emailsAt.length >= 2)
    .map((t) => Math.max(...t.emailsAt) - t.submittedAt);
  const decision = all.flatMap((t) => t.decisions.map((d) => d.took));
  const lastToFunded = funded.map(
    (t) => (t.fundedAt as number) - Math.max(...t.decisions.map((d) => d.at + d.took)),
  );
  for (const [measure, samples] of [
    ['submit -> both sign-off emails', toEmails],
    ['decision POST -> answered (task completed)', decision],
    ['last decision -> FUNDED seen', lastToFunded],
  ] as const) {
    const s = summarise([...samples]);
    report.add({
      section: SECTION,
      measure,
      value: `n=${s.n} p50 ${ms(s.p50)} p95 ${ms(s.p95)} max ${ms(s.max)}`,
      data: { ...s },
    });
  }
}
