/**
 * Loads a workflow for the local engine: applies the same substitutions the CDK stack applies (to
 * the same JSON text), refuses what the engine cannot honour (naming the state and the field), and
 * derives the definition aws-local-stepfunctions actually runs.
 */
import { readFileSync } from 'node:fs';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type StateDefinition = Record<string, Json> & { Type: string };
export interface MachineDefinition {
  StartAt: string;
  States: Record<string, StateDefinition>;
  TimeoutSeconds?: number;
  QueryLanguage?: string;
  Comment?: string;
  [key: string]: Json | undefined;
}

export class UnsupportedDefinitionError extends Error {
  readonly workflow: string;
  readonly state: string | null;
  readonly field: string;
  constructor(workflow: string, state: string | null, field: string, reason: string) {
    super(`${workflow}: ${state ? `state "${state}"` : 'top level'}: field "${field}": ${reason}`);
    this.workflow = workflow;
    this.state = state;
    this.field = field;
    this.name = 'UnsupportedDefinitionError';
  }
}

/** Placeholder the engine puts where a definition reads `$$.Task.Token`, replaced per task run. */
export const TASK_TOKEN_PLACEHOLDER = '__JIF_LOCAL_TASK_TOKEN__';

export type IntegrationPattern = 'request-response' | 'callback' | 'sync' | 'sync-json';

export type TaskTarget =
  | { kind: 'lambda'; pattern: IntegrationPattern; functionFromParameters: boolean; functionName?: string }
  | { kind: 'dynamodb-optimized'; action: 'getItem' | 'putItem' | 'updateItem' | 'deleteItem' }
  | { kind: 'aws-sdk'; service: 'dynamodb' | 'sesv2'; action: string; pattern: IntegrationPattern }
  | { kind: 'start-execution'; pattern: IntegrationPattern };

export interface TaskInfo {
  stateName: string;
  resource: string;
  target: TaskTarget;
  /** Original bounds, honoured by the engine itself (scaled by JIF_TIME_SCALE). */
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

export interface LoadedWorkflow {
  name: string;
  /** The substituted definition, exactly as AWS would receive it. */
  definition: MachineDefinition;
  /** What the engine runs: timeouts and waits scaled, token reads replaced by a placeholder. */
  runnable: MachineDefinition;
  tasks: Map<string, TaskInfo>;
  /** Names of the top-level states (a restart re-enters one of these). */
  topLevelStates: string[];
  /** Each Wait state of `Seconds` (at any depth), with its scaled seconds. */
  waitSeconds: Map<string, number>;
}

/** The engine enforces task timeouts itself; this keeps the library's own (60 s default) out of the way. */
const LIBRARY_TASK_TIMEOUT_SECONDS = 2_000_000;

/** Fields that only exist in JSONata states; a JSONPath engine would silently ignore them. */
const JSONATA_FIELDS = ['Arguments', 'Output', 'Items'];
const UNSUPPORTED_FIELDS: Record<string, string> = {
  Assign:
    'workflow variables are not supported by the local engine (write the workflow in JSONPath without Assign)',
  Credentials: 'cross-account task credentials are not supported locally',
  ItemReader: 'distributed Map (ItemReader) is not supported locally',
  ResultWriter: 'distributed Map (ResultWriter) is not supported locally',
  ItemBatcher: 'distributed Map (ItemBatcher) is not supported locally',
  ToleratedFailureCount: 'distributed Map failure tolerance is not supported locally',
  ToleratedFailurePercentage: 'distributed Map failure tolerance is not supported locally',
};

export function substitute(text: string, substitutions: Record<string, string>, workflow: string): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (match, key: string) => {
    const value = substitutions[key];
    if (value === undefined) {
      throw new UnsupportedDefinitionError(workflow, null, key, `no substitution given for ${match}`);
    }
    return value;
  });
}

/** A workflow of `workflows/` (a plain ASL object), as the CDK stack serialises it. */
export function loadWorkflow(
  name: string,
  definition: object,
  substitutions: Record<string, string>,
  timeScale = 1,
): LoadedWorkflow {
  return prepareWorkflow(name, substitute(JSON.stringify(definition), substitutions, name), timeScale);
}

/** An ASL file (test fixtures: definitions the kit would not write). */
export function loadWorkflowFile(
  name: string,
  file: string,
  substitutions: Record<string, string>,
  timeScale = 1,
): LoadedWorkflow {
  return prepareWorkflow(name, substitute(readFileSync(file, 'utf8'), substitutions, name), timeScale);
}

