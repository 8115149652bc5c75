/**
 * Runs the functions of the description as Lambda does: each in its own execution environments (a
 * worker thread each: own module instances, own environment variables, a heap limit from the
 * function's memory), reused while warm, one invocation at a time per environment. An invocation
 * past the function's timeout is killed (`Sandbox.Timedout`) and its environment recycled. An
 * environment left idle for a while is retired, as Lambda reclaims idle ones (its memory comes back).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type FunctionSpec, limitsOf, system } from '../system.ts';
import { bundleCacheDir, bundleFunctions } from './bundle.ts';
import { functionArn, resourceName } from './names.ts';

const WORKER = fileURLToPath(new URL('./sandbox-worker.mjs', import.meta.url));

/**
 * Lambda gives init code 10 s; locally the machine may be busy (tests in parallel), so an
 * environment gets longer to load before it is given up.
 */
const INIT_TIMEOUT_MS = 60_000;

/**
 * Lambda reclaims an execution environment idle for some minutes (not documented; usually 5 to 15
 * minutes are seen); locally one idle this long is retired and the next invocation cold-starts.
 */
export const DEFAULT_IDLE_MS = 10 * 60_000;

/** Environments per function at most, unless told otherwise; more concurrent invocations wait for one. */
export const DEFAULT_MAX_ENVIRONMENTS = 2;

/** Where a function's code is: a module to import and the name of its handler export. */
export interface FunctionCode {
  module: string;
  handler: string;
}

export interface LocalFunctionsOptions {
  root: string;
  /** The environment variables of a function's environments (as its Lambda configuration sets them). */
  environmentOf(name: string): Record<string, string>;
  /**
   * Where a function's code is; default: its TypeScript entry, bundled as the CDK bundles it (every
   * function at once, on the first need or `prepare()`).
   */
  codeOf?(name: string, spec: FunctionSpec): Promise<FunctionCode>;
  /** The functions; default: those of infra/system.ts. */
  functions?: Readonly<Record<string, FunctionSpec>>;
  /** Environments per function at most (default DEFAULT_MAX_ENVIRONMENTS). */
  maxEnvironments?: number;
  /** How long an environment may stay idle before it is retired (default DEFAULT_IDLE_MS). */
  idleMs?: number;
}

/** Invocations a function's environments answered, and their time, summed. */
export interface InvocationTally {
  invocations: number;
  /** From the invocation to its start in an environment (Lambda scales out instead, up to its concurrency). */
  waitMs: number;
  /** From its start in the environment to its answer. */
  durationMs: number;
}

/** A Lambda-shaped error: its name is what Step Functions reports (`Sandbox.Timedout`, ...). */
export function lambdaError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

interface Invocation {
  event: unknown;
  /** When it was asked for (performance.now()): its wait for an environment counts from here. */
  queuedAt: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Environment {
  /** Set once the code is located (a bundle may have to be built first). */
  worker?: Worker;
  ready: Promise<void>;
  busy: Invocation | undefined;
  generation: number;
  dead: boolean;
  /** Armed while the environment is ready and idle: retires it when it fires. */
  idleTimer?: NodeJS.Timeout;
}

class FunctionPool {
  private readonly environments = new Set<Environment>();
  private readonly queue: Invocation[] = [];
  private generation = 0;
  private nextId = 0;
  coldStarts = 0;
  readonly tally: InvocationTally = { invocations: 0, waitMs: 0, durationMs: 0 };

  private readonly name: string;
  private readonly spec: FunctionSpec;
  private readonly code: () => Promise<FunctionCode>;
  private readonly environment: () => Record<string, string>;
  private readonly maxEnvironments: number;
  private readonly compileCache: string;
  private idleMs: number;

  constructor(
    name: string,
    spec: FunctionSpec,
    code: () => Promise<FunctionCode>,
    environment: () => Record<string, string>,
    maxEnvironments: number,
    compileCache: string,
    idleMs: number,
  ) {
    this.name = name;
    this.spec = spec;
    this.code = code;
    this.environment = environment;
    this.maxEnvironments = maxEnvironments;
    this.compileCache = compileCache;
    this.idleMs = idleMs;
  }

