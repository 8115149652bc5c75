/**
 * The local Step Functions: runs the workflow files on aws-local-stepfunctions and adds what that
 * library lacks and our flows rely on: an execution registry with histories, callback tasks with
 * real tokens, nested executions, AWS-named errors from service integrations, task timeouts and
 * heartbeats, time scaling, and resuming running executions after a restart.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as DynamoDB from '@aws-sdk/client-dynamodb';
import * as SESv2 from '@aws-sdk/client-sesv2';
import { StateMachine } from 'aws-local-stepfunctions';
import {
  type IntegrationPattern,
  type Json,
  type LoadedWorkflow,
  type MachineDefinition,
  startingAt,
  TASK_TOKEN_PLACEHOLDER,
  type TaskInfo,
} from './definition.ts';
import { currentScope, installScopes } from './scopes.ts';
import type { ExecutionRecord, ExecutionStatus, ExecutionStore, HistoryEvent } from './store.ts';

/** An error the Step Functions API answers with: `code` becomes `__type`, as AWS names it. */
export class StepFunctionsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** An error raised inside an execution, matched by Retry and Catch on its name. */
export class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

export interface RegisteredWorkflow {
  arn: string;
  loaded: LoadedWorkflow;
}

export interface EngineOptions {
  workflows: RegisteredWorkflow[];
  /** Runs a function in-process, as Lambda would; throws errors named as the handler named them. */
  invokeFunction(functionName: string, payload: unknown): Promise<unknown>;
  dynamodb: DynamoDB.DynamoDBClient;
  sesv2: SESv2.SESv2Client;
  store: ExecutionStore;
  /** Multiplies every Wait, task timeout, heartbeat and retry interval (JIF_TIME_SCALE). */
  timeScale?: number;
  log?: (message: string, details?: unknown) => void;
}

interface Waiter {
  token: string;
  executionArn: string;
  stateName: string;
  resolve(output: unknown): void;
  reject(error: Error): void;
  heartbeat(): void;
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

const MAX_TIMER_MS = 2 ** 31 - 1;
/** AWS redrives executions that ended within the last 14 days. */
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;
const TERMINAL_EVENTS = new Set([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
]);

export class LocalStepFunctions {
  private readonly workflows = new Map<string, RegisteredWorkflow>();
  private readonly machines = new Map<string, StateMachine>();
  private readonly runs = new Map<string, Run>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly completion = new Map<
    string,
    { promise: Promise<void>; resolve(): void; reject(error: Error): void }
  >();
  private readonly timeScale: number;
  /** Per execution, the state whose error a Catch just took (its exit event is not recorded). */
  private readonly caught = new Map<string, string>();

  constructor(private readonly options: EngineOptions) {
    this.timeScale = options.timeScale ?? 1;
    installScopes();
    for (const workflow of options.workflows) {
      this.workflows.set(workflow.arn, workflow);
      // Validate the file as written once (about 100 ms); every run reuses the built machine.
      new StateMachine(workflow.loaded.definition as never, { validationOptions: { checkArn: true } });
      this.machines.set(
        `${workflow.arn}#${workflow.loaded.runnable.StartAt}`,
        new StateMachine(workflow.loaded.runnable as never, { validationOptions: { noValidate: true } }),
      );
    }
  }

  listStateMachines(): { stateMachineArn: string; name: string; type: 'STANDARD'; creationDate: string }[] {
    return [...this.workflows.values()].map((w) => ({
      stateMachineArn: w.arn,
      name: nameOfArn(w.arn),
      type: 'STANDARD',
      creationDate: new Date(0).toISOString(),
    }));
  }

  describeStateMachine(stateMachineArn: string) {
    const workflow = this.requireWorkflow(stateMachineArn);
    return {
      stateMachineArn,
      name: nameOfArn(stateMachineArn),
      status: 'ACTIVE',
      definition: JSON.stringify(workflow.loaded.definition),
      roleArn: `${stateMachineArn.split(':stateMachine:')[0]?.replace(':states:', ':iam:')}:role/local`,
      type: 'STANDARD',
      creationDate: new Date(0).toISOString(),
    };
  }