export function prepareWorkflow(name: string, text: string, timeScale = 1): LoadedWorkflow {
  let definition: MachineDefinition;
  try {
    definition = JSON.parse(text) as MachineDefinition;
  } catch (error) {
    throw new UnsupportedDefinitionError(
      name,
      null,
      '(file)',
      `not valid JSON after substitution: ${String(error)}`,
    );
  }
  if (definition.QueryLanguage === 'JSONata') {
    throw new UnsupportedDefinitionError(
      name,
      null,
      'QueryLanguage',
      'JSONata is not supported by the local engine',
    );
  }
  const tasks = new Map<string, TaskInfo>();
  const runnable = structuredClone(definition);
  // The execution's own bound is not scaled (JIF_TIME_SCALE shrinks waits and task timeouts, whose
  // handlers' real run time would otherwise eat the margin). Beyond what one timer holds (24.8 days)
  // it would fire at once, so such a bound is left out locally; every state's own bounds still apply.
  if (typeof definition.TimeoutSeconds === 'number' && definition.TimeoutSeconds * 1000 >= 2 ** 31 - 1) {
    delete runnable.TimeoutSeconds;
  }
  checkStates(name, definition.States, tasks, timeScale, runnable.States);
  const waitSeconds = new Map<string, number>();
  collectWaits(runnable.States, waitSeconds);
  return { name, definition, runnable, tasks, topLevelStates: Object.keys(definition.States), waitSeconds };
}

function collectWaits(states: Record<string, StateDefinition>, into: Map<string, number>): void {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Wait' && typeof state.Seconds === 'number') into.set(name, state.Seconds);
    // Validated ASL: Branches and an item processor are state machines.
    const nested: MachineDefinition[] = [];
    if (state.Type === 'Parallel' && Array.isArray(state.Branches))
      nested.push(...(state.Branches as unknown as MachineDefinition[]));
    const processor = state.ItemProcessor ?? state.Iterator;
    if (state.Type === 'Map' && processor) nested.push(processor as unknown as MachineDefinition);
    for (const machine of nested) collectWaits(machine.States, into);
  }
}

function checkStates(
  workflow: string,
  states: Record<string, StateDefinition>,
  tasks: Map<string, TaskInfo>,
  timeScale: number,
  runnableStates: Record<string, StateDefinition>,
): void {
  for (const [stateName, state] of Object.entries(states)) {
    const runnable = runnableStates[stateName] as StateDefinition;
    if (state.QueryLanguage === 'JSONata') {
      throw new UnsupportedDefinitionError(
        workflow,
        stateName,
        'QueryLanguage',
        'JSONata is not supported locally',
      );
    }
    for (const [field, reason] of Object.entries(UNSUPPORTED_FIELDS)) {
      if (field in state) throw new UnsupportedDefinitionError(workflow, stateName, field, reason);
    }
    for (const field of JSONATA_FIELDS) {
      if (field in state) {
        throw new UnsupportedDefinitionError(
          workflow,
          stateName,
          field,
          'is a JSONata field; the local engine runs JSONPath only',
        );
      }
    }
    checkRules(workflow, stateName, 'Choices', state.Choices);
    checkRules(workflow, stateName, 'Catch', state.Catch);
    if (state.Type === 'Map' && (state.ItemProcessor as Record<string, Json> | undefined)?.ProcessorConfig) {
      const config = (state.ItemProcessor as Record<string, Record<string, Json>>).ProcessorConfig;
      if (config?.Mode === 'DISTRIBUTED') {
        throw new UnsupportedDefinitionError(
          workflow,
          stateName,
          'ItemProcessor.ProcessorConfig',
          'distributed Map',
        );
      }
    }
    scaleRetries(runnable, timeScale);
    switch (state.Type) {
      case 'Task': {
        const info = describeTask(workflow, stateName, state);
        tasks.set(stateName, info);
        runnable.TimeoutSeconds = LIBRARY_TASK_TIMEOUT_SECONDS;
        delete runnable.TimeoutSecondsPath;
        delete runnable.HeartbeatSeconds;
        delete runnable.HeartbeatSecondsPath;
        if (runnable.Parameters !== undefined)
          runnable.Parameters = replaceTaskTokenReads(runnable.Parameters);
        break;
      }
      case 'Wait':
        if (typeof state.Seconds === 'number') runnable.Seconds = state.Seconds * timeScale;
        break;
      case 'Parallel': {
        const branches = state.Branches as unknown as MachineDefinition[];
        const runnableBranches = runnable.Branches as unknown as MachineDefinition[];
        branches.forEach((branch, index) => {
          checkStates(
            workflow,
            branch.States,
            tasks,
            timeScale,
            (runnableBranches[index] as MachineDefinition).States,
          );
        });
        break;
      }
      case 'Map': {
        const processor = (state.ItemProcessor ?? state.Iterator) as unknown as MachineDefinition;
        const runnableProcessor = (runnable.ItemProcessor ??
          runnable.Iterator) as unknown as MachineDefinition;
        checkStates(workflow, processor.States, tasks, timeScale, runnableProcessor.States);
        break;
      }
      default:
        break;
    }
  }
}

/** Choice rules and catchers may carry JSONata conditions or variable assignments too. */
function checkRules(workflow: string, stateName: string, field: string, rules: Json | undefined): void {
  if (!Array.isArray(rules)) return;
  rules.forEach((rule, index) => {
    if (!rule || typeof rule !== 'object' || Array.isArray(rule)) return;
    for (const inner of ['Condition', 'Assign', 'Output']) {
      if (inner in rule) {
        throw new UnsupportedDefinitionError(
          workflow,
          stateName,
          `${field}[${index}].${inner}`,
          'JSONata conditions and workflow variables are not supported by the local engine',
        );
      }
    }
  });
}