  /** Environments up now (warm or starting). */
  get size(): number {
    return [...this.environments].filter((e) => !e.dead).length;
  }

  /** A new idle time; environments idle now count it from now. */
  setIdleMs(ms: number): void {
    this.idleMs = ms;
    for (const environment of this.environments) if (environment.idleTimer) this.idle(environment);
  }

  /** Starts environments until `count` are up (at most the bound), and waits until they are ready. */
  async warm(count: number): Promise<void> {
    const up = [...this.environments].filter((e) => !e.dead);
    while (up.length < Math.min(count, this.maxEnvironments)) up.push(this.spawn());
    await Promise.all(up.map((e) => e.ready));
  }

  invoke(event: unknown): Promise<unknown> {
    return new Promise((resolvePromise, reject) => {
      this.queue.push({ event, queuedAt: performance.now(), resolve: resolvePromise, reject });
      this.dispatch();
    });
  }

  /** New configuration: idle environments go now, busy ones once their invocation ends. */
  recycle(): void {
    this.generation += 1;
    for (const environment of this.environments) if (!environment.busy) this.retire(environment);
  }

  async stop(): Promise<void> {
    this.generation += 1;
    for (const invocation of this.queue.splice(0))
      invocation.reject(lambdaError('Lambda.ServiceException', 'The local cloud is stopping'));
    await Promise.all([...this.environments].map((environment) => this.retire(environment)));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let environment = [...this.environments].find((e) => !e.busy && !e.dead);
      if (!environment) {
        if (this.environments.size >= this.maxEnvironments) return;
        environment = this.spawn();
      }
      const invocation = this.queue.shift();
      if (!invocation) return;
      clearTimeout(environment.idleTimer);
      environment.idleTimer = undefined;
      environment.busy = invocation;
      void this.run(environment, invocation);
    }
  }

