/**
 * Map iterations and Parallel branches stopped as AWS stops them. aws-local-stepfunctions runs
 * each iteration and branch as a nested `StateMachine.run` and aborts them when a sibling fails,
 * but it never tells a running task (its task handlers get only their input), and it still starts
 * the iterations queued behind `MaxConcurrency`. This adapter wraps that nested `run`:
 * - each nested run gets an abort signal (chained to its parent's), which the engine reads through
 *   `currentScope()` inside a task handler, to abandon a callback or stop a nested execution;
 * - once an iteration of a Map has failed, no further iteration of that Map starts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { StateMachine } from 'aws-local-stepfunctions';

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