  startExecution(request: { stateMachineArn: string; name?: string; input?: string }): {
    executionArn: string;
    startDate: string;
  } {
    const workflow = this.requireWorkflow(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw new StepFunctionsApiError('InvalidName', `Invalid execution name: ${name}`);
    }
    const input = request.input ?? '{}';
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(input);
    } catch {
      throw new StepFunctionsApiError('InvalidExecutionInput', 'Execution input must be JSON');
    }
    const executionArn = `${workflow.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.options.store.get(executionArn);
    if (existing) {
      // As AWS: the same name and input while running is the same execution (an idempotent start).
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn, startDate: existing.startDate };
      }
      throw new StepFunctionsApiError(
        'ExecutionAlreadyExists',
        `Execution already exists: '${executionArn}'`,
      );
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: workflow.arn,
      name,
      status: 'RUNNING',
      startDate: new Date().toISOString(),
      input,
      history: [],
    };
    const parent = (parsedInput as Record<string, unknown> | null)
      ?.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID;
    if (typeof parent === 'string') record.parentExecutionArn = parent;
    this.options.store.put(record);
    this.append(record, 'ExecutionStarted', {
      executionStartedEventDetails: { input, roleArn: 'arn:aws:iam::000000000000:role/local' },
    });
    this.launch(record, workflow, workflow.loaded.runnable.StartAt, parsedInput, 'start');
    return { executionArn, startDate: record.startDate };
  }

  /** Re-enters every execution a previous process left running, at its last top-level state. */
  resumeRunning(): string[] {
    const resumed: string[] = [];
    for (const record of this.options.store.list((r) => r.status === 'RUNNING')) {
      const workflow = this.workflows.get(record.stateMachineArn);
      if (!workflow || this.runs.has(record.executionArn)) continue;
      const point = record.resumePoint ?? {
        state: workflow.loaded.runnable.StartAt,
        input: JSON.parse(record.input),
      };
      this.append(record, 'ExecutionResumed', { resumedEventDetails: { state: point.state } });
      this.launch(record, workflow, point.state, point.input, 'resume');
      resumed.push(record.executionArn);
    }
    return resumed;
  }

  describeExecution(executionArn: string) {
    const record = this.requireExecution(executionArn);
    return {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startDate,
      stopDate: record.stopDate,
      input: record.input,
      inputDetails: { included: true },
      output: record.output,
      outputDetails: record.output === undefined ? undefined : { included: true },
      error: record.error,
      cause: record.cause,
      redriveCount: record.redriveCount ?? 0,
      redriveDate: record.redriveDate,
      redriveStatus: notRedrivableReason(record) ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
      redriveStatusReason: notRedrivableReason(record),
    };
  }

  listExecutions(request: { stateMachineArn?: string; statusFilter?: ExecutionStatus }) {
    if (request.stateMachineArn) this.requireWorkflow(request.stateMachineArn);
    return this.options.store
      .list(
        (r) =>
          (!request.stateMachineArn || r.stateMachineArn === request.stateMachineArn) &&
          (!request.statusFilter || r.status === request.statusFilter),
      )
      .map((r) => ({
        executionArn: r.executionArn,
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        status: r.status,
        startDate: r.startDate,
        stopDate: r.stopDate,
        redriveCount: r.redriveCount ?? 0,
        redriveDate: r.redriveDate,
      }));
  }

  getExecutionHistory(
    executionArn: string,
    options: { reverseOrder?: boolean; includeExecutionData?: boolean } = {},
  ) {
    const record = this.requireExecution(executionArn);
    const events = options.reverseOrder ? [...record.history].reverse() : [...record.history];
    return options.includeExecutionData === false ? events.map(withoutData) : events;
  }

  stopExecution(executionArn: string, error?: string, cause?: string): { stopDate: string } {
    const record = this.requireExecution(executionArn);
    if (record.status === 'RUNNING') {
      this.finish(record, 'ABORTED', { error, cause });
      this.append(record, 'ExecutionAborted', { executionAbortedEventDetails: { error, cause } });
      this.runs.get(executionArn)?.abort();
    }
    return { stopDate: record.stopDate ?? new Date().toISOString() };
  }

  /**
   * RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution starts again at the top-level state
   * that did not complete, with the input that state had; the states before it are not re-run.
   * Approximation: a Map or Parallel state re-runs as a whole (AWS re-runs only its unsuccessful
   * iterations and branches); a nested execution it finds already made is that task's child:
   * SUCCEEDED, its output is reused; unsuccessful, it is redriven too.
   */
  redriveExecution(executionArn: string): { redriveDate: string } {
    const record = this.requireExecution(executionArn);
    const workflow = this.requireWorkflow(record.stateMachineArn);
    const reason = notRedrivableReason(record);
    if (reason) throw new StepFunctionsApiError('ExecutionNotRedrivable', reason);
    const point = record.resumePoint ?? {
      state: workflow.loaded.runnable.StartAt,
      input: JSON.parse(record.input),
    };
    record.status = 'RUNNING';
    for (const key of ['stopDate', 'output', 'error', 'cause'] as const) delete record[key];
    record.redriveCount = (record.redriveCount ?? 0) + 1;
    record.redriveDate = new Date().toISOString();
    this.append(record, 'ExecutionRedriven', {
      executionRedrivenEventDetails: { redriveCount: record.redriveCount },
    });
    this.launch(record, workflow, point.state, point.input, 'redrive');
    return { redriveDate: record.redriveDate };
  }

  sendTaskSuccess(taskToken: string, output: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new StepFunctionsApiError('InvalidOutput', 'Task output must be JSON');
    }
    this.requireWaiter(taskToken).resolve(parsed);
  }

  sendTaskFailure(taskToken: string, error = '', cause = ''): void {
    this.requireWaiter(taskToken).reject(new TaskError(error, cause));
  }

  sendTaskHeartbeat(taskToken: string): void {
    this.requireWaiter(taskToken).heartbeat();
  }

  /** Resolves when the execution is no longer running (tests, nested `.sync` tasks). */
  async waitForExecution(executionArn: string): Promise<ExecutionRecord> {
    const record = this.requireExecution(executionArn);
    if (record.status === 'RUNNING') await this.completionOf(executionArn).promise;
    return this.requireExecution(executionArn);
  }

  /** Tokens of callback tasks waiting right now (for tests and the outbox page). */
  pendingTaskTokens(executionArn?: string): { token: string; executionArn: string; stateName: string }[] {
    return [...this.waiters.values()]
      .filter((w) => !executionArn || w.executionArn === executionArn)
      .map(({ token, executionArn: arn, stateName }) => ({ token, executionArn: arn, stateName }));
  }

  /** Stops running work without marking executions finished, so a restart resumes them. */
  detachAll(): void {
    for (const [, run] of this.runs) {
      run.detached = true;
      run.abort();
    }
    this.runs.clear();
    for (const waiter of this.waiters.values())
      waiter.reject(new TaskError('States.Runtime', 'engine shut down'));
    this.waiters.clear();
    // A parent's `.sync` task waiting on a child would otherwise keep its timer, and the process, alive.
    for (const entry of this.completion.values())
      entry.reject(new TaskError('States.Runtime', 'engine shut down'));
    this.completion.clear();
    this.options.store.flush();
  }

  // ---------------------------------------------------------------------------------------------

  private launch(
    record: ExecutionRecord,
    workflow: RegisteredWorkflow,
    startAt: string,
    input: unknown,
    entry: Run['entry'],
  ): void {
    const machine = this.machineStartingAt(workflow, startAt);
    const run: Run = { abort: () => {}, detached: false, entry, children: new Set(), ended: false };
    this.runs.set(record.executionArn, run);
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const task of workflow.loaded.tasks.values()) {
      handlers[task.stateName] = (taskInput) => this.runTask(record, run, task, taskInput);
    }
    const execution = machine.run(input as Json as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          Input: JSON.parse(record.input),
          StartTime: record.startDate,
          RoleArn: 'arn:aws:iam::000000000000:role/local',
        },
        StateMachine: { Id: workflow.arn, Name: nameOfArn(workflow.arn) },
      } as never,
    });
    run.abort = () => execution.abort();
    const topLevel = new Set(workflow.loaded.topLevelStates);
    const history = (async () => {
      for await (const event of execution.eventLogs) {
        if (run.detached || run.ended) return;
        this.recordLibraryEvent(record, event as unknown as EventLog, topLevel);
      }
    })();
    execution.result
      .then(async (output) => {
        await history;
        if (run.detached || record.status !== 'RUNNING') return;
        this.finish(record, 'SUCCEEDED', { output: JSON.stringify(output ?? null) });
        this.append(record, 'ExecutionSucceeded', {
          executionSucceededEventDetails: { output: record.output },
        });
      })
      .catch(async (error: unknown) => {
        await history.catch(() => {});
        if (run.detached || record.status !== 'RUNNING') return;
        const { name, cause } = errorParts(error);
        const timedOut = (error as Error)?.name === 'ExecutionTimeoutError';
        this.finish(record, timedOut ? 'TIMED_OUT' : 'FAILED', { error: name, cause });
        this.append(record, timedOut ? 'ExecutionTimedOut' : 'ExecutionFailed', {
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

  private machineStartingAt(workflow: RegisteredWorkflow, state: string): StateMachine {
    const key = `${workflow.arn}#${state}`;
    let machine = this.machines.get(key);
    if (!machine) {
      // A copy with another StartAt has unreachable states; the file itself was validated at load.
      machine = new StateMachine(startingAt(workflow.loaded.runnable, state) as never, {
        validationOptions: { noValidate: true },
      });
      this.machines.set(key, machine);
    }
    return machine;
  }

