/**
 * Runs of executions in this process, on the library. Every task state goes through the engine:
 * its bounds (TimeoutSeconds, HeartbeatSeconds, scaled), its callback token, its integration, its
 * history events. An execution ends once; stopping it stops the tasks and nested executions it
 * waits on; detaching (at shutdown) leaves it RUNNING in the store, to resume after a restart.
 */
import { type Callbacks, type Waiter, withTaskToken } from './callbacks.ts';
import {
  type IntegrationPattern,
  type Json,
  type LoadedWorkflow,
  startingAt,
  type TaskInfo,
} from './definition.ts';
import { TaskError } from './errors.ts';
import type { Histories } from './history.ts';
import type { Integrations } from './integrations.ts';
import {
  abandonedTask,
  buildMachine,
  currentPath,
  currentScope,
  errorParts,
  type IterationMemo,
  isExecutionTimeout,
  type Machine,
  runMachine,
  type TaskHandler,
} from './library.ts';
import type { ExecutionRecord, ExecutionStatus, ExecutionStore } from './store.ts';

export interface RegisteredWorkflow {
  arn: string;
  loaded: LoadedWorkflow;
}

/** One run of a task state; `stop` ends what it waits on when its branch or iteration is stopped. */
interface TaskRun {
  stopped: boolean;
  waiter?: Waiter;
  child?: string;
}

interface Run {
  abort(): void;
  /** Set when the process shuts down: the execution stays RUNNING in the store, to resume later. */
  detached: boolean;
  /** How this run began: a nested start it finds already made is then the same task's child. */
  entry: 'start' | 'resume' | 'redrive';
  children: Set<string>;
  /** Set once the execution has ended: late task events of this run are not recorded. */
  ended: boolean;
  /** Tasks (by path) that have started in this run: only a task's first run after a restart keeps its deadlines. */
  timed: Set<string>;
}

export interface RunsOptions {
  store: ExecutionStore;
  history: Histories;
  callbacks: Callbacks;
  integrations: Integrations;
  /** Multiplies every task timeout and heartbeat (JIF_TIME_SCALE). */
  timeScale: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class Runs {
  private readonly runs = new Map<string, Run>();
  private readonly machines = new Map<string, Machine>();
  private readonly completion = new Map<
    string,
    { promise: Promise<void>; resolve(): void; reject(error: Error): void }
  >();

  private readonly options: RunsOptions;

  constructor(options: RunsOptions) {
    this.options = options;
  }

  /** Builds the machine every fresh start of this workflow runs. */
  prepare(workflow: RegisteredWorkflow): void {
    this.machineStartingAt(workflow, workflow.loaded.runnable.StartAt);
  }

  isActive(executionArn: string): boolean {
    return this.runs.has(executionArn);
  }

  /** Runs the execution from `startAt` with `input`, recording its events and its end. */
  launch(
    record: ExecutionRecord,
    workflow: RegisteredWorkflow,
    startAt: string,
    input: unknown,
    entry: Run['entry'],
  ): void {
    const { history } = this.options;
    const machine =
      entry === 'resume'
        ? this.resumedMachine(record, workflow, startAt)
        : this.machineStartingAt(workflow, startAt);
    const run: Run = {
      abort: () => {},
      detached: false,
      entry,
      children: new Set(),
      ended: false,
      timed: new Set(),
    };
    this.runs.set(record.executionArn, run);
    const handlers: Record<string, TaskHandler> = {};
    for (const task of workflow.loaded.tasks.values()) {
      handlers[task.stateName] = (taskInput) => this.runTask(record, run, task, taskInput);
    }
    const execution = runMachine(
      machine,
      input,
      handlers,
      {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          Input: JSON.parse(record.input),
          StartTime: record.startDate,
          RoleArn: 'arn:aws:iam::000000000000:role/local',
        },
        StateMachine: { Id: workflow.arn, Name: nameOfArn(workflow.arn) },
      },
      this.memoFor(record, run, entry === 'start' ? undefined : startAt),
      (path, state) => (entry === 'resume' ? this.waitLeft(record, run, workflow, path, state) : undefined),
    );
    run.abort = () => execution.abort();
    const topLevel = new Set(workflow.loaded.topLevelStates);
    const events = (async () => {
      for await (const event of execution.events) {
        if (run.detached || run.ended) return;
        history.recordLibraryEvent(record, event, topLevel);
      }
    })();
    // `run.ended`: a stopped run settles later, perhaps after a redrive made the execution RUNNING
    // again; it must not end the redriven run's execution.
    execution.result
      .then(async (output) => {
        await events;
        if (run.detached || run.ended || record.status !== 'RUNNING') return;
        this.finish(record, 'SUCCEEDED', { output: JSON.stringify(output ?? null) });
        history.append(record, 'ExecutionSucceeded', {
          executionSucceededEventDetails: { output: record.output },
        });
      })
      .catch(async (error: unknown) => {
        await events.catch(() => {});
        if (run.detached || run.ended || record.status !== 'RUNNING') return;
        const { name, cause } = errorParts(error);
        const timedOut = isExecutionTimeout(error);
        this.finish(record, timedOut ? 'TIMED_OUT' : 'FAILED', { error: name, cause });
        history.append(record, timedOut ? 'ExecutionTimedOut' : 'ExecutionFailed', {
          [timedOut ? 'executionTimedOutEventDetails' : 'executionFailedEventDetails']: {
            error: name,
            cause,
          },
        });
      })
      .finally(() => {
        if (this.runs.get(record.executionArn) === run) this.runs.delete(record.executionArn);
      });
  }

