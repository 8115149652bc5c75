/**
 * Start-up as a user sees it: `npm start` in a child process (own process group, temporary data
 * directory, free port) until `/local/health` answers 200; and, on request, `npm test` wall time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../infra/local/cloud.ts';
import { ms, type Report, summarise } from './report.ts';

const SECTION = 'start-up';

export async function measureStartup(report: Report, runs: number): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) samples.push(await npmStartToHealth());
  const s = summarise(samples);
  report.add({
    section: SECTION,
    measure: '`npm start` to /local/health 200 (fresh data dir)',
    value: `n=${s.n} p50 ${ms(s.p50)} max ${ms(s.max)}`,
    data: { ...s },
    target: '< 3 s',
    met: s.max < 3000,
  });
}

export async function measureNpmTest(report: Report): Promise<void> {
  const started = performance.now();
  const child = spawn('npm', ['test', '--', '--reporter=dot'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CI: 'true' },
  });
  const code = await exited(child);
  const wall = performance.now() - started;
  report.add({
    section: SECTION,
    measure: '`npm test` wall time',
    value: `${ms(wall)} (exit ${code})`,
    data: { ms: wall, exitCode: code },
  });
}

async function npmStartToHealth(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jif-bench-start-'));
  const port = await freePort();
  const started = performance.now();
  // Its own process group, so the signal reaches npm, tsx and node alike.
  const child = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, JIF_PORT: String(port), JIF_DATA_DIR: dataDir },
  });
  try {
    const deadline = started + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/local/health`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return performance.now() - started;
      if (performance.now() > deadline) throw new Error('npm start: no health within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    if (child.pid !== undefined && child.exitCode === null) {
      signalGroup(child.pid, 'SIGINT');
      await Promise.race([exited(child), new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) signalGroup(child.pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
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
