/**
 * The throughput run in a process of its own (`npm run bench` starts it): a fresh local cloud as
 * `npm start` runs it (no metering proxy in front of DynamoDB, no ledger left by other sections),
 * whose rows go back to the bench as one marked JSON line on stdout.
 */
import './quiet-logs.ts';
import { startTestCloud } from '../support/cloud.ts';
import { Report } from './report.ts';
import { measureThroughput, ROWS_MARK } from './throughput.ts';

const n = Number(process.argv[2] ?? '200');
const report = new Report('full');
const cloud = await startTestCloud({ timeScale: 1 });
// The rows go out as soon as they are measured: a fault while the cloud shuts down (reported on
// stderr) must not lose them.
process.on('unhandledRejection', (error) => {
  console.error('throughput: unhandled rejection', error);
});
try {
  await measureThroughput(report, cloud, n);
  process.stdout.write(`\n${ROWS_MARK}${JSON.stringify(report.rows)}\n`);
} finally {
  await cloud.close();
}
process.exit(0);