  /** StopExecution of a running execution: ABORTED, its tasks and the children it waits on stopped. */
  stop(record: ExecutionRecord, error?: string, cause?: string): void {
    this.finish(record, 'ABORTED', { error, cause });
    this.options.history.append(record, 'ExecutionAborted', {
      executionAbortedEventDetails: { error, cause },
    });
    this.runs.get(record.executionArn)?.abort();
  }

  /** Resolves when the execution ends in this process (rejects if the engine shuts down first). */
  ended(executionArn: string): Promise<void> {
    return this.completionOf(executionArn).promise;
  }

  /** Stops running work without marking executions finished, so a restart resumes them. */
  detachAll(): void {
    for (const [, run] of this.runs) {
      run.detached = true;
      run.abort();
    }
    this.runs.clear();
    this.options.callbacks.shutDown();
    // A parent's `.sync` task waiting on a child would otherwise keep its timer, and the process, alive.
    for (const entry of this.completion.values())
      entry.reject(new TaskError('States.Runtime', 'engine shut down'));
    this.completion.clear();
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * The iterations and branches of the execution's current top-level Map or Parallel state that
   * succeeded, and where the others were. A redrive or a restart re-entering that state (`reenters`)
   * reuses the results and goes on from there; any other entry of a Map or Parallel starts afresh.
   */
  private memoFor(record: ExecutionRecord, run: Run, reenters: string | undefined): IterationMemo {
    let reuse = reenters;
    return {
      enter: (state) => {
        const keep = reuse === state && record.iterations?.state === state;
        reuse = undefined;
        if (keep) return;
        record.iterations = { state, done: {} };
        this.options.store.changed(record);
      },
      result: (path) => {
        const done = record.iterations?.done;
        return done && Object.hasOwn(done, path) ? { output: done[path] } : undefined;
      },
      succeeded: (path, output) => {
        const done = record.iterations?.done;
        if (!done || run.detached || run.ended) return;
        // What ran inside it is no longer needed: it will not run again.
        for (const key of Object.keys(done)) if (key.startsWith(`${path}/`)) delete done[key];
        done[path] = output;
        const at = record.iterations?.at ?? {};
        for (const key of Object.keys(at)) if (key === path || key.startsWith(`${path}/`)) delete at[key];
        this.options.store.changed(record);
      },
      entered: (path, state, input) => {
        const iterations = record.iterations;
        if (!iterations || run.detached || run.ended) return;
        // A resumed run re-entering the Wait it was in keeps that entry's time (waitLeft counts from
        // it, and marks it timed); any later entry starts anew.
        const before = iterations.at?.[path];
        const kept =
          run.entry === 'resume' && before?.state === state && !run.timed.has(`wait:${path}/${state}`)
            ? before.since
            : undefined;
        iterations.at = { ...iterations.at, [path]: { state, input, since: kept ?? Date.now() } };
        this.options.store.changed(record);
      },
      position: (path) => record.iterations?.at?.[path],
    };
  }

  /**
   * A restart re-entering a Wait state of `Seconds`, at the top level or where an iteration or branch
   * had reached: what is left of it, counted from when it was entered before (AWS ends it at its
   * original time; past it, at once). Any later Wait of the run waits its full time.
   */
  private waitLeft(
    record: ExecutionRecord,
    run: Run,
    workflow: RegisteredWorkflow,
    path: string,
    state: string,
  ): number | undefined {
    const key = `wait:${path}/${state}`;
    if (run.timed.has(key)) return undefined;
    run.timed.add(key);
    const seconds = workflow.loaded.waitSeconds.get(state);
    if (seconds === undefined) return undefined;
    let enteredAt: number | undefined;
    if (path === '') {
      // The first state a resumed run enters: its entry before the restart is the history's last.
      const entered = record.history.findLast(
        (event) =>
          event.type === 'WaitStateEntered' &&
          (event.stateEnteredEventDetails as { name?: string } | undefined)?.name === state,
      );
      if (record.resumePoint?.state === state && entered) enteredAt = Date.parse(entered.timestamp);
    } else {
      const at = record.iterations?.at?.[path];
      if (at?.state === state) enteredAt = at.since;
    }
    if (enteredAt === undefined) return undefined;
    return Math.max(0, enteredAt + seconds * 1000 - Date.now());
  }

  /**
   * After a restart the execution's own TimeoutSeconds counts from its start (or its last redrive),
   * as the restart is invisible in AWS: a machine bounded by what is left (none left: it times out).
   */
  private resumedMachine(record: ExecutionRecord, workflow: RegisteredWorkflow, state: string): Machine {
    const bound = workflow.loaded.runnable.TimeoutSeconds;
    if (typeof bound !== 'number') return this.machineStartingAt(workflow, state);
    const elapsed = (Date.now() - Date.parse(record.redriveDate ?? record.startDate)) / 1000;
    return buildMachine({
      ...startingAt(workflow.loaded.runnable, state),
      TimeoutSeconds: Math.max(0, bound - elapsed),
    });
  }

  private machineStartingAt(workflow: RegisteredWorkflow, state: string): Machine {
    const key = `${workflow.arn}#${state}`;
    let machine = this.machines.get(key);
    if (!machine) {
      machine = buildMachine(startingAt(workflow.loaded.runnable, state));
      this.machines.set(key, machine);
    }
    return machine;
  }

  private async runTask(record: ExecutionRecord, run: Run, task: TaskInfo, input: Json): Promise<Json> {
    const scope = currentScope();
    const path = currentPath();
    const timerKey = path ? `${path}/${task.stateName}` : task.stateName;
    // Let the library's StateEntered event (dispatched just before this call) reach the history first.
    await new Promise((resolve) => setImmediate(resolve));
    if (run.detached || record.status !== 'RUNNING') {
      throw new TaskError('States.Runtime', 'execution is no longer running');
    }
    // A branch or iteration stopped because a sibling failed: as in AWS, it does nothing more and
    // records nothing more.
    if (scope?.aborted) throw abandonedTask();
    const taskRun: TaskRun = { stopped: false };
    const stop = () => this.stopTask(run, taskRun);
    scope?.addEventListener('abort', stop, { once: true });
    try {
      return await this.runTaskInScope(record, run, task, input, taskRun, timerKey);
    } catch (error) {
      // A stopped task settles (an unsettled one kept the library's task and run timers armed until
      // its TimeoutSeconds, days for a sign-off), with an error nothing retries, catches or records.
      if (taskRun.stopped) throw abandonedTask();
      throw error;
    } finally {
      scope?.removeEventListener('abort', stop);
    }
  }

  /** Abandons a stopped task's callback (its token stops working) and stops its nested execution. */
  private stopTask(run: Run, taskRun: TaskRun): void {
    taskRun.stopped = true;
    // A shutdown aborts every run too: then nested executions stay RUNNING, to resume after a restart.
    if (run.detached) return;
    if (taskRun.waiter) taskRun.waiter.reject(new TaskError('States.Runtime', 'task stopped'));
    const child = taskRun.child ? this.options.store.get(taskRun.child) : undefined;
    if (child?.status === 'RUNNING') this.stop(child, undefined, 'The task that started it was stopped');
  }

  private async runTaskInScope(
    record: ExecutionRecord,
    run: Run,
    task: TaskInfo,
    input: Json,
    taskRun: TaskRun,
    timerKey: string,
  ): Promise<Json> {
    const resourceType =
      task.target.kind === 'lambda' ? 'lambda' : task.resource.split(':::')[1]?.split(':')[0];
    this.appendFor(run, record, 'TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType,
        resource: task.resource,
        region: 'local',
        parameters: JSON.stringify(input),
        timeoutInSeconds: task.timeoutSeconds,
        heartbeatInSeconds: task.heartbeatSeconds,
      },
    });
    this.appendFor(run, record, 'TaskStarted', {
      taskStartedEventDetails: { resourceType, resource: task.resource },
    });
    try {
      const output = await this.withTimeout(record, run, task, input, taskRun, timerKey);
      if (taskRun.stopped) throw abandonedTask();
      this.appendFor(run, record, 'TaskSucceeded', {
        taskSucceededEventDetails: { resourceType, resource: task.resource, output: JSON.stringify(output) },
      });
      return output as Json;
    } catch (error) {
      if (taskRun.stopped) throw error;
      const { name, cause } = errorParts(error);
      if (name === 'States.Timeout' || name === 'States.HeartbeatTimeout') {
        this.appendFor(run, record, 'TaskTimedOut', {
          taskTimedOutEventDetails: { resourceType, resource: task.resource, error: name, cause },
        });
      } else {
        this.appendFor(run, record, 'TaskFailed', {
          taskFailedEventDetails: { resourceType, resource: task.resource, error: name, cause },
        });
      }
      throw error instanceof TaskError ? error : new TaskError(name, cause);
    }
  }

  /**
   * Task `TimeoutSeconds` and `HeartbeatSeconds`, scaled, enforced by the engine. Their deadlines
   * are kept in the record while the task runs: the task's first run after a restart keeps them (as
   * in AWS, a restart changes no deadline), and one already past times the task out at once.
   */
  private withTimeout(
    record: ExecutionRecord,
    run: Run,
    task: TaskInfo,
    input: Json,
    taskRun: TaskRun,
    timerKey: string,
  ): Promise<unknown> {
    const timers: NodeJS.Timeout[] = [];
    const now = Date.now();
    const kept = run.entry === 'resume' && !run.timed.has(timerKey) ? record.timers?.[timerKey] : undefined;
    run.timed.add(timerKey);
    const deadlines: { timeoutAt?: number; heartbeatAt?: number } = {};
    if (task.timeoutSeconds !== undefined)
      deadlines.timeoutAt = kept?.timeoutAt ?? now + this.scaled(task.timeoutSeconds);
    if (task.heartbeatSeconds !== undefined)
      deadlines.heartbeatAt = kept?.heartbeatAt ?? now + this.scaled(task.heartbeatSeconds);
    const keep = () => {
      record.timers = { ...record.timers, [timerKey]: { ...deadlines } };
      this.options.store.changed(record);
    };
    if (deadlines.timeoutAt !== undefined || deadlines.heartbeatAt !== undefined) keep();
    const settled = () => {
      for (const timer of timers) clearTimeout(timer);
      // At shutdown the deadlines stay, for the restart; a task that ended has none.
      if (run.detached || !record.timers?.[timerKey]) return;
      delete record.timers[timerKey];
      this.options.store.changed(record);
    };
    const timeoutError = () =>
      new TaskError('States.Timeout', `task did not finish within ${task.timeoutSeconds} s`);
    const heartbeatError = () => new TaskError('States.HeartbeatTimeout', 'no heartbeat in time');
    // Past a deadline already (the process was down meanwhile): the task times out without running.
    if ((deadlines.timeoutAt ?? Infinity) <= now) return Promise.reject(timeoutError()).finally(settled);
    if ((deadlines.heartbeatAt ?? Infinity) <= now) return Promise.reject(heartbeatError()).finally(settled);
    // The callback this run of the task created (a Map may run the same state many times at once).
    let own: Waiter | undefined;
    const work = this.performTask(record, run, task, input, taskRun, (waiter) => {
      own = waiter;
      taskRun.waiter = waiter;
      if (task.heartbeatSeconds === undefined) return;
      let timer: NodeJS.Timeout | undefined;
      const arm = (at: number) => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => waiter.reject(heartbeatError()), Math.max(0, at - Date.now()));
        timers.push(timer);
      };
      waiter.heartbeat = () => {
        deadlines.heartbeatAt = Date.now() + this.scaled(task.heartbeatSeconds ?? 0);
        keep();
        arm(deadlines.heartbeatAt);
      };
      arm(deadlines.heartbeatAt ?? now);
    });
    const settle = () => {
      settled();
      // A finished or timed-out callback task no longer accepts its token, as in AWS.
      if (own) this.options.callbacks.close(own.token);
    };
    if (deadlines.timeoutAt === undefined) return work.finally(settle);
    const timeoutAt = deadlines.timeoutAt;
    const timeout = new Promise<never>((_, reject) => {
      timers.push(setTimeout(() => reject(timeoutError()), Math.min(MAX_TIMER_MS, timeoutAt - Date.now())));
    });
    return Promise.race([work, timeout]).finally(settle);
  }

  private async performTask(
    record: ExecutionRecord,
    run: Run,
    task: TaskInfo,
    input: Json,
    taskRun: TaskRun,
    onWaiter: (waiter: Waiter) => void,
  ): Promise<unknown> {
    const { target } = task;
    const pattern: IntegrationPattern = 'pattern' in target ? target.pattern : 'request-response';
    let callback: { waiter: Waiter; answered: Promise<unknown> } | undefined;
    if (pattern === 'callback') {
      callback = this.options.callbacks.open(record.executionArn, task.stateName);
      input = withTaskToken(input, callback.waiter.token);
      onWaiter(callback.waiter);
    }
    const caller = {
      stateMachineArn: record.stateMachineArn,
      entry: run.entry,
      adopt: (child: string) => {
        run.children.add(child);
        taskRun.child = child;
      },
    };
    let result: unknown;
    try {
      result = await this.options.integrations.call(task, input, caller);
    } catch (error) {
      if (callback) this.options.callbacks.close(callback.waiter.token);
      throw error;
    }
    if (callback) {
      this.appendFor(run, record, 'TaskSubmitted', {
        taskSubmittedEventDetails: { resource: task.resource, output: JSON.stringify(result ?? null) },
      });
      return callback.answered;
    }
    return result;
  }

  private completionOf(executionArn: string) {
    let entry = this.completion.get(executionArn);
    if (!entry) {
      let resolve = () => {};
      let reject: (error: Error) => void = () => {};
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => {}); // a shut-down engine rejects it whether or not anyone still waits
      entry = { promise, resolve, reject };
      this.completion.set(executionArn, entry);
    }
    return entry;
  }

  private finish(
    record: ExecutionRecord,
    status: ExecutionStatus,
    details: { output?: string; error?: string | undefined; cause?: string | undefined },
  ): void {
    record.status = status;
    record.stopDate = new Date().toISOString();
    if (details.output !== undefined) record.output = details.output;
    if (details.error !== undefined) record.error = details.error;
    if (details.cause !== undefined) record.cause = details.cause;
    if (status === 'SUCCEEDED') {
      delete record.resumePoint;
      delete record.iterations;
    }
    delete record.timers;
    const run = this.runs.get(record.executionArn);
    if (run) run.ended = true;
    this.options.callbacks.endExecution(record.executionArn, status);
    // Stopping a parent stops the children it was waiting on, as AWS does for `.sync` tasks.
    if (status === 'ABORTED') {
      for (const childArn of run?.children ?? []) {
        const child = this.options.store.get(childArn);
        if (child?.status === 'RUNNING') this.stop(child, 'States.Aborted', 'parent stopped');
      }
    }
    this.options.store.changed(record);
    this.completionOf(record.executionArn).resolve();
    this.completion.delete(record.executionArn);
  }

  /** A task's event, unless its run has ended (e.g. a call still running when the execution failed). */
  private appendFor(run: Run, record: ExecutionRecord, type: string, details: Record<string, unknown>): void {
    if (!run.detached && !run.ended) this.options.history.append(record, type, details);
  }

  private scaled(seconds: number): number {
    return Math.min(Math.max(0, Math.round(seconds * 1000 * this.options.timeScale)), MAX_TIMER_MS);
  }
}

export function nameOfArn(arn: string): string {
  return arn.split(':').at(-1) ?? arn;
}
