/**
 * `npm run bench`: figures, not assertions. Starts the local stack in a temporary directory and
 * measures start-up, API latency, a proposal's whole flow, ledger appends and verification, CSV
 * export and memory. Every loop is bounded; traffic goes to 127.0.0.1 only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloud } from '../../infra/local/cloud.ts';
import { type SignOffLink, sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';

interface Row {
  measure: string;
  n: number;
  p50: string;
  p95: string;
  max: string;
  extra: string;
}
const rows: Row[] = [];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
function record(measure: string, samples: number[], extra = '') {
  const sorted = [...samples].sort((a, b) => a - b);
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  rows.push({
    measure,
    n: samples.length,
    p50: ms(percentile(sorted, 50)),
    p95: ms(percentile(sorted, 95)),
    max: ms(sorted.at(-1) ?? Number.NaN),
    extra,
  });
}
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function approveAll(cloud: TestCloud, proposalId: string) {
  const links: SignOffLink[] = [];
  for (const to of ['approver@homeoffice.example', 'approbateur@interieur.example']) {
    await cloud.waitForEmail((e) => e.to.includes(to) && e.text.includes(proposalId), 60_000);
    const [link] = await cloud.linksFor(to, proposalId);
    if (link) links.push(link);
  }
  await Promise.all(links.map((link) => cloud.decide(link, 'approve')));
}

async function main() {
  // Start-up: a fresh data directory, then a restart over it.
  const startups: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'jif-bench-start-'));
    const [cloud, ms] = await timed(() => startLocalCloud({ port: 0, dataDir: dir }));
    startups.push(ms);
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  record('local stack start-up (fresh data dir)', startups);

  const cloud = await startTestCloud({ timeScale: 0.01 });
  try {
    // Intake latency, sequential.
    const intake: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 60; i += 1) {
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
    record('POST /proposals (sequential)', intake);

    // Intake under concurrency: 40 requests, 8 at a time.
    const concurrent: number[] = [];
    const [, wall] = await timed(async () => {
      for (let batch = 0; batch < 5; batch += 1) {
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
    record(
      'POST /proposals (8 concurrent)',
      concurrent,
      `${((concurrent.length / wall) * 1000).toFixed(0)} req/s`,
    );

    // Reads.
    const reads: number[] = [];
    for (const id of ids.slice(0, 40))
      reads.push((await timed(() => cloud.api('GET', `/proposals/${id}`, { as: 'finance' })))[1]);
    record('GET /proposals/{id}', reads);
    const lists: number[] = [];
    for (let i = 0; i < 20; i += 1)
      lists.push((await timed(() => cloud.api('GET', '/proposals?limit=50', { as: 'admin' })))[1]);
    record('GET /proposals?limit=50', lists);

    // A proposal's whole flow: both links clicked at once, until its money is in the ledger.
    const flows: number[] = [];
    for (const id of ids.slice(0, 25)) {
      const [, ms] = await timed(async () => {
        await approveAll(cloud, id);
        await cloud.waitForEmail(
          (e) => e.subject.startsWith('[JIF] Funds disbursed') && e.text.includes(id),
          60_000,
        );
      });
      flows.push(ms);
    }
    record(
      'sign-off clicks -> disbursed (per proposal)',
      flows,
      'email links, 2 nested flows, commit, ledger',
    );

    // Ledger: verify and export what the flows wrote.
    const verifies: number[] = [];
    let records = 0;
    for (let i = 0; i < 10; i += 1) {
      const [response, ms] = await timed(() => cloud.api('GET', '/ledger/verify', { as: 'finance' }));
      records = ((await response.json()) as { records: number }).records;
      verifies.push(ms);
    }
    record('GET /ledger/verify', verifies, `${records} records`);
    const exports: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      exports.push(
        (
          await timed(() =>
            cloud.api('GET', '/disbursements?format=csv&limit=1000', { as: 'finance' }).then((r) => r.text()),
          )
        )[1],
      );
    }
    record('GET /disbursements?format=csv', exports, `${records} rows`);

    const memory = process.memoryUsage();
    rows.push({
      measure: 'memory after the run',
      n: 1,
      p50: '',
      p95: '',
      max: '',
      extra: `rss ${mib(memory.rss)}, heap ${mib(memory.heapUsed)}`,
    });
  } finally {
    await cloud.close();
  }

  const headers = ['measure', 'n', 'p50', 'p95', 'max', 'notes'];
  const table = rows.map((r) => [r.measure, String(r.n), r.p50, r.p95, r.max, r.extra]);
  const widths = headers.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(`\nJIF benchmarks (${new Date().toISOString()}, node ${process.version}, local stack)\n`);
  console.log(line(headers));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table) console.log(line(row));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
