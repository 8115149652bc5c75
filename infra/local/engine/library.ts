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
 * - once an iteration of a Map has failed, no further iteration of that Map starts;
 * - each iteration and branch has a path (`Map[2]`, `Both[1]/Inner#1[0]`): a task's timers are kept
 *   under it, and an iteration or branch whose result the engine remembers (a redrive, a restart)
 *   is not run again: its result is given back as it was.
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

/** Where the proof that a definition's text was found valid is kept. */
function markerOf(text: string): string {
  return join(
    VALIDATED_DIR,
    createHash('sha256').update(VALIDATOR_VERSIONS).update('\n').update(text).digest('hex'),
  );
}

function remember(text: string): void {
  try {
    mkdirSync(VALIDATED_DIR, { recursive: true });
    writeFileSync(markerOf(text), '');
  } catch {
    // A read-only checkout validates at every start, as before.
  }
}

/** Throws the library's validation error unless the definition is valid ASL (resource ARNs included). */
export function validateDefinition(definition: MachineDefinition): void {
  const text = JSON.stringify(definition);
  if (existsSync(markerOf(text))) return;
  // A copy: the validator writes a default QueryLanguage into every state of what it is given.
  new StateMachine(JSON.parse(text) as never, { validationOptions: { checkArn: true } });
  remember(text);
}

/**
 * Validates several definitions as `validateDefinition` does each, with one validator run where it
 * can: asl-validator compiles the whole ASL JSON schema on every call (about 200 ms, most of a fresh
 * clone's start for four flows), so those not yet remembered are validated together, each as a branch
 * of one Parallel state (a branch is checked against the same schema as a state machine), with their
 * state names prefixed so that names only unique within one flow stay unique. When that finds a fault,
 * each is validated on its own, which throws the library's error about the right flow.
 */
export function validateDefinitions(definitions: readonly MachineDefinition[]): void {
  const texts = definitions.map((definition) => JSON.stringify(definition));
  const pending = texts.filter((text) => !existsSync(markerOf(text)));
  if (pending.length > 1) {
    const together = {
      StartAt: 'Flows',
      States: {
        Flows: {
          Type: 'Parallel',
          Branches: pending.map((text, i) => prefixed(JSON.parse(text) as MachineDefinition, `f${i}.`)),
          End: true,
        },
      },
    };
    try {
      new StateMachine(together as never, { validationOptions: { checkArn: true } });
      for (const text of pending) remember(text);
      return;
    } catch {
      // Found below, flow by flow, with the library's own message.
    }
  }
  for (const definition of definitions) validateDefinition(definition);
}

type StateBody = Record<string, unknown>;

/** The definition with every state name (and every reference to one) prefixed, nested ones included. */
function prefixed(definition: MachineDefinition, prefix: string): MachineDefinition {
  const name = (value: unknown) => (typeof value === 'string' ? `${prefix}${value}` : value);
  const machine = (body: { StartAt?: unknown; States?: Record<string, StateBody> }) => ({
    ...body,
    StartAt: name(body.StartAt),
    States: Object.fromEntries(
      Object.entries(body.States ?? {}).map(([state, content]) => [`${prefix}${state}`, stateOf(content)]),
    ),
  });
  const stateOf = (content: StateBody): StateBody => {
    const copy: StateBody = { ...content };
    if ('Next' in copy) copy.Next = name(copy.Next);
    if ('Default' in copy) copy.Default = name(copy.Default);
    for (const list of ['Choices', 'Catch'] as const) {
      const entries = copy[list];
      if (Array.isArray(entries))
        copy[list] = entries.map((entry: StateBody) =>
          'Next' in entry ? { ...entry, Next: name(entry.Next) } : entry,
        );
    }
    if (Array.isArray(copy.Branches)) copy.Branches = copy.Branches.map(machine);
    for (const key of ['ItemProcessor', 'Iterator'] as const) {
      const processor = copy[key];
      if (processor && typeof processor === 'object') copy[key] = machine(processor as StateBody);
    }
    return copy;
  };
  return machine(definition as never) as MachineDefinition;
}

/**
 * Builds a machine without validating it again: the file as written was validated once (about
 * 100 ms), and a copy of it with another StartAt has unreachable states.
 */
export function buildMachine(definition: MachineDefinition): Machine {
  registerOwners(definition);
  return new StateMachine(definition as never, { validationOptions: { noValidate: true } });
}

