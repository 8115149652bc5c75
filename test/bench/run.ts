/**
 * `npm run bench`: figures, not assertions. One table, the same figures as JSON in bench-results/.
 *
 *   npm run bench                 the full run (minutes; the machine is shared: run it sparingly)
 *   npm run bench -- --quick      seconds, fewer samples (CI runs it so the harness cannot rot)
 *   npm run bench -- --no-tests   the full run without timing `npm test` (minutes of its own)
 *   BENCH_QUICK=1                 same as --quick
 *   BENCH_ONLY=cost,latency       only these sections (to work on one)
 *
 * Every loop is bounded; traffic goes to 127.0.0.1 only. The process exits when done; timers the
 * local engine leaves armed (a leak) are counted in the table first.
 */
import './quiet-logs.ts';
import { resolve } from 'node:path';
import { REPO_ROOT } from '../../infra/local/cloud.ts';
import { measureColdStart } from './cold-start.ts';
import { measureCost } from './cost.ts';
import { measureFinance } from './finance.ts';
import { measureLatency } from './latency.ts';
import { measureLoad } from './load.ts';
import { measureMemory } from './memory.ts';
import { Report } from './report.ts';
import { withCloud } from './shared.ts';
import { measureNpmTest, measureStartup } from './startup.ts';
import { measureThroughput, measureThroughputApart } from './throughput.ts';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick') || process.env.BENCH_QUICK === '1';
const report = new Report(quick ? 'quick' : 'full');
const only = process.env.BENCH_ONLY?.split(',');

async function main() {
  const section = async (name: string, fn: () => Promise<void>) => {
    if (only && !only.includes(name)) return;
    const started = performance.now();
    process.stderr.write(`bench: ${name}...`);
    try {
      await fn();
    } catch (error) {
      // One broken section is a row that says so, not a lost table.
      report.add({
        section: name,
        measure: 'FAILED',
        value: String((error as Error).stack ?? error),
        met: false,
      });
    }
    process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    // The figures so far, on disk: a run that dies later keeps them.
    report.write(resolve(REPO_ROOT, 'bench-results'));
  };
  await section('start-up', () => measureStartup(report, quick ? 1 : 3));
  await withCloud(async (cloud, meter) => {
    await section('cost', () => measureCost(report, cloud, meter));
    await section('latency', () => measureLatency(report, cloud, quick));
    // The full run in a process and a cloud of its own (no metering proxy, a fresh database).
    await section('throughput', () =>
      quick ? measureThroughput(report, cloud, 5) : measureThroughputApart(report, 200),
    );
    await section('load', () => measureLoad(report, cloud, quick));
    // 1,000 proposals, 100 of them to FUNDED (each FUNDED one costs about 0.4 s of CPU).
    await section('memory', () => measureMemory(report, cloud, quick ? 20 : 1000, quick ? 4 : 100));
    // Last: it leaves a large ledger behind.
    await section('finance', () => measureFinance(report, cloud, quick ? [500, 2000] : [10_000, 100_000]));
  });
  // Everything the clouds started is stopped now: any timer still armed is one the engine left behind.
  const armed = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  report.add({
    section: 'memory',
    measure: 'timers still armed after the local cloud stopped',
    value: String(armed),
    data: { armed, resources: process.getActiveResourcesInfo() },
    target: '0',
    met: armed === 0,
  });
  await section('cold start', () => measureColdStart(report, quick ? 0 : 11));
  // Last: the suite starts clouds of its own and would weigh on every figure above.
  if (!quick && !args.has('--no-tests')) await section('npm test', () => measureNpmTest(report));

  console.log(`\n${report.markdown()}\n`);
  console.log(`JSON: ${report.write(resolve(REPO_ROOT, 'bench-results'))}`);
  if (report.rows.some((r) => r.measure === 'FAILED')) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    // Done. Timers the engine leaves armed are a row of the table (above), not a hung process. A
    // server closed last is released by libuv one turn of the loop later: that turn first.
    await new Promise((resolve) => setImmediate(resolve));
    const left = process
      .getActiveResourcesInfo()
      .filter((r) => !['Timeout', 'PipeWrap', 'TTYWrap'].includes(r));
    if (left.length > 0) console.error(`bench: still holding the event loop at the end: ${left.join(', ')}`);
    process.exit(process.exitCode ?? 0);
  });
