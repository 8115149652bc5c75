/**
 * The local Step Functions: runs the workflow files on aws-local-stepfunctions and adds what that
 * library lacks and our flows rely on. This module is the service's API (state machines,
 * executions, redrive, task tokens); the rest is split by concern:
 * - `runs.ts`: executions running in this process, task bounds, stopping and detaching;
 * - `callbacks.ts`: callback tasks with real tokens;
 * - `integrations.ts`: Lambda, DynamoDB, SES v2 and nested executions, with AWS's error names;
 * - `history.ts`: execution histories as AWS records them;
 * - `library.ts`: the adapter to aws-local-stepfunctions (every cast of its types);
 * - `store.ts`: executions kept on disk, so a restart resumes the running ones.
 */
import { randomUUID } from 'node:crypto';
import { Callbacks } from './callbacks.ts';
import { StepFunctionsApiError } from './errors.ts';
import { Histories, withoutData } from './history.ts';
import { Integrations, type ServiceClients } from './integrations.ts';
import { installScopes, validateDefinitions } from './library.ts';
import { nameOfArn, type RegisteredWorkflow, Runs } from './runs.ts';
import type { ExecutionRecord, ExecutionStatus, ExecutionStore } from './store.ts';

export interface EngineOptions {
  workflows: RegisteredWorkflow[];
  /**
   * Runs a function, as Lambda would, for the state machine `caller` (its role is what AWS
   * authorizes the invocation against); throws errors named as the handler named them.
   */
  invokeFunction(functionName: string, payload: unknown, caller: string): Promise<unknown>;
  /** The SDK clients of a state machine's own role, for its DynamoDB and SES v2 integrations. */
  clientsFor(stateMachineArn: string): ServiceClients;
  /** AWS's AccessDenied message when a state machine's role may not make a call the engine makes itself. */
  denial?(stateMachineArn: string, action: string, resource: string): string | undefined;
  store: ExecutionStore;
  /** Multiplies every Wait, task timeout, heartbeat and retry interval (JIF_TIME_SCALE). */
  timeScale?: number;
  log?: (message: string, details?: unknown) => void;
}

/** AWS redrives executions that ended within the last 14 days. */
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;

export class LocalStepFunctions {
  private readonly workflows = new Map<string, RegisteredWorkflow>();
  private readonly history: Histories;
  private readonly callbacks = new Callbacks();
  private readonly runs: Runs;

  private readonly options: EngineOptions;

  constructor(options: EngineOptions) {
    this.options = options;
    installScopes();
    this.history = new Histories(options.store);
    const integrations = new Integrations({
      invokeFunction: options.invokeFunction,
      clientsFor: options.clientsFor,
      ...(options.denial ? { denial: options.denial } : {}),
      nested: {
        start: (request) => this.startExecution(request),
        get: (executionArn) => options.store.get(executionArn),
        redriveIfRedrivable: (executionArn) => {
          const child = options.store.get(executionArn);
          if (child && !notRedrivableReason(child)) this.redriveExecution(executionArn);
        },
        wait: (executionArn) => this.waitForExecution(executionArn),
        describe: (executionArn) => this.describeExecution(executionArn),
      },
    });
    this.runs = new Runs({
      store: options.store,
      history: this.history,
      callbacks: this.callbacks,
      integrations,
      timeScale: options.timeScale ?? 1,
    });
    // Each flow as written is validated once (remembered by its text); every run reuses the built machine.
    validateDefinitions(options.workflows.map((workflow) => workflow.loaded.definition));
    for (const workflow of options.workflows) {
      this.workflows.set(workflow.arn, workflow);
      this.runs.prepare(workflow);
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
    this.history.append(record, 'ExecutionStarted', {
      executionStartedEventDetails: { input, roleArn: 'arn:aws:iam::000000000000:role/local' },
    });
    this.runs.launch(record, workflow, workflow.loaded.runnable.StartAt, parsedInput, 'start');
    return { executionArn, startDate: record.startDate };
  }

  /**
   * Re-enters every execution a previous process left running, at its last top-level state: its
   * Map and Parallel iterations that succeeded are not run again, and its deadlines (a Wait, a
   * task's timeout and heartbeat, the execution's TimeoutSeconds) stay where they were.
   */
  resumeRunning(): string[] {
    const resumed: string[] = [];
    for (const { executionArn } of this.options.store.list((r) => r.status === 'RUNNING')) {
      const record = this.options.store.get(executionArn);
      if (!record) continue;
      const workflow = this.workflows.get(record.stateMachineArn);
      if (!workflow || this.runs.isActive(record.executionArn)) continue;
      const point = record.resumePoint ?? {
        state: workflow.loaded.runnable.StartAt,
        input: JSON.parse(record.input),
      };
      this.history.append(record, 'ExecutionResumed', { resumedEventDetails: { state: point.state } });
      this.runs.launch(record, workflow, point.state, point.input, 'resume');
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
    if (record.status === 'RUNNING') this.runs.stop(record, error, cause);
    return { stopDate: record.stopDate ?? new Date().toISOString() };
  }

  /**
   * RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution starts again at the top-level state
   * that did not complete, with the input that state had; the states before it are not re-run. A
   * Map or Parallel state there re-runs only its iterations and branches that did not succeed (the
   * others' results are reused, as in AWS); a nested execution a re-run task finds already made is
   * that task's child: SUCCEEDED, its output is reused; unsuccessful, it is redriven too.
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
    this.history.append(record, 'ExecutionRedriven', {
      executionRedrivenEventDetails: { redriveCount: record.redriveCount },
    });
    this.runs.launch(record, workflow, point.state, point.input, 'redrive');
    return { redriveDate: record.redriveDate };
  }

  sendTaskSuccess(taskToken: string, output: string): void {
    this.callbacks.succeed(taskToken, output);
  }

  sendTaskFailure(taskToken: string, error = '', cause = ''): void {
    this.callbacks.fail(taskToken, error, cause);
  }

  sendTaskHeartbeat(taskToken: string): void {
    this.callbacks.heartbeat(taskToken);
  }

  /**
   * The ARN of the state machine whose callback task issued a token still waiting, or undefined:
   * IAM authorizes SendTask* against it.
   */
  taskTokenIssuer(taskToken: string): string | undefined {
    const execution = this.callbacks.executionOf(taskToken);
    return execution ? this.options.store.get(execution)?.stateMachineArn : undefined;
  }

  /** Resolves when the execution is no longer running (tests, nested `.sync` tasks). */
  async waitForExecution(executionArn: string): Promise<ExecutionRecord> {
    const record = this.requireExecution(executionArn);
    if (record.status === 'RUNNING') await this.runs.ended(executionArn);
    return this.requireExecution(executionArn);
  }

  /** Tokens of callback tasks waiting right now (for tests and the outbox page). */
  pendingTaskTokens(executionArn?: string): { token: string; executionArn: string; stateName: string }[] {
    return this.callbacks.pending(executionArn);
  }

  /** Stops running work without marking executions finished, so a restart resumes them. */
  detachAll(): void {
    this.runs.detachAll();
    this.options.store.flush();
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

export type { RegisteredWorkflow };
// The API's errors and the workflows it is given, for its callers (the HTTP API, the local cloud, tests).
export { StepFunctionsApiError };
