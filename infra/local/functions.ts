/**
 * Runs the functions of the description in-process, as Lambda would: the module's `handler`
 * with the event and a Lambda-shaped context. Modules load on first use and stay loaded.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionName, functionNames, functionSpec } from '../system.ts';
import { ACCOUNT_ID, REGION, resourceName } from './names.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export class LocalFunctions {
  private readonly loaded = new Map<string, Promise<Handler>>();
  private readonly inflight = new Set<Promise<unknown>>();
  /** Invocations per function and their summed duration: what Lambda would bill (read by the bench). */
  readonly invocations = new Map<string, { count: number; ms: number }>();

  private readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  has(name: string): name is FunctionName {
    return (functionNames as string[]).includes(name);
  }

  async invoke(name: string, event: unknown): Promise<unknown> {
    const logical = name.startsWith(`${resourceName('')}`) ? name.slice(resourceName('').length) : name;
    if (!this.has(logical)) {
      const error = new Error(`Function not found: ${name}`);
      error.name = 'Lambda.ResourceNotFoundException';
      throw error;
    }
    const handler = await this.load(logical);
    const spec = functionSpec(logical);
    const deadline = Date.now() + (spec.timeoutSeconds ?? 30) * 1000;
    const context: Context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: resourceName(logical),
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${resourceName(logical)}`,
      memoryLimitInMB: String(spec.memoryMb ?? 256),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${resourceName(logical)}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
    const started = performance.now();
    const run = handler(structuredClone(event), context);
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

  /** Waits (bounded) for invocations still running, so databases are not closed under them. */
  async drain(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inflight.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, 50))]);
    }
  }

  private load(name: FunctionName): Promise<Handler> {
    let handler = this.loaded.get(name);
    if (!handler) {
      const url = pathToFileURL(resolve(this.root, functionSpec(name).entry)).href;
      handler = import(url).then((module: { handler?: Handler }) => {
        if (typeof module.handler !== 'function')
          throw new Error(`${functionSpec(name).entry} exports no handler`);
        return module.handler;
      });
      this.loaded.set(name, handler);
    }
    return handler;
  }
}
