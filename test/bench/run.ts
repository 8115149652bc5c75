/**
 * `npm run bench`: figures, not assertions. One table, the same figures as JSON in bench-results/.
 *
 *   npm run bench                 the full run (minutes; the machine is shared: run it sparingly)
 *   npm run bench -- --quick      seconds, fewer samples (CI runs it so the harness cannot rot)
 *   npm run bench -- --with-tests also times `npm test` (not in quick mode)
 *   BENCH_QUICK=1                 same as --quick
 *   BENCH_ONLY=cost,latency       only these sections (to work on one)
 *
 * Every loop is bounded; traffic goes to 127.0.0.1 only. The process exits when done: if anything
 * still holds the event loop a few seconds after the table, it names what and exits 1.
 */
import { resolve } from 'node:path';
import { REPO_ROOT } from '../../infra/local/cloud.ts';
import { measureColdStart } from './cold-start.ts';
import { measureCost } from './cost.ts';
import { measureLatency } from './latency.ts';
import { Report } from './report.ts';
import { withCloud } from './shared.ts';
import { measureNpmTest, measureStartup } from './startup.ts';

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
  };
  await section('start-up', () => measureStartup(report, quick ? 1 : 3));
  await withCloud(async (cloud, meter) => {
    await section('cost', () => measureCost(report, cloud, meter));
    await section('latency', () => measureLatency(report, cloud, quick));
  });
  await section('cold start', () => measureColdStart(report, quick ? 0 : 5));
  if (args.has('--with-tests') && !quick) await section('npm test', () => measureNpmTest(report));

  console.log(`\n${report.markdown()}\n`);
  console.log(`JSON: ${report.write(resolve(REPO_ROOT, 'bench-results'))}`);
  if (report.rows.some((r) => r.measure === 'FAILED')) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    // Done: nothing should hold the loop now. If something does, say what, and do not hang CI.
    setTimeout(() => {
      console.error('bench: still running 5 s after the end; holding the event loop:');
      console.error(process.getActiveResourcesInfo().join(', '));
      process.exit(1);
    }, 5000).unref();
  });