function scaleRetries(runnable: StateDefinition, timeScale: number): void {
  const retriers = runnable.Retry as Record<string, Json>[] | undefined;
  if (!Array.isArray(retriers)) return;
  for (const retrier of retriers) {
    retrier.IntervalSeconds = ((retrier.IntervalSeconds as number | undefined) ?? 1) * timeScale;
    if (typeof retrier.MaxDelaySeconds === 'number')
      retrier.MaxDelaySeconds = retrier.MaxDelaySeconds * timeScale;
  }
}

function replaceTaskTokenReads(value: Json): Json {
  if (Array.isArray(value)) return value.map(replaceTaskTokenReads);
  if (value && typeof value === 'object') {
    const result: Record<string, Json> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key.endsWith('.$') && inner === '$$.Task.Token') result[key.slice(0, -2)] = TASK_TOKEN_PLACEHOLDER;
      else result[key] = replaceTaskTokenReads(inner);
    }
    return result;
  }
  return value;
}

function usesTaskToken(value: Json | undefined): boolean {
  return JSON.stringify(value ?? null).includes('"$$.Task.Token"');
}

function patternOf(suffix: string | undefined): IntegrationPattern | null {
  switch (suffix) {
    case undefined:
    case '':
      return 'request-response';
    case '.waitForTaskToken':
      return 'callback';
    case '.sync':
      return 'sync';
    case '.sync:2':
      return 'sync-json';
    default:
      return null;
  }
}

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/;

export function describeTask(workflow: string, stateName: string, state: StateDefinition): TaskInfo {
  const resource = state.Resource;
  if (typeof resource !== 'string') {
    throw new UnsupportedDefinitionError(workflow, stateName, 'Resource', 'must be a string');
  }
  const base: Omit<TaskInfo, 'target'> = { stateName, resource };
  if (typeof state.TimeoutSeconds === 'number') base.timeoutSeconds = state.TimeoutSeconds;
  if (typeof state.HeartbeatSeconds === 'number') base.heartbeatSeconds = state.HeartbeatSeconds;
  if ('TimeoutSecondsPath' in state || 'HeartbeatSecondsPath' in state) {
    throw new UnsupportedDefinitionError(
      workflow,
      stateName,
      'TimeoutSecondsPath' in state ? 'TimeoutSecondsPath' : 'HeartbeatSecondsPath',
      'dynamic task bounds are not supported locally; use TimeoutSeconds/HeartbeatSeconds',
    );
  }
  const refuse = (reason: string): never => {
    throw new UnsupportedDefinitionError(workflow, stateName, 'Resource', `${resource}: ${reason}`);
  };

  const direct = LAMBDA_ARN.exec(resource);
  if (direct) {
    return {
      ...base,
      target: {
        kind: 'lambda',
        pattern: 'request-response',
        functionFromParameters: false,
        functionName: direct[1],
      },
    };
  }
  const integration = /^arn:aws[a-z-]*:states:::(.+?)(\.waitForTaskToken|\.sync:2|\.sync)?$/.exec(resource);
  if (!integration) return refuse('not a Lambda function or a Step Functions service integration');
  const [, service = '', suffix] = integration;
  const pattern = patternOf(suffix);
  if (!pattern) return refuse('unknown integration pattern');
  if (pattern === 'callback' && !usesTaskToken(state.Parameters)) {
    return refuse('a .waitForTaskToken task must pass $$.Task.Token in its Parameters');
  }

  if (service === 'lambda:invoke') {
    if (pattern !== 'request-response' && pattern !== 'callback')
      return refuse('lambda:invoke has no .sync pattern');
    return { ...base, target: { kind: 'lambda', pattern, functionFromParameters: true } };
  }
  const optimized = /^dynamodb:(getItem|putItem|updateItem|deleteItem)$/.exec(service);
  if (optimized) {
    if (pattern !== 'request-response') return refuse('DynamoDB integrations are request-response only');
    return {
      ...base,
      target: {
        kind: 'dynamodb-optimized',
        action: optimized[1] as 'getItem' | 'putItem' | 'updateItem' | 'deleteItem',
      },
    };
  }
  const sdk = /^aws-sdk:(dynamodb|sesv2):([a-zA-Z]+)$/.exec(service);
  if (sdk) {
    if (pattern === 'sync' || pattern === 'sync-json')
      return refuse('AWS SDK integrations have no .sync pattern');
    return {
      ...base,
      target: { kind: 'aws-sdk', service: sdk[1] as 'dynamodb' | 'sesv2', action: sdk[2] as string, pattern },
    };
  }
  if (service === 'states:startExecution') {
    return { ...base, target: { kind: 'start-execution', pattern } };
  }
  return refuse('this integration is not emulated by the local engine');
}

/** A copy of a workflow that starts at another top-level state (used to resume after a restart). */
export function startingAt(definition: MachineDefinition, state: string): MachineDefinition {
  if (!(state in definition.States)) throw new Error(`No top-level state "${state}"`);
  return { ...definition, StartAt: state };
}
