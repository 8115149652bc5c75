/**
 * The embedded cloud: DynamoDB (dynalite), SES (aws-ses-v2-local), Step Functions (our engine over
 * aws-local-stepfunctions) and an API Gateway, in one Node process, built from infra/system.ts.
 * Handlers run unchanged: they find the services through AWS_ENDPOINT_URL_* variables.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import * as sesModule from 'aws-ses-v2-local';
import { securityHeaders } from '../../functions/pages/pages.ts';
import type { Role } from '../../functions/platform/roles.ts';
import {
  bindingEnvironment,
  type FunctionName,
  type FunctionSpec,
  functionSpec,
  limitsOf,
  routesOf,
  type Substitution,
  system,
  tableNames,
  tableSpec,
  type WorkflowName,
  type WorkflowSpec,
  workflowArnEnv,
  workflowNames,
  workflowSpec,
} from '../system.ts';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, localIssuer, localSignIn } from './auth.ts';
import { bundleFunctions } from './bundle.ts';
import { readCdkBundles, withDeployedLimits } from './cdk-bundles.ts';
import { localDynalite } from './dynalite.ts';
import { stepFunctionsApi } from './engine/api.ts';
import { loadWorkflow } from './engine/definition.ts';
import { LocalStepFunctions, type RegisteredWorkflow } from './engine/engine.ts';
import { ExecutionStore } from './engine/store.ts';
import { FaultSpecError, Faults, guardServer, invokeWithFaults } from './faults.ts';
import { type FrontRequest, type FrontService, startFront } from './front.ts';
import { LocalFunctions, lambdaError } from './functions.ts';
import { apiGateway, type LocalRoute, sendJson } from './gateway.ts';
import { CONFIGURATION_SET, functionAccessKeyId, localPrincipals, stateMachineAccessKeyId } from './iam.ts';
import { functionArn, REGION, resourceName, stateMachineArn, tableName } from './names.ts';
import { Outbox } from './outbox.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface LocalCloudOptions {
  /** API port; 0 picks a free one. */
  port?: number;
  dataDir?: string;
  reset?: boolean;
  /** Multiplies waits, task timeouts and retry intervals (JIF_TIME_SCALE). */
  timeScale?: number;
  /** Overrides the fund start date (default: the day the data directory was created). */
  fundStartDate?: string;
  /**
   * The functions' descriptions (default: infra/system.ts's), e.g. one with a grant removed, to
   * show what AWS would refuse.
   */
  functions?: Readonly<Record<string, FunctionSpec>>;
  /**
   * What the state machines' roles are derived from (default: infra/system.ts's workflows), e.g.
   * one whose nesting grant is removed. Their definitions are always infra/system.ts's.
   */
  workflows?: Readonly<Record<string, WorkflowSpec>>;
  /** Extra environment for the handlers (e.g. other approver addresses in tests). */
  environment?: Record<string, string>;
  /** Faults on demand at start (default: `JIF_FAULTS`); see infra/local/faults.ts. */
  faults?: string;
  /**
   * A cloud assembly (`cdk synth`'s output, e.g. `cdk.out`) whose handler bundles the functions run:
   * the artifacts a deploy uploads (default: bundles made here from the sources).
   */
  bundles?: string;
  /**
   * How long a function's execution environment may stay idle before it is retired, as Lambda
   * reclaims idle ones (default: infra/local/functions.ts's DEFAULT_IDLE_MS, 10 minutes).
   */
  functionIdleMs?: number;
  log?: (line: string) => void;
}