  private spawn(): Environment {
    this.coldStarts += 1;
    const { memoryMb } = limitsOf(this.spec);
    let markReady = () => {};
    let failInit = (_error: Error) => {};
    const ready = new Promise<void>((resolveReady, rejectReady) => {
      markReady = resolveReady;
      failInit = rejectReady;
    });
    ready.catch(() => {});
    const environment: Environment = {
      ready,
      busy: undefined,
      generation: this.generation,
      dead: false,
    };
    const start = async () => {
      const code = await this.code();
      const worker = new Worker(WORKER, {
        // Not the host's flags (tsx's loader would run every import of the bundle through it).
        execArgv: [],
        env: this.environment(),
        resourceLimits: { maxOldGenerationSizeMb: memoryMb },
        workerData: {
          module: code.module,
          handler: code.handler,
          functionName: resourceName(this.name),
          functionArn: functionArn(this.name),
          memoryMb,
          logGroupName: `/aws/lambda/${resourceName(this.name)}`,
          compileCache: this.compileCache,
        },
      });
      // An idle environment does not keep the process alive (Lambda freezes it).
      worker.unref();
      environment.worker = worker;
      const initTimer = setTimeout(
        () =>
          failInit(
            lambdaError(
              'Sandbox.Timedout',
              'INIT_REPORT Init Duration: 10000.00 ms Phase: init Status: timeout',
            ),
          ),
        INIT_TIMEOUT_MS,
      );
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(initTimer);
          markReady();
          // Started ahead of need (warm): idle from now on.
          if (!environment.busy) this.idle(environment);
        } else if (message.type === 'init-error') {
          clearTimeout(initTimer);
          failInit(toError(message.error));
        }
      });
      worker.on('error', (error: Error & { code?: string }) => {
        clearTimeout(initTimer);
        const crash =
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? lambdaError('Runtime.OutOfMemory', 'Runtime exited with error: signal: killed')
            : lambdaError('Runtime.ExitError', `Runtime exited with error: ${error.name}: ${error.message}`);
        failInit(crash);
        this.lose(environment, crash);
      });
      worker.on('exit', (code) => {
        clearTimeout(initTimer);
        const crash = lambdaError('Runtime.ExitError', `Runtime exited with error: exit status ${code}`);
        failInit(crash);
        this.lose(environment, crash);
      });
    };
    start().catch((error: unknown) => {
      failInit(error instanceof Error ? error : new Error(String(error)));
      this.lose(environment, undefined);
    });
    this.environments.add(environment);
    return environment;
  }

  private async run(environment: Environment, invocation: Invocation): Promise<void> {
    const requestId = randomUUID();
    try {
      await environment.ready;
    } catch (error) {
      // Init failed: this invocation fails with the init error and the next one starts afresh.
      this.finish(environment, invocation, () => invocation.reject(error as Error));
      this.retire(environment);
      return;
    }
    const { timeoutSeconds } = limitsOf(this.spec);
    const worker = environment.worker;
    if (!worker) throw new Error('an environment is ready only once its worker runs');
    const startedAt = performance.now();
    const id = this.nextId++;
    const outcome = new Promise<{ payload?: string; error?: SerializedError }>((resolveOutcome) => {
      const onMessage = (message: WorkerMessage) => {
        if ((message.type === 'result' || message.type === 'error') && message.id === id) {
          worker.off('message', onMessage);
          resolveOutcome(message.type === 'result' ? { payload: message.payload } : { error: message.error });
        }
      };
      worker.on('message', onMessage);
    });
    const timer = setTimeout(() => {
      // Lambda stops the environment; the next invocation gets a fresh one.
      this.lose(
        environment,
        lambdaError(
          'Sandbox.Timedout',
          `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
        ),
      );
    }, timeoutSeconds * 1000);
    worker.postMessage({
      type: 'invoke',
      id,
      requestId,
      deadline: Date.now() + timeoutSeconds * 1000,
      event: JSON.stringify(invocation.event ?? null),
    });
    const result = await outcome;
    clearTimeout(timer);
    // Counted once answered, wait and duration together (a lost environment never answers).
    this.tally.invocations += 1;
    this.tally.waitMs += startedAt - invocation.queuedAt;
    this.tally.durationMs += performance.now() - startedAt;
    if (environment.busy !== invocation) return; // lost meanwhile (timeout, crash): already answered
    this.finish(environment, invocation, () => {
      if (result.error) invocation.reject(toError(result.error));
      else invocation.resolve(JSON.parse(result.payload ?? 'null'));
    });
  }

  private finish(environment: Environment, invocation: Invocation, answer: () => void): void {
    if (environment.busy === invocation) environment.busy = undefined;
    answer();
    if (environment.generation !== this.generation) this.retire(environment);
    this.dispatch();
    if (!environment.busy && !environment.dead) this.idle(environment);
  }

  /** (Re)arms the retirement of an idle environment. */
  private idle(environment: Environment): void {
    clearTimeout(environment.idleTimer);
    environment.idleTimer = setTimeout(() => {
      environment.idleTimer = undefined;
      if (!environment.busy) void this.retire(environment);
    }, this.idleMs);
    // A frozen environment does not keep the process alive.
    environment.idleTimer.unref();
  }

  /** The environment died (crash, timeout): its invocation fails, and it is not used again. */
  private lose(environment: Environment, error: Error | undefined): void {
    const invocation = environment.busy;
    environment.busy = undefined;
    if (invocation && error) invocation.reject(error);
    void this.retire(environment);
    this.dispatch();
  }

  private async retire(environment: Environment): Promise<void> {
    environment.dead = true;
    clearTimeout(environment.idleTimer);
    environment.idleTimer = undefined;
    if (!this.environments.delete(environment)) return;
    await environment.worker?.terminate();
  }
}

type SerializedError = { name: string; message: string; stack: string };
type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; error: SerializedError }
  | { type: 'result'; id: number; payload: string }
  | { type: 'error'; id: number; error: SerializedError };

function toError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

export class LocalFunctions {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly inflight = new Set<Promise<unknown>>();
  /** Invocations per function and their summed duration: what Lambda would bill (read by the bench). */
  readonly invocations = new Map<string, { count: number; ms: number }>();
  readonly specs: Readonly<Record<string, FunctionSpec>>;
  private extraEnvironment: Record<string, string> = {};
  private idleMs: number;

  private readonly options: LocalFunctionsOptions;

  constructor(options: LocalFunctionsOptions) {
    this.options = options;
    this.specs = options.functions ?? system.functions;
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  }

  has(name: string): boolean {
    return Object.hasOwn(this.specs, name);
  }

  invoke(name: string, event: unknown): Promise<unknown> {
    const logical = name.startsWith(resourceName('')) ? name.slice(resourceName('').length) : name;
    const spec = this.specs[logical];
    if (!spec || !this.has(logical)) {
      return Promise.reject(lambdaError('Lambda.ResourceNotFoundException', `Function not found: ${name}`));
    }
    const started = performance.now();
    const run = this.pool(logical, spec).invoke(event);
    this.inflight.add(run);
    const forget = () => {
      this.inflight.delete(run);
      const tally = this.invocations.get(logical) ?? { count: 0, ms: 0 };
      tally.count += 1;
      tally.ms += performance.now() - started;
      this.invocations.set(logical, tally);
    };
    run.then(forget, forget);
    return run;
  }

  /** Changes every function's environment variables, as UpdateFunctionConfiguration does (new environments). */
  updateEnvironment(variables: Record<string, string>): void {
    this.extraEnvironment = { ...this.extraEnvironment, ...variables };
    for (const pool of this.pools.values()) pool.recycle();
  }

  /** Execution environments up now, per function (bench and tests). */
  environments(): Record<string, number> {
    return Object.fromEntries([...this.pools].map(([name, pool]) => [name, pool.size]));
  }

  /** How long an environment may stay idle before it is retired, from now on (the bench shortens it). */
  setIdleMs(ms: number): void {
    this.idleMs = ms;
    for (const pool of this.pools.values()) pool.setIdleMs(ms);
  }

  /**
   * Invocations so far per function, with how long they waited for an environment (a free one, or
   * a new one's start) and ran, summed (bench and tests): where a flow's time went.
   */
  invocationTally(): Record<string, InvocationTally> {
    return Object.fromEntries([...this.pools].map(([name, pool]) => [name, { ...pool.tally }]));
  }

  /** Cold starts so far per function (bench and tests). */
  coldStarts(): Record<string, number> {
    return Object.fromEntries([...this.pools].map(([name, pool]) => [name, pool.coldStarts]));
  }

  /** Waits (bounded) for invocations still running, so databases are not closed under them. */
  async drain(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inflight.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, 50))]);
    }
  }

  /** Ends every execution environment. */
  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.stop()));
  }

  /** Bundles every function (or finds the bundles up to date) before any is invoked. */
  async prepare(): Promise<{ built: boolean; ms: number }> {
    if (this.options.codeOf) return { built: false, ms: 0 };
    const { built, ms } = await this.bundles();
    return { built, ms };
  }

  /**
   * Ready environments for the functions named (`environments` each, within the bound), two started
   * at a time: a cold start then happens before a flow needs the function. A failed init is left for
   * the first invocation to report.
   */
  async warm(names: readonly string[], environments = 1): Promise<void> {
    const queue = [...names];
    const next = async (): Promise<void> => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const spec = this.specs[name];
        if (spec)
          await this.pool(name, spec)
            .warm(environments)
            .catch(() => {});
      }
    };
    await Promise.all([next(), next()]);
  }

  private bundles() {
    return bundleFunctions(
      this.options.root,
      Object.fromEntries(Object.entries(this.specs).map(([name, spec]) => [name, spec.entry])),
    );
  }

  private pool(name: string, spec: FunctionSpec): FunctionPool {
    let pool = this.pools.get(name);
    if (!pool) {
      const codeOf =
        this.options.codeOf ??
        (async (): Promise<FunctionCode> => {
          const file = (await this.bundles()).files[name];
          if (!file) throw new Error(`no bundle of ${name}`);
          return { module: pathToFileURL(file).href, handler: 'handler' };
        });
      pool = new FunctionPool(
        name,
        spec,
        () => codeOf(name, spec),
        () => ({ ...this.options.environmentOf(name), ...this.extraEnvironment }),
        this.options.maxEnvironments ?? DEFAULT_MAX_ENVIRONMENTS,
        join(bundleCacheDir(this.options.root), 'v8'),
        this.idleMs,
      );
      this.pools.set(name, pool);
    }
    return pool;
  }
}