  private recordLibraryEvent(record: ExecutionRecord, event: EventLog, topLevel: Set<string>): void {
    switch (event.type) {
      case 'StateEntered':
        if (topLevel.has(event.state.name) && event.index === undefined) {
          record.resumePoint = { state: event.state.name, input: event.state.input };
        }
        this.append(record, `${event.state.type}StateEntered`, {
          stateEnteredEventDetails: {
            name: event.state.name,
            input: JSON.stringify(event.state.input ?? null),
          },
        });
        break;
      case 'StateExited':
        // AWS records no exit for a state whose error a Catch took; the next state's entry follows.
        if (this.caught.get(record.executionArn) === event.state.name) {
          this.caught.delete(record.executionArn);
          break;
        }
        this.append(record, `${event.state.type}StateExited`, {
          stateExitedEventDetails: {
            name: event.state.name,
            output: JSON.stringify(event.state.output ?? null),
          },
        });
        break;
      case 'StateCaught':
        this.caught.set(record.executionArn, event.state.name);
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.append(record, event.type, {
          mapIterationEventDetails: { name: event.parentState.name, index: event.index },
        });
        break;
      default:
        // Execution start/end are recorded by the engine; branch and failure events have no AWS twin.
        break;
    }
  }

  private async runTask(record: ExecutionRecord, run: Run, task: TaskInfo, input: Json): Promise<Json> {
    const scope = currentScope();
    // Let the library's StateEntered event (dispatched just before this call) reach the history first.
    await new Promise((resolve) => setImmediate(resolve));
    if (run.detached || record.status !== 'RUNNING') {
      throw new TaskError('States.Runtime', 'execution is no longer running');
    }
    // A branch or iteration stopped because a sibling failed: as in AWS, it does nothing more and
    // records nothing more (the promise is left unsettled; nothing holds it, so it is collected).
    if (scope?.aborted) return new Promise<never>(() => {});
    const taskRun: TaskRun = { stopped: false };
    const stop = () => this.stopTask(run, taskRun);
    scope?.addEventListener('abort', stop, { once: true });
    try {
      return await this.runTaskInScope(record, run, task, input, taskRun);
    } catch (error) {
      // At shutdown, settle: the library's task and execution timers stay armed (and keep the
      // process alive) until the task does; a detached run records nothing more either way.
      if (taskRun.stopped && !run.detached) return new Promise<never>(() => {});
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
    if (taskRun.child && this.options.store.get(taskRun.child)?.status === 'RUNNING') {
      this.stopExecution(taskRun.child, undefined, 'The task that started it was stopped');
    }
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
      if (taskRun.stopped) return new Promise<never>(() => {});
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
      if (own) this.waiters.delete(own.token);
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
    let token: string | undefined;
    let waiting: Promise<unknown> | undefined;
    if (pattern === 'callback') {
      token = randomBytes(48).toString('base64url');
      input = replaceDeep(input, TASK_TOKEN_PLACEHOLDER, token);
      waiting = new Promise((resolve, reject) => {
        const waiter: Waiter = {
          token: token as string,
          executionArn: record.executionArn,
          stateName: task.stateName,
          resolve: (output) => {
            this.waiters.delete(waiter.token);
            resolve(output);
          },
          reject: (error) => {
            this.waiters.delete(waiter.token);
            reject(error);
          },
          heartbeat: () => {},
        };
        this.waiters.set(waiter.token, waiter);
        onWaiter(waiter);
      });
      waiting.catch(() => {}); // observed below; avoids an unhandled rejection while the call runs
    }
    let result: unknown;
    try {
      result = await this.callIntegration(run, task, input, taskRun);
    } catch (error) {
      if (token) this.waiters.delete(token);
      throw error;
    }
    if (waiting) {
      this.appendFor(run, record, 'TaskSubmitted', {
        taskSubmittedEventDetails: { resource: task.resource, output: JSON.stringify(result ?? null) },
      });
      return waiting;
    }
    return result;
  }

  private async callIntegration(run: Run, task: TaskInfo, input: Json, taskRun: TaskRun): Promise<unknown> {
    const { target } = task;
    const params = (input ?? {}) as Record<string, unknown>;
    switch (target.kind) {
      case 'lambda': {
        if (!target.functionFromParameters) return this.invoke(target.functionName ?? '', input);
        const functionName = params.FunctionName;
        if (typeof functionName !== 'string') {
          throw new TaskError('States.Runtime', `${task.stateName}: Parameters.FunctionName is required`);
        }
        const payload = await this.invoke(functionName, params.Payload ?? null);
        return {
          ExecutedVersion: '$LATEST',
          Payload: payload,
          StatusCode: 200,
          SdkHttpMetadata: { HttpStatusCode: 200 },
        };
      }
      case 'dynamodb-optimized':
        return this.sdkCall('dynamodb', target.action, params, 'DynamoDB');
      case 'aws-sdk':
        return this.sdkCall(
          target.service,
          target.action,
          params,
          target.service === 'dynamodb' ? 'DynamoDb' : 'SesV2',
        );
      case 'start-execution':
        return this.startNested(run, target.pattern, params, taskRun);
    }
  }

  private async invoke(functionName: string, payload: unknown): Promise<unknown> {
    const name = functionName.includes(':function:')
      ? (functionName.split(':function:')[1]?.split(':')[0] ?? functionName)
      : functionName;
    try {
      return await this.options.invokeFunction(name, payload);
    } catch (error) {
      // As Lambda reports a handler error to Step Functions: its name as the error, a JSON cause.
      // An error of the Lambda service itself (Lambda.ServiceException, Lambda.TooManyRequestsException,
      // ...) is no function error: Step Functions names it so, with the service's message as the cause.
      const err = error instanceof Error ? error : new Error(String(error));
      const errorType = err.name || 'Error';
      if (errorType.startsWith('Lambda.')) throw new TaskError(errorType, err.message);
      throw new TaskError(
        errorType,
        JSON.stringify({ errorType, errorMessage: err.message, trace: err.stack?.split('\n') ?? [] }),
      );
    }
  }

  private async sdkCall(
    service: 'dynamodb' | 'sesv2',
    action: string,
    params: Record<string, unknown>,
    errorPrefix: string,
  ): Promise<unknown> {
    const commandName = `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
    const module = (service === 'dynamodb' ? DynamoDB : SESv2) as unknown as Record<string, unknown>;
    const Command = module[commandName] as (new (input: unknown) => unknown) | undefined;
    if (!Command) throw new TaskError('States.Runtime', `${service}:${action} is not an API action`);
    const client = (service === 'dynamodb' ? this.options.dynamodb : this.options.sesv2) as {
      send(command: unknown): Promise<Record<string, unknown>>;
    };
    try {
      const { $metadata: _metadata, ...output } = await client.send(new Command(params));
      return output;
    } catch (error) {
      const err = error as Error;
      throw new TaskError(`${errorPrefix}.${err.name}`, err.message);
    }
  }

  private async startNested(
    run: Run,
    pattern: IntegrationPattern,
    params: Record<string, unknown>,
    taskRun: TaskRun,
  ): Promise<unknown> {
    const stateMachineArn = String(params.StateMachineArn ?? '');
    const inputValue = params.Input ?? {};
    const input = typeof inputValue === 'string' ? inputValue : JSON.stringify(inputValue);
    const name = typeof params.Name === 'string' ? params.Name : undefined;
    let started: { executionArn: string; startDate: string };
    try {
      started = this.startExecution({ stateMachineArn, name, input });
    } catch (error) {
      const arn = name ? `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` : '';
      const existing = arn ? this.options.store.get(arn) : undefined;
      // Re-entered after a restart or a redrive: the child this task started before is the same execution.
      if (!(run.entry !== 'start' && existing && existing.input === input)) {
        const err = error as StepFunctionsApiError;
        throw new TaskError(`StepFunctions.${err.code ?? err.name}`, err.message);
      }
      started = { executionArn: arn, startDate: existing.startDate };
      if (run.entry === 'redrive' && !notRedrivableReason(existing)) this.redriveExecution(arn);
    }
    run.children.add(started.executionArn);
    taskRun.child = started.executionArn;
    if (pattern === 'request-response')
      return { ExecutionArn: started.executionArn, StartDate: started.startDate };
    const child = await this.waitForExecution(started.executionArn);
    const described = this.describeExecution(child.executionArn);
    if (child.status === 'SUCCEEDED') {
      return {
        ...described,
        ExecutionArn: child.executionArn,
        Status: child.status,
        Output: pattern === 'sync-json' ? JSON.parse(child.output ?? 'null') : child.output,
      };
    }
    throw new TaskError('States.TaskFailed', JSON.stringify(described));
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
    for (const [token, waiter] of this.waiters) {
      if (waiter.executionArn === record.executionArn) {
        this.waiters.delete(token);
        waiter.reject(new TaskError('States.Runtime', `execution ${status}`));
      }
    }
    // Stopping a parent stops the children it was waiting on, as AWS does for `.sync` tasks.
    if (status === 'ABORTED') {
      for (const child of run?.children ?? []) {
        if (this.options.store.get(child)?.status === 'RUNNING')
          this.stopExecution(child, 'States.Aborted', 'parent stopped');
      }
    }
    this.options.store.changed(record);
    this.completionOf(record.executionArn).resolve();
    this.completion.delete(record.executionArn);
  }

  /** A task's event, unless its run has ended (e.g. a call still running when the execution failed). */
  private appendFor(run: Run, record: ExecutionRecord, type: string, details: Record<string, unknown>): void {
    if (!run.detached && !run.ended) this.append(record, type, details);
  }

  private append(record: ExecutionRecord, type: string, details: Record<string, unknown>): void {
    const previous = record.history.at(-1);
    // As in AWS, an ended execution records nothing more (e.g. a task of a Parallel branch that
    // was still waiting when another branch failed, finishing after the execution did).
    if (previous && TERMINAL_EVENTS.has(previous.type) && type !== 'ExecutionRedriven') return;
    const event: HistoryEvent = {
      id: (previous?.id ?? 0) + 1,
      previousEventId: previous?.id ?? 0,
      timestamp: new Date().toISOString(),
      type,
      ...details,
    };
    record.history.push(event);
    this.options.store.changed(record);
  }

  private scaled(seconds: number): number {
    return Math.min(Math.max(0, Math.round(seconds * 1000 * this.timeScale)), MAX_TIMER_MS);
  }

  private requireWorkflow(stateMachineArn: string): RegisteredWorkflow {
    const workflow = this.workflows.get(stateMachineArn);
    if (!workflow)
      throw new StepFunctionsApiError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    return workflow;
  }

  private requireExecution(executionArn: string): ExecutionRecord {
    const record = this.options.store.get(executionArn);
    if (!record)
      throw new StepFunctionsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  private requireWaiter(taskToken: string): Waiter {
    const waiter = this.waiters.get(taskToken);
    if (!waiter)
      throw new StepFunctionsApiError('TaskDoesNotExist', 'Task Token does not exist or has expired');
    return waiter;
  }
}

/** Why AWS would refuse to redrive this execution, or undefined when it can be redriven. */
function notRedrivableReason(record: ExecutionRecord): string | undefined {
  if (record.status === 'RUNNING' || record.status === 'SUCCEEDED') {
    return `Execution is ${record.status} and cannot be redriven`;
  }
  if (Date.now() - Date.parse(record.stopDate ?? record.startDate) > REDRIVE_WINDOW_MS) {
    return 'Execution ended more than 14 days ago and cannot be redriven';
  }
  return undefined;
}

export function nameOfArn(arn: string): string {
  return arn.split(':').at(-1) ?? arn;
}

/** The library's event log entries (its type is not exported). */
type EventLog = {
  type: string;
  index?: number;
  state: { name: string; type: string; input?: unknown; output?: unknown };
  parentState: { name: string };
};

function errorParts(error: unknown): { name: string; cause: string } {
  // The library wraps the error that ended an execution; AWS reports the error itself.
  if (error instanceof Error && error.name === 'ExecutionError' && error.cause instanceof Error) {
    return errorParts(error.cause);
  }
  if (error instanceof Error) return { name: error.name || 'Error', cause: error.message };
  return { name: 'Error', cause: String(error) };
}

function replaceDeep(value: Json, search: string, replacement: string): Json {
  if (value === search) return replacement;
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, search, replacement));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, replaceDeep(v, search, replacement)]),
    );
  }
  return value;
}

function withoutData(event: HistoryEvent): HistoryEvent {
  const copy = structuredClone(event);
  for (const value of Object.values(copy)) {
    if (value && typeof value === 'object') {
      for (const key of ['input', 'output', 'parameters']) delete (value as Record<string, unknown>)[key];
    }
  }
  return copy;
}

export type { MachineDefinition };