export interface LocalCloud {
  baseUrl: string;
  outboxUrl: string;
  endpoints: { dynamodb: string; stepfunctions: string; ses: string };
  tokens: Record<Role, string>;
  engine: LocalStepFunctions;
  functions: LocalFunctions;
  /** How the handlers were made ready at start: bundled now, or the cached bundles still current. */
  bundles: { built: boolean; ms: number };
  outbox: Outbox;
  dataDir: string;
  fundStartDate: string;
  stateMachineArn(name: WorkflowName): string;
  stop(): Promise<void>;
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  // The code: bundled here from the sources, or the bundles `cdk synth` produced (what deploys),
  // with the timeout and memory the template gives each function (read first: a
  // missing or unbundled function stops the start before any server runs).
  const specs: Readonly<Record<string, FunctionSpec>> = options.functions ?? system.functions;
  const deployed = options.bundles ? readCdkBundles(options.bundles, Object.keys(specs)) : undefined;
  const runSpecs = deployed ? withDeployedLimits(specs, deployed) : specs;
  const dataDir = resolve(options.dataDir ?? '.jif');
  if (options.reset) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const log = options.log ?? (() => {});
  const fundStartDate = options.fundStartDate ?? fundStartOf(dataDir);
  const servers: Server[] = [];
  // The handlers bundle in esbuild's own process while the services start and the flows are
  // validated here (seconds on a fresh clone); the functions below get this same build.
  const bundling = deployed ? undefined : bundleFunctions(REPO_ROOT, entriesOf(runSpecs));
  bundling?.catch(() => {}); // awaited, and its error thrown, by functions.prepare() below

  // DynamoDB
  const dynamoServer = localDynalite({
    path: join(dataDir, 'dynamodb'),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const dynamoPort = await listen(dynamoServer, 0);
  const dynamoWork = inFlight(dynamoServer);

  // SES
  const sesPort = await freePort();
  const ses = await sesServer()({ host: '127.0.0.1', port: sesPort });
  servers.push(ses);
  const outbox = new Outbox(join(dataDir, 'outbox.jsonl'));
  outbox.persistBeforeReplying(ses);

  // The Step Functions API server starts before the engine exists, so its URL can go into the
  // environment the handlers read; requests are only served once the engine is attached.
  let sfnHandler: ReturnType<typeof stepFunctionsApi> | undefined;
  const sfnServer = createServer((req, res) => {
    if (!sfnHandler) sendJson(res, 503, { __type: 'ServiceUnavailable', message: 'starting' });
    else void sfnHandler(req, res);
  });
  const sfnPort = await listen(sfnServer, 0);
  servers.push(sfnServer);

  // Every caller reaches the services through a front that enforces the callers' permissions
  // (each function's role, the state machines' role), as IAM does before a call reaches a service.
  const principals = localPrincipals(options.environment?.EMAIL_FROM, options.functions, options.workflows);
  const partitionKeys = new Map(tableNames.map((t) => [tableName(t), tableSpec(t).partitionKey]));
  // The engine is made below; a task token is only presented once it has issued one.
  let tokenIssuer: (token: string) => string | undefined = () => undefined;
  const front = async (service: FrontService, port: number, deliverTo?: Server) => {
    const server = startFront({
      service,
      upstream: `http://127.0.0.1:${port}`,
      ...(deliverTo ? { deliver: (request, res) => deliverInProcess(deliverTo, request, res) } : {}),
      principalOf: (keyId) => principals.get(keyId),
      partitionKeyOf: (table) => partitionKeys.get(table),
      taskTokenIssuer: (token) => tokenIssuer(token),
    });
    servers.push(server);
    return `http://127.0.0.1:${await listen(server, 0)}`;
  };
  // dynalite runs in this process: the front hands it each call (its fault guard and in-flight
  // count included) rather than sending it over a second loopback connection.
  const dynamodbUrl = await front('dynamodb', dynamoPort, dynamoServer);
  const sesUrl = await front('ses', sesPort);
  const sfnUrl = await front('states', sfnPort);

  // The API server listens first too: its URL goes into email links.
  let apiHandler: ReturnType<typeof apiGateway> | undefined;
  const apiServer = createServer((req, res) => {
    if (!apiHandler) sendJson(res, 503, { message: 'starting' });
    else void apiHandler(req, res);
  });
  const apiPort = await listen(apiServer, options.port ?? 3000);
  servers.push(apiServer);
  const baseUrl = `http://localhost:${apiPort}`;

  // The host process (scripts and tests that call the data layer directly) reaches the same
  // services; the functions do not read this: each runs with its own environment (environmentOf).
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
    AWS_ENDPOINT_URL_SFN: sfnUrl,
    AWS_ENDPOINT_URL_SESV2: sesUrl,
    AWS_ENDPOINT_URL_SES: sesUrl,
    POWERTOOLS_SERVICE_NAME: 'jif',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_DEV: 'true',
    FUND_START_DATE: fundStartDate,
    // The ledger's seal key stays beside the database, not in it (in AWS: a KMS HMAC key).
    LEDGER_KEY_FILE: join(dataDir, 'ledger.key'),
    PUBLIC_BASE_URL: baseUrl,
    // The pages verify their session cookie against the local issuer's published key.
    AUTH_MODE: 'local',
    AUTH_ISSUER: LOCAL_ISSUER,
    AUTH_AUDIENCE: LOCAL_AUDIENCE,
    AUTH_JWKS_URL: `${baseUrl}/local/jwks.json`,
    // Deadlines the handlers state shrink with the flows' waits.
    TIME_SCALE: String(options.timeScale ?? 1),
    ...Object.fromEntries(tableNames.map((t) => [tableSpec(t).env, tableName(t)])),
    ...Object.fromEntries(workflowNames.map((w) => [workflowArnEnv(w), stateMachineArn(w)])),
    ...options.environment,
  });

  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamodb = new DynamoDBClient({ region: REGION, endpoint: dynamodbUrl, credentials });
  await createTables(dynamodb);

