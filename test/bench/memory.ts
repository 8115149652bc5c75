/**
 * Resident memory of the whole local cloud (one process: gateway, engine, dynalite, SES, and the
 * functions' execution environments as worker threads): at idle, under `n` proposals, and once the
 * load has passed.
 *
 * The `n` proposals go in two halves, each submitted 20 at a time (the intake); one poller reads
 * the outbox as the emails arrive and approves both sign-off links of every `n / funded`-th
 * proposal, which then goes on to FUNDED and paid; the others stay awaiting sign-off (open
 * proposals, as a fund has). Driving every one to FUNDED would take about 0.4 s of CPU each (see the
 * throughput rows): 1,000 would be many minutes of the machine for no more memory information.
 *
 * "Passed" is what a real system gives back: the execution environments left idle are retired, as
 * Lambda reclaims idle ones (after minutes there; here the section shortens the idle time to
 * IDLE_MS), and the main thread's GC. The main thread's GC does not collect the workers' heaps: a
 * warm environment keeps its garbage until its own GC or its retirement, so idle is also measured
 * with no environment, and "kept" compares like with like.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_IDLE_MS } from '../../infra/local/functions.ts';
import type { TestCloud } from '../support/cloud.ts';
import { APPROVERS } from './latency.ts';
import { mib, ms, type Report } from './report.ts';
import { signOffEmails } from './shared.ts';

const SECTION = 'memory';
/** The idle time after which an environment is retired, during this section only. */
const IDLE_MS = 5_000;
/** At most this long for the RSS to stop falling after a GC. */
const SETTLE_MAX_MS = 30_000;

interface Figure {
  rss: number;
  heapUsed: number;
  /** What V8 holds for the main thread's heap (used or not): part of the RSS. */
  heapTotal: number;
  environments: number;
  running: number;
  emails: number;
}

export async function measureMemory(
  report: Report,
  cloud: TestCloud,
  n: number,
  funded: number,
): Promise<void> {
  const gc = exposeGc();
  const environments = () => Object.values(cloud.functions.environments()).reduce((a, b) => a + b, 0);
  const figure = async (collect: boolean): Promise<Figure> => {
    if (collect) {
      // V8 gives its emptied heap pages back over seconds after a GC (its memory reducer), and
      // the freed memory of retired environments follows: sampled until it stops falling.
      gc();
      let last = process.memoryUsage().rss;
      for (let steady = 0, waited = 0; steady < 3 && waited < SETTLE_MAX_MS; waited += 1000) {
        await sleep(1000);
        gc();
        const now = process.memoryUsage().rss;
        steady = last - now > 2 ** 20 ? 0 : steady + 1;
        last = Math.min(last, now);
      }
    }
    const { rss, heapUsed, heapTotal } = process.memoryUsage();
    return {
      rss,
      heapUsed,
      heapTotal,
      environments: environments(),
      running: cloud.engine.listExecutions({ statusFilter: 'RUNNING' }).length,
      emails: cloud.outbox.list().length,
    };
  };
  const allRetired = async () => {
    const deadline = Date.now() + IDLE_MS + 30_000;
    while (environments() > 0 && Date.now() < deadline) await sleep(250);
  };

  // Every approval still awaiting sign-off is stopped at the end; those the earlier sections left
  // open are stopped first, so that idle and the end compare the same thing: no flow running.
  const approvals = cloud.stateMachineArn('approval');
  const stopOpenApprovals = async () => {
    const open = cloud.engine.listExecutions({ stateMachineArn: approvals, statusFilter: 'RUNNING' });
    for (const { executionArn } of open)
      cloud.engine.stopExecution(executionArn, 'Bench.MemoryDone', 'the memory section is over');
    await Promise.allSettled(open.map(({ executionArn }) => cloud.engine.waitForExecution(executionArn)));
    return open.length;
  };
  const leftOpen = await stopOpenApprovals();
  const idleWarm = await figure(true);
  cloud.functions.setIdleMs(IDLE_MS);
  try {
    await allRetired();
    const idle = await figure(true);
    // Two halves, each followed by its "passed" figure: what the second adds to the first is growth
    // that does not come back; what both keep alike is a high-water mark (freed, then reused).
    const halves: Half[] = [];
    for (const [from, to] of [
      [0, Math.floor(n / 2)],
      [Math.floor(n / 2), n],
    ] as const) {
      const load = await drive(cloud, from, to, Math.max(1, Math.floor(n / Math.max(1, funded))));
      const after = await figure(false);
      await allRetired();
      halves.push({ ...load, after, passed: await figure(true) });
    }
    const [first, second] = halves as [Half, Half];
    // Then the open proposals' flows end (stopped, as an administrator would): what the cloud keeps
    // after that is what no live work holds, the growth that does not come back.
    const stopped = await stopOpenApprovals();
    await allRetired();
    const ended = await figure(true);
    const plus = (bytes: number) => `${bytes >= 0 ? '+' : ''}${mib(bytes)}`;
    const sum = (f: (h: Half) => number) => halves.reduce((total, h) => total + f(h), 0);
    const approved = sum((h) => h.approved);
    report.add({
      section: SECTION,
      measure: `RSS (whole local cloud): idle; ${n} proposals in two halves (${approved} approved to FUNDED through their links, ${n - approved} left awaiting sign-off); after each half passed (environments idle ${IDLE_MS / 1000} s retired, as Lambda reclaims idle ones; GC, then until the RSS stops falling)`,
      value: `idle${leftOpen > 0 ? ` (the ${leftOpen} approvals earlier sections left open stopped first)` : ''} ${mib(idleWarm.rss)} with ${idleWarm.environments} environments warm, ${mib(idle.rss)} with none; peak ${mib(Math.max(first.peak, second.peak))} with up to ${Math.max(first.after.environments, second.after.environments)} environments; passed ${mib(first.passed.rss)} after ${first.count}, ${mib(second.passed.rss)} after ${n}: ${plus(second.passed.rss - idle.rss)} kept in all, ${plus(second.passed.rss - first.passed.rss)} by the second half (main heap used ${plus(second.passed.heapUsed - idle.heapUsed)}, held ${plus(second.passed.heapTotal - idle.heapTotal)}: ${second.passed.running - idle.running} more executions running, ${second.passed.emails - idle.emails} more emails in the outbox; ${((second.passed.heapUsed - first.passed.heapUsed) / 1024 / Math.max(1, second.count)).toFixed(0)} KiB of heap per proposal of the second half)`,
      data: { n, funded, idleMsDuringSection: IDLE_MS, leftOpenBefore: leftOpen, idleWarm, idle, halves },
    });
    const finished = sum((h) => h.count);
    report.add({
      section: SECTION,
      measure: `the same once every flow has ended (the ${stopped} approvals still awaiting sign-off stopped, environments retired, GC): kept against idle, per proposal`,
      value: `${mib(ended.rss)} RSS, ${plus(ended.rss - idle.rss)} against idle; main heap used ${plus(ended.heapUsed - idle.heapUsed)} (${((ended.heapUsed - idle.heapUsed) / 1024 / finished).toFixed(1)} KiB per proposal; ${ended.running - idle.running} more executions running, ${ended.emails - idle.emails} more emails in the outbox)`,
      data: { stopped, leftOpenBefore: leftOpen, ended },
    });
    const intakeMs = sum((h) => h.intakeMs);
    const signedOff = sum((h) => h.signedOff);
    const fundedOk = sum((h) => h.funded);
    report.add({
      section: SECTION,
      measure: 'the load above: intake, sign-off emails, FUNDED',
      value: `${n} answered in ${ms(intakeMs)} (${((n / intakeMs) * 1000).toFixed(0)}/s); both sign-off emails out for ${signedOff}/${n}; FUNDED ${fundedOk}/${approved}; ${ms(sum((h) => h.loadMs))} and ${ms(sum((h) => h.cpuMs))} of CPU in all`,
      data: { intakeMs, signedOff, fundedOk, approved },
      target: 'all emails out, all approved FUNDED',
      met: signedOff === n && fundedOk === approved,
    });
  } finally {
    cloud.functions.setIdleMs(DEFAULT_IDLE_MS);
  }
}