/**
 * The Map or Parallel state each item processor and branch definition belongs to. The library
 * builds a nested machine over that very object (it keeps definitions by reference), so a nested
 * run tells which state, and which branch, it runs for.
 */
const owners = new WeakMap<object, { state: string; branch?: number }>();

function registerOwners(definition: { States: Record<string, Record<string, unknown>> }): void {
  for (const [state, body] of Object.entries(definition.States)) {
    const processor = (body.ItemProcessor ?? body.Iterator) as typeof definition | undefined;
    if (body.Type === 'Map' && processor && !owners.has(processor)) {
      owners.set(processor, { state });
      registerOwners(processor);
    }
    if (body.Type === 'Parallel' && Array.isArray(body.Branches)) {
      (body.Branches as (typeof definition)[]).forEach((branch, index) => {
        if (owners.has(branch)) return;
        owners.set(branch, { state, branch: index });
        registerOwners(branch);
      });
    }
  }
}

/**
 * What the engine remembers of the iterations and branches of one execution, keyed by their path:
 * the results of those that succeeded (reused instead of run again), and the state each other one
 * last entered, with its input (where it goes on when it runs again).
 */
export interface IterationMemo {
  /** A Map or Parallel state starts its iterations or branches at the top level (synchronously). */
  enter(state: string): void;
  result(path: string): { output: unknown } | undefined;
  succeeded(path: string, output: unknown): void;
  entered(path: string, state: string, input: unknown): void;
  position(path: string): { state: string; input: unknown } | undefined;
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

/**
 * Runs a machine with the engine's task handlers; an abort ends it without an error. `waitLeft` is
 * asked as each Wait state starts waiting, with its iteration or branch's path: the milliseconds
 * left of it (after a restart), or undefined for its full time.
 */
export function runMachine(
  machine: Machine,
  input: unknown,
  handlers: Record<string, TaskHandler>,
  context: ExecutionContext,
  memo: IterationMemo,
  waitLeft: (path: string, state: string) => number | undefined,
): MachineRun {
  // The library reads `waitTimeOverrides[state]` (only) as a Wait state starts waiting.
  const waitTimeOverrides = new Proxy(
    {},
    { get: (_target, state) => (typeof state === 'string' ? waitLeft(currentPath(), state) : undefined) },
  );
  const top: Scope = { signal: undefined, path: '', memo, entries: new Map() };
  const execution = scope.run(top, () =>
    machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides },
      noThrowOnAbort: true,
      context: context as never,
    }),
  );
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
type Run = (
  this: { definition: object },
  input: unknown,
  options?: { _rootAbortSignal?: AbortSignal },
) => Execution;

/** Where a task runs: its iteration or branch (none at the top level) and the execution's memo. */
interface Scope {
  signal: AbortSignal | undefined;
  /** '' at the top level; else the path of the iteration or branch. */
  path: string;
  memo: IterationMemo;
  /** Per Map or Parallel state, how many times it was entered in this scope (a loop enters again). */
  entries: Map<string, number>;
}

const scope = new AsyncLocalStorage<Scope>();
/** Iterator machines (the library builds one per run of a Map state) with a failed iteration. */
const failed = new WeakSet<object>();
/** Per iterator machine: which entry of its Map state it serves, and the next item's index. */
const iterators = new WeakMap<object, { entry: number; next: number }>();
let installed = false;
/** The library's own step loop (not exported): it announces each state it enters on its logger. */
type Execute = (
  input: unknown,
  options: {
    eventLogger: {
      dispatchStateEnteredEvent(state: string, type: string, input: unknown): void;
      dispatchExecutionSucceededEvent(output: unknown): void;
    };
    abortSignal: AbortSignal;
  },
  cleanup: () => void,
) => Promise<unknown>;
/** What a scoped run watches of its iteration or branch, as the library announces it. */
interface Observer {
  entered(state: string, input: unknown): void;
  succeeded(output: unknown): void;
}
/** Set by a scoped run for the execute() it starts synchronously. */
let observer: Observer | undefined;

/** The abort signal of the iteration or branch the calling task runs in (none at the top level). */
export function currentScope(): AbortSignal | undefined {
  return scope.getStore()?.signal;
}

