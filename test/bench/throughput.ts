/**
 * Throughput end to end: N proposals submitted at once; one poller reads the outbox and clicks
 * every sign-off link as its email arrives (POST approve, as a person would after the page). When a
 * proposal's flow ends, its status is read once through the API (it must be FUNDED) and its
 * disbursements once (it must already be paid). No status polling: N pollers would be load the
 * system pays for, and a poll interval would be measured instead of the system. Real time (the
 * cloud's time scale is 1), fund year 1 only.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { REPO_ROOT } from '../../infra/local/cloud.ts';
import { DEFAULT_MAX_ENVIRONMENTS } from '../../infra/local/functions.ts';
import type { TestCloud } from '../support/cloud.ts';
import { ms, type Report, type Row, summarise } from './report.ts';
import { signOffEmails } from './shared.ts';

const SECTION = 'throughput';
/** How throughput-main.ts marks the line that carries its rows. */
export const ROWS_MARK = 'BENCH-ROWS ';

/** Runs the throughput measure in its own process (test/bench/throughput-main.ts) and adds its rows. */
export async function measureThroughputApart(report: Report, n: number): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(REPO_ROOT, 'test/bench/throughput-main.ts'), String(n)],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  const line = out.split('\n').find((l) => l.startsWith(ROWS_MARK));
  if (code !== 0 || !line) throw new Error(`the throughput process ended with ${code} and no rows`);
  for (const row of JSON.parse(line.slice(ROWS_MARK.length)) as Row[]) report.add(row);
}
/** Sign-off emails name the proposal (its title and id) in their subject. */

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
  const clicks: Promise<void>[] = [];
  const confirmations: Promise<void>[] = [];
  const approvalArn = (id: string) =>
    `${cloud.stateMachineArn('approval').replace(':stateMachine:', ':execution:')}:${id}`;
  // When a proposal's flow ends (known in-process, at no cost to the system): one status read and one
  // disbursements read, as its owner would make them: when it is seen FUNDED, and whether it is paid.
  // A read that fails (a 5xx when the machine is starved) is made again, as a client would.
  const read200 = async (path: string, as: 'admin' | 'finance'): Promise<unknown> => {
    for (let attempt = 1; ; attempt += 1) {
      const response = await cloud.api('GET', path, { as });
      if (response.ok || attempt === 5) return response.json();
      await response.text();
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  };
  const endings = new Map<string, number>();
  const confirm = async (id: string, t: Tracked) => {
    const execution = await cloud.engine.waitForExecution(approvalArn(id));
    const proposal = (await read200(`/proposals/${id}`, 'admin')) as { status?: string };
    const ending = `${proposal.status} (flow ${execution.status}${execution.error ? ` ${execution.error}` : ''})`;
    endings.set(ending, (endings.get(ending) ?? 0) + 1);
    // A proposal whose one line is paid at approval may go on from FUNDED to COMPLETED at once.
    if (proposal.status !== 'FUNDED' && proposal.status !== 'COMPLETED') return;
    t.fundedAt = performance.now();
    const paid = (await read200(`/disbursements?proposalId=${id}`, 'finance')) as { items?: unknown[] };
    t.paidWhenFunded = (paid.items?.length ?? 0) > 0;
  };

  // The approvers click as the emails arrive, while the submissions are still coming in; a link that
  // comes again (a request re-sent after a retry) is clicked once, as a person would.
  const clicked = new Set<string>();
  const emails = signOffEmails(cloud);
  let submitting = true;
  const clickAsEmailsArrive = () => {
    for (const { email, link, id } of emails.next()) {
      const entry = tracked.get(id);
      if (!entry) {
        // Its submission's answer is not in yet (the flow can be faster than the HTTP answer).
        if (submitting) emails.hold(email);
        continue;
      }
      if (clicked.has(link.url)) continue;
      clicked.add(link.url);
      entry.emailsAt.push(performance.now());
      clicks.push(
        (async () => {
          const at = performance.now();
          const response = await cloud.decide(link, 'approve');
          await response.text();
          entry.decisions.push({ at, took: performance.now() - at });
        })(),
      );
    }
  };
  let allDone = false;
  const poller = (async () => {
    const deadline = Date.now() + Math.max(120_000, n * 3000);
    while (!allDone && Date.now() < deadline) {
      clickAsEmailsArrive();
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  const tallyBefore = cloud.functions.invocationTally();
  // Every DynamoDB, SES and Step Functions call of the functions is answered on the main thread's
  // event loop: how long its turns wait bounds how fast a function's calls, one after another, go.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  // The main thread alone: the engine, the gateway, dynalite, the fronts, SES and the bench client.
  const mainBefore = process.threadCpuUsage();
  const loadBefore = loadavg()[0] ?? 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const submittedAt = performance.now();
      const { proposalId } = await cloud.submit({
        title: `Throughput ${i}`,
        category: 'PORT_SECURITY_INFRASTRUCTURE',
        description: 'Fences along the ring road, submitted with many others at once.',
        contactEmail: 'port@port-calais.example',
        funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 1_000_00 }],
      });
      const entry: Tracked = { submittedAt, acceptedAt: performance.now(), emailsAt: [], decisions: [] };
      tracked.set(proposalId, entry);
      confirmations.push(confirm(proposalId, entry));
    }),
  );
  const intakeMs = performance.now() - started;
  submitting = false;
  await Promise.allSettled(confirmations);
  allDone = true;
  await poller;
  await Promise.allSettled(clicks);
  const wall = performance.now() - started;
  loopDelay.disable();
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const main = process.threadCpuUsage(mainBefore);
  const mainMs = (main.user + main.system) / 1000;
  const loadAfter = loadavg()[0] ?? 0;
  const all = [...tracked.values()];
  const funded = all.filter((t) => t.fundedAt !== undefined);
  const paid = funded.filter((t) => t.paidWhenFunded).length;
  const rate = (funded.length / wall) * 1000;

  report.add({
    section: SECTION,
    measure: `${n} proposals at once, both links clicked as emails arrive, to FUNDED`,
    value: `${funded.length}/${n} FUNDED in ${ms(wall)}: ${rate.toFixed(1)} proposals/s (all ${n} submissions answered in ${ms(intakeMs)})${funded.length < n ? `; ended: ${[...endings].map(([e, c]) => `${c} ${e}`).join(', ')}` : ''}`,
    data: {
      n,
      funded: funded.length,
      wallMs: wall,
      proposalsPerSecond: rate,
      intakeMs,
      endings: Object.fromEntries(endings),
    },
    target: '>= 20/s, all FUNDED',
    met: rate >= 20 && funded.length === n,
  });
  // The machine is shared: wall time depends on what else runs. CPU time does not: it is what the
  // whole local cloud (one Node process: gateway, engine, handlers, dynalite, SES) spends per proposal.
  const perProposal = cpuMs / Math.max(1, funded.length);
  report.add({
    section: SECTION,
    measure: 'CPU of the local cloud per FUNDED proposal (one process, bench client included)',
    value: `${ms(perProposal)} (${ms(cpuMs)} in all; ${(cpuMs / wall).toFixed(2)} cores busy; one free core would sustain ${(1000 / perProposal).toFixed(1)}/s); main thread ${ms(mainMs / Math.max(1, funded.length))} of it (${((100 * mainMs) / wall).toFixed(0)}% of the wall time busy), function environments and V8/libuv helpers the rest; load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)}`,
    data: {
      cpuMs,
      perProposalMs: perProposal,
      coresBusy: cpuMs / wall,
      mainThreadMs: mainMs,
      mainThreadPerProposalMs: mainMs / Math.max(1, funded.length),
      mainThreadBusy: mainMs / wall,
      loadBefore,
      loadAfter,
    },
  });
  // Where the time went: a function that runs at most DEFAULT_MAX_ENVIRONMENTS environments at once
  // (the local cloud's bound) is a stage every proposal passes through, its invocations queued.
  const tallyAfter = cloud.functions.invocationTally();
  const stages = Object.entries(tallyAfter)
    .map(([name, t]) => {
      const b = tallyBefore[name] ?? { invocations: 0, waitMs: 0, durationMs: 0 };
      const invocations = t.invocations - b.invocations;
      return { name, invocations, waitMs: t.waitMs - b.waitMs, durationMs: t.durationMs - b.durationMs };
    })
    .filter((t) => t.invocations > 0)
    .sort((a, b) => b.durationMs - a.durationMs);
  const delay = (p: number) => loopDelay.percentile(p) / 1e6;
  report.add({
    section: SECTION,
    measure: `where the time went: per function, invocations, mean wait for an environment (at most ${DEFAULT_MAX_ENVIRONMENTS} each), mean duration; the main thread event loop delay`,
    value: `${stages
      .slice(0, 5)
      .map(
        (t) =>
          `${t.name} ${t.invocations}x wait ${ms(t.waitMs / t.invocations)} run ${ms(t.durationMs / t.invocations)}`,
      )
      .join('; ')}; event loop delay p50 ${ms(delay(50))} p99 ${ms(delay(99))}`,
    data: {
      functions: stages,
      eventLoopDelayMs: { p50: delay(50), p90: delay(90), p99: delay(99), mean: loopDelay.mean / 1e6 },
    },
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
