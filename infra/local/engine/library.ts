/**
 * The one module that speaks to aws-local-stepfunctions. Its types are looser or narrower than
 * ours (definitions, task handlers, the context object, its event log, its errors), so every cast
 * the engine needs lives here. It also stops Map iterations and Parallel branches as AWS stops
 * them: the library runs each iteration and branch as a nested `StateMachine.run` and aborts them
 * when a sibling fails, but it never tells a running task (its task handlers get only their input),
 * and it still starts the iterations queued behind `MaxConcurrency`. `installScopes` wraps that
 * nested `run`:
 * - each nested run gets an abort signal (chained to its parent's), which the engine reads through
 *   `currentScope()` inside a task handler, to abandon a callback or stop a nested execution;
 * - once an iteration of a Map has failed, no further iteration of that Map starts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { cacheDir } from '../cache.ts';
import type { Json, MachineDefinition } from './definition.ts';
import { TaskError } from './errors.ts';

/** A workflow built for the library, ready to run any number of times. */
export type Machine = StateMachine;

/**
 * Where definitions already found valid are remembered: the library's validator (asl-validator)
 * compiles the whole ASL JSON schema with ajv on every call, about half of `npm start`'s CPU for our
 * four flows. A definition is remembered by the hash of its text and of both libraries' versions, so
 * an edited flow or an upgraded validator is validated again.
 */
const VALIDATED_DIR = cacheDir('jif-asl');
const VALIDATOR_VERSIONS = (() => {
  const require = createRequire(import.meta.url);
  const versionOf = (name: string) => {
    try {
      return String((require(`${name}/package.json`) as { version?: string }).version);
    } catch {
      return 'unknown';
    }
  };
  return `${versionOf('aws-local-stepfunctions')}/${versionOf('asl-validator')}`;
})();

/** Throws the library's validation error unless the definition is valid ASL (resource ARNs included). */
export function validateDefinition(definition: MachineDefinition): void {
  const text = JSON.stringify(definition);
  const marker = join(
    VALIDATED_DIR,
    createHash('sha256').update(VALIDATOR_VERSIONS).update('\n').update(text).digest('hex'),
  );
  if (existsSync(marker)) return;
  // A copy: the validator writes a default QueryLanguage into every state of what it is given.
  new StateMachine(JSON.parse(text) as never, { validationOptions: { checkArn: true } });
  try {
    mkdirSync(VALIDATED_DIR, { recursive: true });
    writeFileSync(marker, '');
  } catch {
    // A read-only checkout validates at every start, as before.
  }
}

/**
 * Builds a machine without validating it again: the file as written was validated once (about
 * 100 ms), and a copy of it with another StartAt has unreachable states.
 */
export function buildMachine(definition: MachineDefinition): Machine {
  return new StateMachine(definition as never, { validationOptions: { noValidate: true } });
}

/** The library's event log entries (its type is not exported). */
export interface LibraryEvent {
  type: string;
  index?: number;
  state: { name: string; type: string; input?: unknown; output?: unknown };
  parentState: { name: string };
}

/** The context object (`$$`) of an execution, as AWS fills it in. */
export interface ExecutionContext {
  Execution: { Id: string; Name: string; Input: unknown; StartTime: string; RoleArn: string };
  StateMachine: { Id: string; Name: string };
}

export type TaskHandler = (input: Json) => Promise<Json>;

export interface MachineRun {
  abort(): void;
  events: AsyncIterable<LibraryEvent>;
  /** The execution's output; rejects with the library's wrapped error (see `errorParts`). */
  result: Promise<unknown>;
}

/** Runs a machine with the engine's task handlers; an abort ends it without an error. */
export function runMachine(
  machine: Machine,
  input: unknown,
  handlers: Record<string, TaskHandler>,
  context: ExecutionContext,
): MachineRun {
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never },
    noThrowOnAbort: true,
    context: context as never,
  });
  return {
    abort: () => execution.abort(),
    events: execution.eventLogs as unknown as AsyncIterable<LibraryEvent>,
    result: execution.result,
  };
}

/**
 * What a task stopped with its branch or iteration (a sibling failed, the execution stopped or the
 * engine shut down) ends with: the library neither retries nor catches it, and that run's event log
 * is already closed, so nothing is recorded; settling clears the library's task and run timers.
 */
export function abandonedTask(): Error {
  return Object.assign(new TaskError('States.Runtime', 'task stopped with its branch or execution'), {
    isRetryable: false,
    isCatchable: false,
  });
}

/** The execution's own `TimeoutSeconds` elapsed (the library's ExecutionTimeoutError). */
export function isExecutionTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'ExecutionTimeoutError';
}

/** The error name and cause AWS reports for an error a task or an execution ended with. */
export function errorParts(error: unknown): { name: string; cause: string } {
  // The library wraps the error that ended an execution; AWS reports the error itself.
  if (error instanceof Error && error.name === 'ExecutionError' && error.cause instanceof Error) {
    return errorParts(error.cause);
  }
  if (error instanceof Error) return { name: error.name || 'Error', cause: error.message };
  return { name: 'Error', cause: String(error) };
}

type Execution = { abort(): void; eventLogs: AsyncGenerator<unknown>; result: Promise<unknown> };
type Run = (this: object, input: unknown, options?: { _rootAbortSignal?: AbortSignal }) => Execution;

const scope = new AsyncLocalStorage<AbortSignal>();
/** Iterator machines (the library builds one per run of a Map state) with a failed iteration. */
const failed = new WeakSet<object>();
let installed = false;

/** The abort signal of the iteration or branch the calling task runs in (none at the top level). */
export function currentScope(): AbortSignal | undefined {
  return scope.getStore();
}

export function installScopes(): void {
  if (installed) return;
  installed = true;
  const prototype = StateMachine.prototype as unknown as { run: Run };
  const run = prototype.run;
  prototype.run = function scopedRun(this: object, input, options) {
    const parent = options?._rootAbortSignal;
    // A top-level run: the engine's own, stopped through the execution registry.
    if (!parent) return run.call(this, input, options);
    if (failed.has(this)) {
      // An iteration queued behind MaxConcurrency after another failed: AWS never starts it.
      return { abort() {}, eventLogs: (async function* () {})(), result: Promise.resolve(null) };
    }
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, parent]);
    const execution = scope.run(signal, () => run.call(this, input, options));
    execution.result.catch(() => failed.add(this));
    return {
      ...execution,
      abort() {
        controller.abort();
        execution.abort();
      },
    };
  };
}
