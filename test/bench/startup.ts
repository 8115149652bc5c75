/**
 * Start-up as a user sees it: `npm start` in a child process (own process group, temporary data
 * directory, free port) until `/local/health` answers 200, with this checkout's caches (bundles,
 * compiled code, validated flows: a second start) and with empty ones (JIF_CACHE_DIR pointed at a
 * new directory: a fresh clone's first start); and, on request, `npm test` wall time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../infra/local/cloud.ts';
import { ms, type Report, summarise } from './report.ts';

const SECTION = 'start-up';
/**
 * The environment the bench was started with: a local cloud started by a section writes its own
 * endpoints and settings into process.env, which `npm start` and `npm test` must not inherit.
 */
const LAUNCH_ENV = { ...process.env };

export async function measureStartup(report: Report, runs: number): Promise<void> {
  // The first start fills this checkout's caches if they are empty or stale (not timed).
  await npmStartToHealth({ cold: false });
  const warm: Start[] = [];
  for (let i = 0; i < runs; i += 1) warm.push(await npmStartToHealth({ cold: false }));
  const cold: Start[] = [];
  for (let i = 0; i < Math.max(1, Math.ceil(runs / 2)); i += 1)
    cold.push(await npmStartToHealth({ cold: true }));
  for (const [samples, what] of [
    [warm, 'caches of a previous start (fresh data dir)'],
    [cold, 'empty caches, as on a fresh clone (fresh data dir)'],
  ] as const) {
    const s = summarise(samples.map((x) => x.ms));
    const cpu = summarise(samples.map((x) => x.cpuMs ?? Number.NaN));
    report.add({
      section: SECTION,
      measure: `\`npm start\` to /local/health 200: ${what}`,
      value: `n=${s.n} p50 ${ms(s.p50)} max ${ms(s.max)}; CPU p50 ${ms(cpu.p50)} (npm, node, esbuild)`,
      data: { ...s, cpu: { ...cpu }, samples },
      target: '< 3 s',
      met: s.max < 3000,
    });
  }
}

export async function measureNpmTest(report: Report): Promise<void> {
  const started = performance.now();
  const child = spawn('npm', ['test', '--', '--reporter=dot'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...LAUNCH_ENV, CI: 'true' },
  });
  const code = await exited(child);
  const wall = performance.now() - started;
  report.add({
    section: SECTION,
    measure: '`npm test` wall time',
    value: `${ms(wall)} (exit ${code})`,
    data: { ms: wall, exitCode: code },
    target: 'passes (exit 0)',
    met: code === 0,
  });
}

interface Start {
  ms: number;
  /** CPU time of the whole process group (npm, its shell, node, esbuild) at the first 200; Linux only. */
  cpuMs: number | undefined;
}

async function npmStartToHealth(options: { cold: boolean }): Promise<Start> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jif-bench-start-'));
  const cacheDir = options.cold ? mkdtempSync(join(tmpdir(), 'jif-bench-cache-')) : undefined;
  const port = await freePort();
  const started = performance.now();
  // Its own process group, so the signal reaches npm, its shell and node alike.
  const child = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: 'ignore',
    env: {
      ...LAUNCH_ENV,
      JIF_PORT: String(port),
      JIF_DATA_DIR: dataDir,
      ...(cacheDir ? { JIF_CACHE_DIR: cacheDir } : {}),
    },
  });
  try {
    const deadline = started + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/local/health`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) {
        const elapsed = performance.now() - started;
        return { ms: elapsed, cpuMs: child.pid === undefined ? undefined : groupCpuMs(child.pid) };
      }
      if (performance.now() > deadline) throw new Error('npm start: no health within 120 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    if (child.pid !== undefined && child.exitCode === null) {
      signalGroup(child.pid, 'SIGINT');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited(child), new Promise((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      if (child.exitCode === null) signalGroup(child.pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** utime + stime of every live process in the group, from /proc (clock ticks of 10 ms, as Linux sets them). */
function groupCpuMs(pgid: number): number | undefined {
  let ticks = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // ended meanwhile
      }
      // Fields after the command name (which may hold spaces): state is field 3, pgrp 5, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    return undefined;
  }
  return ticks * 10;
}

/** Signals the process group we started; it may already be gone. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