interface Load {
  count: number;
  approved: number;
  funded: number;
  signedOff: number;
  intakeMs: number;
  loadMs: number;
  cpuMs: number;
  peak: number;
}
type Half = Load & { after: Figure; passed: Figure };

/**
 * Proposals `from` to `to` submitted 20 at a time; every `every`-th approved through both links as
 * its emails arrive. Done when every one's two sign-off emails are out and the approved ones' flows
 * have ended (bounded).
 */
async function drive(cloud: TestCloud, from: number, to: number, every: number): Promise<Load> {
  const index = new Map<string, number>();
  const signOffLinks = new Map<string, Set<string>>();
  const clicks: Promise<void>[] = [];
  const toFund: string[] = [];
  const emails = signOffEmails(cloud);
  let peak = process.memoryUsage().rss;
  const poll = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
    for (const { email, link, id } of emails.next()) {
      const i = index.get(id);
      if (i === undefined) {
        emails.hold(email);
        continue;
      }
      const links = signOffLinks.get(id) ?? new Set<string>();
      signOffLinks.set(id, links);
      if (links.has(link.url)) continue;
      links.add(link.url);
      if (i % every !== 0) continue;
      clicks.push(
        cloud.decide(link, 'approve').then(async (response) => {
          await response.text();
        }),
      );
    }
  };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      poll();
      await sleep(100);
    }
  })();

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = from;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < to) {
        const i = next++;
        const { proposalId } = await cloud.submit({
          title: `Memory ${i}`,
          category: 'PORT_SECURITY_INFRASTRUCTURE',
          description: 'One of many: submitted, and approved or left awaiting sign-off.',
          contactEmail: 'port@port-calais.example',
          funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 1_000_00 }],
        });
        index.set(proposalId, i);
        if (i % every === 0) toFund.push(proposalId);
      }
    }),
  );
  const intakeMs = performance.now() - started;
  const deadline = Date.now() + Math.max(120_000, (to - from) * 300);
  const signedOff = () =>
    [...index.keys()].filter((id) => (signOffLinks.get(id)?.size ?? 0) >= APPROVERS.length).length;
  while (signedOff() < index.size && Date.now() < deadline) await sleep(250);
  const approvalArn = (id: string) =>
    `${cloud.stateMachineArn('approval').replace(':stateMachine:', ':execution:')}:${id}`;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  await Promise.race([
    Promise.allSettled(toFund.map((id) => cloud.engine.waitForExecution(approvalArn(id)))),
    late,
  ]);
  clearTimeout(timer);
  polling = false;
  await poller;
  await Promise.allSettled(clicks);
  const loadMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  let funded = 0;
  for (const id of toFund) {
    const response = await cloud.api('GET', `/proposals/${id}`, { as: 'admin' });
    const status = ((await response.json()) as { status?: string }).status;
    if (status === 'FUNDED' || status === 'COMPLETED') funded += 1;
  }
  return {
    count: to - from,
    approved: toFund.length,
    funded,
    signedOff: signedOff(),
    intakeMs,
    loadMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peak,
  };
}

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
