/**
 * `npm start`: the whole system on this machine. `npm start -- --reset` wipes the data directory.
 * Environment: JIF_PORT (3000), JIF_DATA_DIR (.jif), JIF_TIME_SCALE (1: real time), JIF_FAULTS (none),
 * JIF_BUNDLES (or `--bundles cdk.out`: run the handler bundles `npm run synth` wrote, as deployed),
 * JIF_CACHE_DIR (node_modules/.cache: bundles, compiled code, flows already validated),
 * JIF_FUNCTION_IDLE_SECONDS (600: an execution environment idle this long is retired, as Lambda does).
 */
import { enableCompileCache } from 'node:module';
import { cacheDir } from './cache.ts';

// V8's compiled code of every module the local cloud loads, kept on disk: a start after the first
// compiles about a quarter less. The modules are imported once it is on.
enableCompileCache(cacheDir('node-compile'));
const { CdkBundlesError } = await import('./cdk-bundles.ts');
const { startLocalCloud } = await import('./cloud.ts');
const { parseFaults } = await import('./faults.ts');

const argv = process.argv.slice(2);
const args = new Set(argv);
const bundlesAt = argv.indexOf('--bundles');
const bundles = bundlesAt >= 0 ? argv[bundlesAt + 1] : process.env.JIF_BUNDLES || undefined;
if (bundlesAt >= 0 && (!bundles || bundles.startsWith('--'))) {
  console.error('--bundles needs a directory: the output of `npm run synth` (cdk.out)');
  process.exit(2);
}
const timeScale = Number(process.env.JIF_TIME_SCALE ?? '1');
if (!(timeScale > 0)) {
  console.error(`JIF_TIME_SCALE must be a positive number, got ${process.env.JIF_TIME_SCALE}`);
  process.exit(2);
}
const port = Number(process.env.JIF_PORT ?? '3000');
const idleSetting = process.env.JIF_FUNCTION_IDLE_SECONDS;
const idleSeconds = Number(idleSetting);
if (idleSetting !== undefined && !(idleSeconds > 0)) {
  console.error(
    `JIF_FUNCTION_IDLE_SECONDS must be a positive number, got ${process.env.JIF_FUNCTION_IDLE_SECONDS}`,
  );
  process.exit(2);
}

const faults = process.env.JIF_FAULTS;
if (faults) {
  try {
    parseFaults(faults);
  } catch (error) {
    console.error(`JIF_FAULTS: ${(error as Error).message}`);
    process.exit(2);
  }
}

let cloud: Awaited<ReturnType<typeof startLocalCloud>>;
try {
  cloud = await startLocalCloud({
    faults,
    ...(bundles ? { bundles } : {}),
    port,
    dataDir: process.env.JIF_DATA_DIR ?? '.jif',
    reset: args.has('--reset'),
    timeScale,
    ...(idleSetting === undefined ? {} : { functionIdleMs: idleSeconds * 1000 }),
    log: args.has('--verbose') ? (line) => console.log(line) : undefined,
  });
} catch (error) {
  if (!(error instanceof CdkBundlesError)) throw error;
  console.error(error.message);
  process.exit(2);
}

// From the process's start: module loading included.
console.log(`JIF is running (ready in ${Math.round(performance.now())} ms)

  API           ${cloud.baseUrl}
  Outbox        ${cloud.outboxUrl}   (JSON: ${cloud.baseUrl}/local/outbox)
  Health        ${cloud.baseUrl}/local/health
  DynamoDB      ${cloud.endpoints.dynamodb}
  StepFunctions ${cloud.endpoints.stepfunctions}
  SES           ${cloud.endpoints.ses}
  Functions     ${Object.keys(cloud.functions.specs).length} handlers, ${bundles ? `the bundles of ${bundles} (npm run synth)` : `${cloud.bundles.built ? 'bundled' : 'bundles up to date'} in ${Math.round(cloud.bundles.ms)} ms`}
  Data          ${cloud.dataDir} (fund year 1 starts ${cloud.fundStartDate})${timeScale !== 1 ? `\n  Time scale    ${timeScale}` : ''}${faults ? `\n  Faults        ${faults}` : ''}

Dev tokens (also at ${cloud.baseUrl}/local/tokens):
${Object.entries(cloud.tokens)
  .map(([role, token]) => `  ${role.padEnd(15)} ${token}`)
  .join('\n')}

Try (or run \`npm run demo\` in another shell):
  PORT_TOKEN=$(curl -s ${cloud.baseUrl}/local/tokens | node -pe 'JSON.parse(require("fs").readFileSync(0))["port-authority"]')
  curl -s -X POST ${cloud.baseUrl}/proposals -H "Authorization: Bearer $PORT_TOKEN" -H 'Content-Type: application/json' \\
    -d '{"title":"Ring road fencing","category":"PORT_SECURITY_INFRASTRUCTURE","description":"Fences along the ring road.","contactEmail":"port@port-calais.example","funding":[{"fundYear":1,"purpose":"INVESTMENT","amountEurCents":120000000}]}'
  then open the outbox, follow both links and press Approve.

Ctrl-C stops; state stays in ${cloud.dataDir}.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('\nStopping JIF...');
    cloud
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  });
}