  // Faults apply once the tables exist: the system's own calls meet them, its set-up does not.
  const faults = new Faults();
  guardServer(dynamoServer, 'dynamodb', faults);
  guardServer(ses, 'ses', faults, (req) => req.method === 'POST' && !req.url?.startsWith('/store'));
  // An email is in the outbox file before its sender hears it was sent, as SES keeps what it
  // accepted: a crash (kill -9) right after a send loses no email the flows count as sent.
  ses.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      outbox.persist();
      return end(...args);
    }) as ServerResponse['end'];
  });
  const initialFaults = options.faults ?? process.env.JIF_FAULTS;
  if (initialFaults) faults.set(initialFaults);
  const invoke = (name: string, payload: unknown) =>
    invokeWithFaults(faults, () => functions.invoke(name, payload), name);

  const timeScale = options.timeScale ?? 1;
  // Each function's environments get what its Lambda configuration would hold, and no more.
  const environmentOf = (name: string): Record<string, string> => {
    const spec = runSpecs[name] ?? functionSpec(name as FunctionName);
    return {
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: resourceName(name),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(limitsOf(spec).memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${resourceName(name)}`,
      // Its own credentials: the local fronts know the function by them, as IAM knows its role.
      AWS_ACCESS_KEY_ID: functionAccessKeyId(name),
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
      AWS_ENDPOINT_URL_SFN: sfnUrl,
      AWS_ENDPOINT_URL_SESV2: sesUrl,
      AWS_ENDPOINT_URL_SES: sesUrl,
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: system.name,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_DEV: 'true',
      // POWERTOOLS_DEV would silence the business metrics: they print their EMF line as in Lambda.
      POWERTOOLS_METRICS_DISABLED: 'false',
      FUND_START_DATE: fundStartDate,
      ...routesOf(name, spec),
      // Local mode's time scale (JIF_TIME_SCALE): the deadlines handlers state shrink with the flows' waits.
      ...(timeScale === 1 ? {} : { TIME_SCALE: String(timeScale) }),
      ...bindingEnvironment(spec, {
        table: tableName,
        workflow: stateMachineArn,
        publicBaseUrl: baseUrl,
        configurationSet: CONFIGURATION_SET,
        sessions: {
          AUTH_MODE: 'local',
          AUTH_ISSUER: LOCAL_ISSUER,
          AUTH_AUDIENCE: LOCAL_AUDIENCE,
          AUTH_JWKS_URL: `${baseUrl}/local/jwks.json`,
        },
        ledgerKey: { LEDGER_KEY_FILE: join(dataDir, 'ledger.key') },
      }),
      ...options.environment,
    };
  };
  const functions = new LocalFunctions({
    root: REPO_ROOT,
    functions: runSpecs,
    environmentOf,
    ...(options.functionIdleMs === undefined ? {} : { idleMs: options.functionIdleMs }),
    ...(deployed
      ? {
          codeOf: async (name: string) => {
            const code = deployed[name];
            if (!code) throw new Error(`${options.bundles} holds no bundle of ${name}`);
            return code;
          },
        }
      : {}),
  });
  const workflows: RegisteredWorkflow[] = workflowNames.map((name) => ({
    arn: stateMachineArn(name),
    loaded: loadWorkflow(name, workflowSpec(name).definition, substitutionsFor(name), timeScale),
  }));
  const store = new ExecutionStore(join(dataDir, 'executions'));
  // Each state machine calls with its own role's credentials, as in AWS: its Lambda invocations,
  // nested starts and SDK integrations are checked against what the stack grants that one machine.
  const roles = new Map(
    workflowNames.map((name) => {
      const keyId = stateMachineAccessKeyId(name);
      const credentials = { accessKeyId: keyId, secretAccessKey: 'local' };
      const clients = {
        dynamodb: new DynamoDBClient({ region: REGION, endpoint: dynamodbUrl, credentials }),
        sesv2: new SESv2Client({ region: REGION, endpoint: sesUrl, credentials }),
      };
      return [stateMachineArn(name), { keyId, clients }] as const;
    }),
  );
  const roleOf = (machine: string) => {
    const role = roles.get(machine);
    if (!role) throw new Error(`no state machine ${machine}`);
    return role;
  };
  const engine = new LocalStepFunctions({
    workflows,
    invokeFunction: (name, payload, caller) => {
      // The engine names functions as the ASL does (physical names, or ARNs reduced to them).
      const logical = name.startsWith(resourceName('')) ? name.slice(resourceName('').length) : name;
      const denied = principals.denial(roleOf(caller).keyId, 'lambda:InvokeFunction', functionArn(logical));
      return denied
        ? Promise.reject(lambdaError('Lambda.AWSLambdaException', denied))
        : invoke(name, payload);
    },
    clientsFor: (machine) => roleOf(machine).clients,
    denial: (machine, action, resource) => principals.denial(roleOf(machine).keyId, action, resource),
    store,
    timeScale,
    log,
  });
  // Every handler bundled before anything runs (cached by content: a warm start only checks).
  const bundles = await functions.prepare();
  log(
    deployed
      ? `functions from the bundles of ${options.bundles}`
      : `functions ${bundles.built ? 'bundled' : 'bundles up to date'} in ${Math.round(bundles.ms)} ms`,
  );
  // A callback task's timeout runs from the invocation on, and time scaling shrinks it but not a
  // cold start (compute): the functions such tasks invoke start warm, two environments each (the
  // bound, as UK and FR sign-offs ask at once), so a scaled stage is spent waiting, as in AWS.
  if (timeScale !== 1) await functions.warm(functionsInTimedTasks(), 2);
  sfnHandler = stepFunctionsApi(engine);
  tokenIssuer = (token) => engine.taskTokenIssuer(token);

  const issuer = await localIssuer(dataDir, LOCAL_ISSUER);
  const tokens = await issuer.tokens();
  const endpoints = { dynamodb: dynamodbUrl, stepfunctions: sfnUrl, ses: sesUrl };
  const extras: LocalRoute[] = [
    {
      method: 'GET',
      path: '/local/health',
      handle: (_req, res) => sendJson(res, 200, { ok: true, endpoints }),
    },
    { method: 'GET', path: '/local/tokens', handle: (_req, res) => sendJson(res, 200, tokens) },
    { method: 'GET', path: '/local/jwks.json', handle: (_req, res) => sendJson(res, 200, issuer.jwks) },
    { method: 'POST', path: '/local/signin', handle: (req, res) => localSignIn(issuer, req, res) },
    { method: 'GET', path: '/local/faults', handle: (_req, res) => sendJson(res, 200, faults.list()) },
    { method: 'POST', path: '/local/faults', handle: (req, res) => setFaults(faults, req, res) },
    {
      method: 'DELETE',
      path: '/local/faults',
      handle: (_req, res) => {
        faults.clear();
        sendJson(res, 200, faults.list());
      },
    },
    { method: 'GET', path: '/local/outbox', handle: (_req, res) => sendJson(res, 200, outbox.list()) },
    {
      method: 'GET',
      path: '/local/outbox.html',
      handle: (_req, res, url) => {
        res.writeHead(200, {
          ...securityHeaders(),
          // The emails' HTML parts carry inline styles (mail clients need them); no script anywhere.
          'Content-Security-Policy':
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'",
          'X-Frame-Options': 'SAMEORIGIN',
        });
        res.end(
          outbox.html({
            to: url.searchParams.get('to') ?? undefined,
            proposal: url.searchParams.get('proposal') ?? undefined,
          }),
        );
      },
    },
  ];
  apiHandler = apiGateway({
    invoke,
    issuer,
    extras,
    log,
  });
  outbox.start();

  const resumed = engine.resumeRunning();
  if (resumed.length > 0) log(`resumed ${resumed.length} running execution(s)`);
  const timers = startSchedules(engine, timeScale, log);

  return {
    baseUrl,
    outboxUrl: `${baseUrl}/local/outbox.html`,
    endpoints,
    tokens,
    engine,
    functions,
    bundles,
    outbox,
    dataDir,
    fundStartDate,
    stateMachineArn,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      engine.detachAll();
      await store.settled();
      await functions.drain();
      await functions.stop();
      outbox.stop();
      await Promise.all(servers.map((server) => close(server)));
      // dynalite last, once the requests it is still serving have ended (bounded): closing its
      // database under a running query or scan (one whose caller has gone, e.g. a handler stopped
      // mid-read) throws an uncaught error from its iterator and ends the process.
      await dynamoWork.idle(20_000);
      await close(dynamoServer);
      dynamodb.destroy();
    },
  };
}

/** `POST /local/faults`: the body is the same text as `JIF_FAULTS`; a bad one is 400 and changes nothing. */
async function setFaults(faults: Faults, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    sendJson(res, 200, faults.set(Buffer.concat(chunks).toString('utf8')));
  } catch (error) {
    if (!(error instanceof FaultSpecError)) throw error;
    sendJson(res, 400, {
      message: 'Invalid faults',
      errors: [{ path: 'faults', message: error.message }],
    });
  }
}

const RATE_UNITS: Record<string, number> = {
  minute: 60,
  minutes: 60,
  hour: 3600,
  hours: 3600,
  day: 86400,
  days: 86400,
};

/** The description's schedules, locally: once at start-up (catching up), then at their (scaled) rate. */
function startSchedules(
  engine: LocalStepFunctions,
  timeScale: number,
  log: (line: string) => void,
): NodeJS.Timeout[] {
  return Object.entries(system.schedules).map(([name, schedule]) => {
    const match = /^rate\((\d+) (\w+)\)$/.exec(schedule.expression);
    const seconds = Number(match?.[1]) * (RATE_UNITS[match?.[2] ?? ''] ?? Number.NaN);
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new Error(`schedule ${name}: cannot run ${schedule.expression}`);
    const fire = () => {
      try {
        engine.startExecution({
          stateMachineArn: stateMachineArn(schedule.workflow),
          input: JSON.stringify(schedule.input),
        });
      } catch (error) {
        log(`schedule ${name} failed to start: ${(error as Error).message}`);
      }
    };
    fire();
    // Scaled like every wait, but never more often than every 10 s (tests shrink a day to a second).
    const timer = setInterval(fire, Math.max(10_000, seconds * 1000 * timeScale));
    timer.unref();
    return timer;
  });
}

/** The functions the workflows invoke in tasks bounded by `TimeoutSeconds` (callback tasks). */
export function functionsInTimedTasks(): FunctionName[] {
  const found = new Set<FunctionName>();
  const visit = (states: Record<string, Record<string, unknown>>, name: WorkflowName) => {
    for (const state of Object.values(states)) {
      const fn = (state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName;
      const key = typeof fn === 'string' ? /^\$\{(\w+)\}$/.exec(fn)?.[1] : undefined;
      const sub = key ? workflowSpec(name).substitutions[key] : undefined;
      if (state.TimeoutSeconds !== undefined && sub && 'function' in sub)
        found.add(sub.function as FunctionName);
      for (const branch of (state.Branches ?? []) as { States: typeof states }[]) visit(branch.States, name);
      const processor = (state.ItemProcessor ?? state.Iterator) as { States: typeof states } | undefined;
      if (processor) visit(processor.States, name);
    }
  };
  for (const name of workflowNames)
    visit(workflowSpec(name).definition.States as Record<string, Record<string, unknown>>, name);
  return [...found];
}

/** The same substitutions the CDK stack makes, with local ARNs and names. */
function substitutionsFor(name: WorkflowName): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, sub] of Object.entries(workflowSpec(name).substitutions) as [string, Substitution][]) {
    if ('function' in sub) result[key] = functionArn(sub.function as FunctionName);
    else if ('workflow' in sub) result[key] = stateMachineArn(sub.workflow);
    else result[key] = tableName(sub.table);
  }
  return result;
}

async function createTables(client: DynamoDBClient): Promise<void> {
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  for (const logical of tableNames) {
    const spec = tableSpec(logical);
    if (existing.has(tableName(logical))) continue;
    const attributes = new Set<string>();
    const keySchema = (pk: string, sk?: string) => {
      attributes.add(pk);
      if (sk) attributes.add(sk);
      return [
        { AttributeName: pk, KeyType: 'HASH' as const },
        ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
      ];
    };
    const input: CreateTableCommandInput = {
      TableName: tableName(logical),
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keySchema(spec.partitionKey, spec.sortKey),
      AttributeDefinitions: [],
    };
    if (spec.indexes.length > 0) {
      input.GlobalSecondaryIndexes = spec.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: keySchema(index.partitionKey, index.sortKey),
        Projection: { ProjectionType: 'ALL' },
      }));
    }
    input.AttributeDefinitions = [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' }));
    await client.send(new CreateTableCommand(input));
  }
}

/** Function name to entry source, as LocalFunctions bundles them. */
function entriesOf(specs: Readonly<Record<string, FunctionSpec>>): Record<string, string> {
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, spec.entry]));
}

/** Fund year 1 starts, by default, the day the local data directory was created. */
function fundStartOf(dataDir: string): string {
  const file = join(dataDir, 'fund.json');
  if (existsSync(file))
    return (JSON.parse(readFileSync(file, 'utf8')) as { fundStartDate: string }).fundStartDate;
  const fundStartDate = new Date().toISOString().slice(0, 10);
  writeFileSync(file, JSON.stringify({ fundStartDate }));
  return fundStartDate;
}

/** aws-ses-v2-local is CommonJS with an `__esModule` default: Node and bundlers unwrap it differently. */
type SesServer = (config: { host: string; port: number }) => Promise<Server>;
function sesServer(): SesServer {
  const candidate = (sesModule as unknown as { default: SesServer | { default: SesServer } }).default;
  return typeof candidate === 'function' ? candidate : candidate.default;
}

/** Counts the requests a server is still answering (until it calls `res.end`, whether or not its caller is still there). */
/** Serves a request the front read whole to a server of this process, as if it came over HTTP. */
function deliverInProcess(server: Server, request: FrontRequest, res: ServerResponse): void {
  const req = Object.assign(new PassThrough(), {
    method: request.method,
    url: request.path,
    headers: request.headers,
  });
  server.emit('request', req, res);
  req.end(request.body);
}

function inFlight(server: Server): { idle(timeoutMs: number): Promise<void> } {
  let open = 0;
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    open += 1;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    let ended = false;
    res.end = ((...args: unknown[]) => {
      if (!ended) open -= 1;
      ended = true;
      return end(...args);
    }) as ServerResponse['end'];
  });
  return {
    async idle(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe, 0);
  await close(probe);
  return port;
}

function close(server: Server): Promise<void> {
  return new Promise((done) => {
    server.closeAllConnections?.();
    server.close(() => done());
  });
}

export { system };
