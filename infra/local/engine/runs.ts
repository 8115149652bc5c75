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
  currentScope,
  errorParts,
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
    const machine = this.machineStartingAt(workflow, startAt);
    const run: Run = { abort: () => {}, detached: false, entry, children: new Set(), ended: false };
    this.runs.set(record.executionArn, run);
    const handlers: Record<string, TaskHandler> = {};
    for (const task of workflow.loaded.tasks.values()) {
      handlers[task.stateName] = (taskInput) => this.runTask(record, run, task, taskInput);
    }
    const execution = runMachine(machine, input, handlers, {
      Execution: {
        Id: record.executionArn,
        Name: record.name,
        Input: JSON.parse(record.input),
        StartTime: record.startDate,
        RoleArn: 'arn:aws:iam::000000000000:role/local',
      },
      StateMachine: { Id: workflow.arn, Name: nameOfArn(workflow.arn) },
    });
    run.abort = () => execution.abort();
    const topLevel = new Set(workflow.loaded.topLevelStates);
    const events = (async () => {
      for await (const event of execution.events) {
        if (run.detached || run.ended) return;
        history.recordLibraryEvent(record, event, topLevel);
      }
    })();
    execution.result
      .then(async (output) => {
        await events;
        if (run.detached || record.status !== 'RUNNING') return;
        this.finish(record, 'SUCCEEDED', { output: JSON.stringify(output ?? null) });
        history.append(record, 'ExecutionSucceeded', {
          executionSucceededEventDetails: { output: record.output },
        });
      })
      .catch(async (error: unknown) => {
        await events.catch(() => {});
        if (run.detached || record.status !== 'RUNNING') return;
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
      return await this.runTaskInScope(record, run, task, input, taskRun);
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
      const output = await this.withTimeout(record, run, task, input, taskRun);
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

  /** Task `TimeoutSeconds` and `HeartbeatSeconds`, scaled, enforced by the engine. */
  private withTimeout(
    record: ExecutionRecord,
    run: Run,
    task: TaskInfo,
    input: Json,
    taskRun: TaskRun,
  ): Promise<unknown> {
    const timers: NodeJS.Timeout[] = [];
    // The callback this run of the task created (a Map may run the same state many times at once).
    let own: Waiter | undefined;
    const work = this.performTask(record, run, task, input, taskRun, (waiter) => {
      own = waiter;
      taskRun.waiter = waiter;
      if (task.heartbeatSeconds === undefined) return;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(
          () => waiter.reject(new TaskError('States.HeartbeatTimeout', 'no heartbeat in time')),
          this.scaled(task.heartbeatSeconds ?? 0),
        );
        timers.push(timer);
      };
      waiter.heartbeat = arm;
      arm();
    });
    const settle = () => {
      for (const timer of timers) clearTimeout(timer);
      // A finished or timed-out callback task no longer accepts its token, as in AWS.
      if (own) this.options.callbacks.close(own.token);
    };
    if (task.timeoutSeconds === undefined) return work.finally(settle);
    const timeout = new Promise<never>((_, reject) => {
      timers.push(
        setTimeout(
          () =>
            reject(new TaskError('States.Timeout', `task did not finish within ${task.timeoutSeconds} s`)),
          this.scaled(task.timeoutSeconds ?? 0),
        ),
      );
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
    if (status === 'SUCCEEDED') delete record.resumePoint;
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