/** The path of the iteration or branch the calling task runs in ('' at the top level). */
export function currentPath(): string {
  return scope.getStore()?.path ?? '';
}

const nothing = (result: unknown): Execution => ({
  abort() {},
  eventLogs: (async function* () {})(),
  result: Promise.resolve(result),
});

/** The path of a nested run, counting entries of its state in the enclosing scope. */
function pathOf(machine: object, definition: object, parent: Scope): string | undefined {
  const owner = owners.get(definition);
  if (!owner) return undefined;
  const enter = () => {
    const entry = (parent.entries.get(owner.state) ?? 0) + 1;
    parent.entries.set(owner.state, entry);
    if (parent.path === '') parent.memo.enter(owner.state);
    return entry;
  };
  let entry: number;
  let index: number;
  if (owner.branch === undefined) {
    let iterator = iterators.get(machine);
    if (!iterator) {
      iterator = { entry: enter(), next: 0 };
      iterators.set(machine, iterator);
    }
    entry = iterator.entry;
    index = iterator.next;
    iterator.next += 1;
  } else {
    // The library starts a Parallel state's branches in order: the first one is a new entry.
    entry = owner.branch === 0 ? enter() : (parent.entries.get(owner.state) ?? 1);
    index = owner.branch;
  }
  // At the top level the memo belongs to one entry of the state (a redrive or restart re-enters it).
  return parent.path === '' ? `${owner.state}[${index}]` : `${parent.path}/${owner.state}#${entry}[${index}]`;
}

export function installScopes(): void {
  if (installed) return;
  installed = true;
  const prototype = StateMachine.prototype as unknown as { run: Run; execute: Execute };
  const run = prototype.run;
  const execute = prototype.execute;
  prototype.execute = function observedExecute(this: unknown, input, options, cleanup) {
    const observe = observer;
    observer = undefined;
    if (observe) {
      const logger = options.eventLogger;
      const enter = logger.dispatchStateEnteredEvent.bind(logger);
      logger.dispatchStateEnteredEvent = (state, type, stateInput) => {
        observe.entered(state, stateInput);
        enter(state, type, stateInput);
      };
      // Recorded as the library announces it, before the event reaches any history (the library
      // forwards it through async generators): a restart that sees the event sees the result too.
      // The step loop also ends this way when aborted: that is no success.
      const succeed = logger.dispatchExecutionSucceededEvent.bind(logger);
      logger.dispatchExecutionSucceededEvent = (output) => {
        if (!options.abortSignal.aborted) observe.succeeded(output);
        succeed(output);
      };
    }
    return execute.call(this, input, options, cleanup);
  };
  prototype.run = function scopedRun(this: { definition: object }, input, options) {
    const parentSignal = options?._rootAbortSignal;
    const parent = scope.getStore();
    // A top-level run: the engine's own, stopped through the execution registry.
    if (!parentSignal || !parent) return run.call(this, input, options);
    const path = pathOf(this, this.definition, parent);
    // An iteration queued behind MaxConcurrency after another failed: AWS never starts it.
    if (failed.has(this)) return nothing(null);
    // It succeeded before a redrive or a restart: AWS reuses its result and runs it no more.
    const done = path === undefined ? undefined : parent.memo.result(path);
    if (done) return nothing(done.output);
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, parentSignal]);
    const inner: Scope = { signal, path: path ?? parent.path, memo: parent.memo, entries: new Map() };
    // Run again (a redrive, a restart), it goes on from the state it had reached, with that input.
    const states = (this.definition as { States?: Record<string, unknown> }).States ?? {};
    const at = path === undefined ? undefined : parent.memo.position(path);
    const machine =
      at && Object.hasOwn(states, at.state)
        ? Object.assign(Object.create(Object.getPrototypeOf(this) as object) as typeof this, this, {
            definition: { ...this.definition, StartAt: at.state },
          })
        : this;
    // Where it is: each state it enters, seen as the library announces it (synchronously, so the
    // history's event order is the library's; run() calls execute() at once, which takes this).
    if (path !== undefined)
      observer = {
        entered: (state, stateInput) => parent.memo.entered(path, state, stateInput),
        succeeded: (output) => {
          if (!signal.aborted) parent.memo.succeeded(path, output);
        },
      };
    const execution = scope.run(inner, () => run.call(machine, at ? at.input : input, options));
    observer = undefined;
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
