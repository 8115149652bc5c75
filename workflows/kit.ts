/**
 * A small typed kit the workflows are written with. It builds plain Amazon States Language objects
 * (JSONPath), so what both builders load is ASL as AWS documents it; the kit only makes sure a
 * policy or a repeated block is written once and used by name.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type State = { Type: string } & { [key: string]: Json };
export type States = Record<string, State>;

export interface StateMachine {
  Comment?: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: States;
}

// Type aliases rather than interfaces, so that they are plain JSON values (State's fields).
export type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds: number;
  MaxAttempts: number;
  BackoffRate: number;
  MaxDelaySeconds: number;
  JitterStrategy: 'FULL' | 'NONE';
};

export type Catcher = { ErrorEquals: string[]; ResultPath: string | null; Next: string };

/** A Parallel branch or a Map's item processor. */
export type Branch = { StartAt: string; States: States };

/** `${Name}`: each builder replaces it with what `infra/system.ts` substitutes for that name. */
export const substitution = (name: string): string => `\${${name}}`;

/**
 * Errors that say "try again later", whoever raises them: the Lambda service (invoke API faults,
 * throttles, a function that timed out: `Sandbox.Timedout`), Step Functions (nested executions),
 * and the AWS SDK inside our handlers (DynamoDB and SES throttling, SDK timeouts), whose error name
 * Step Functions sees as the Lambda error's type. Every step is idempotent, so a retry is safe.
 */
export const TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'Sandbox.Timedout',
  'StepFunctions.ExecutionLimitExceeded',
  'StepFunctions.AWSStepFunctionsException',
  'StepFunctions.SdkClientException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'InternalServerError',
  'TooManyRequestsException',
  'TimeoutError',
];

/** The one retry policy for transient errors, on every Lambda task and service integration. */
export const retryTransient: Retrier = {
  ErrorEquals: TRANSIENT_ERRORS,
  IntervalSeconds: 2,
  MaxAttempts: 5,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

/**
 * A payment is claimed but not yet in the ledger (the appender's batch is still being written, after
 * the payer waited 20 s): ask again soon; the claim stays, so the retry finds it.
 */
export const retryLedgerBusy: Retrier = {
  ErrorEquals: ['Ledger.ClaimInProgress', 'Ledger.Contention'],
  IntervalSeconds: 1,
  MaxAttempts: 10,
  BackoffRate: 1.5,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};

/** Where a state goes next: another state, or the end of its flow. */
export type Transition = { next: string } | { end: true };

function transition(to: Transition): { Next: string } | { End: true } {
  return 'next' in to ? { Next: to.next } : { End: true };
}

export function catching(errors: string[], next: string, resultPath: string | null = null): Catcher {
  return { ErrorEquals: errors, ResultPath: resultPath, Next: next };
}

export interface TaskOptions {
  comment?: string;
  /**
   * Where the result goes. Default: `null` (dropped; the input goes on unchanged), unless an
   * `outputPath` is given, which then picks from the result (`$`).
   */
  resultPath?: string | null;
  resultSelector?: Record<string, Json>;
  outputPath?: string;
  timeoutSeconds?: number;
  /** Retriers tried after the transient-error policy. */
  retry?: Retrier[];
  catch?: Catcher[];
}

function taskFields(options: TaskOptions): Record<string, Json> {
  const fields: Record<string, Json> = {};
  if (options.resultSelector) fields.ResultSelector = options.resultSelector;
  if (options.outputPath !== undefined) fields.OutputPath = options.outputPath;
  // `$` is ASL's default (the result replaces the input); it is left implicit because
  // aws-local-stepfunctions 3.0.0 reads an explicit `"ResultPath": "$"` as a key named `$`.
  if (options.resultPath === undefined && options.outputPath === undefined) fields.ResultPath = null;
  else if (options.resultPath !== undefined && options.resultPath !== '$')
    fields.ResultPath = options.resultPath;
  if (options.timeoutSeconds !== undefined) fields.TimeoutSeconds = options.timeoutSeconds;
  fields.Retry = [retryTransient, ...(options.retry ?? [])];
  if (options.catch?.length) fields.Catch = options.catch;
  return fields;
}

function withComment(comment: string | undefined): { Comment?: string } {
  return comment === undefined ? {} : { Comment: comment };
}

/**
 * Invokes a function (request-response) named by the substitution `fn`: `payload` is its input
 * (a JSONPath string such as `'$'` passes the state's input, or part of it, whole).
 */
export function lambdaTask(
  fn: string,
  payload: Record<string, Json> | `$${string}`,
  to: Transition,
  options: TaskOptions = {},
): State {
  return task(
    'arn:aws:states:::lambda:invoke',
    {
      FunctionName: substitution(fn),
      ...(typeof payload === 'string' ? { 'Payload.$': payload } : { Payload: payload }),
    },
    to,
    options,
  );
}

/**
 * Invokes a function with a task token and waits until something completes the token
 * (`SendTaskSuccess`/`SendTaskFailure`) or `timeoutSeconds` pass (`States.Timeout`).
 */
export function callbackTask(
  fn: string,
  payload: Record<string, Json>,
  to: Transition,
  options: TaskOptions & { timeoutSeconds: number },
): State {
  return task(
    'arn:aws:states:::lambda:invoke.waitForTaskToken',
    { FunctionName: substitution(fn), Payload: { ...payload, 'taskToken.$': '$$.Task.Token' } },
    to,
    options,
  );
}

/** Runs the state machine of substitution `machine` as a nested execution and waits for its output. */
export function nestedExecution(
  machine: string,
  name: `States.Format(${string})`,
  input: Record<string, Json>,
  to: Transition,
  options: TaskOptions = {},
): State {
  return task(
    'arn:aws:states:::states:startExecution.sync:2',
    {
      StateMachineArn: substitution(machine),
      'Name.$': name,
      Input: { ...input, 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
    },
    to,
    options,
  );
}

/** The fields every Task shares; the builders above differ only in resource and parameters. */
function task(
  resource: string,
  parameters: Record<string, Json>,
  to: Transition,
  options: TaskOptions,
): State {
  return {
    Type: 'Task',
    ...withComment(options.comment),
    Resource: resource,
    Parameters: parameters,
    ...taskFields(options),
    ...transition(to),
  };
}

export function choice(
  rules: ({ Next: string } & Record<string, Json>)[],
  defaultNext: string,
  comment?: string,
): State {
  return { Type: 'Choice', ...withComment(comment), Choices: rules, Default: defaultNext };
}

/** A Choice rule: the string at `variable` equals `value`. */
export function whenEquals(
  variable: string,
  value: string,
  next: string,
): { Next: string } & Record<string, Json> {
  return { Variable: variable, StringEquals: value, Next: next };
}

export function pass(
  parameters: Record<string, Json>,
  to: Transition,
  options: { comment?: string; resultPath?: string } = {},
): State {
  return {
    Type: 'Pass',
    ...withComment(options.comment),
    Parameters: parameters,
    ...(options.resultPath === undefined ? {} : { ResultPath: options.resultPath }),
    ...transition(to),
  };
}

export function fail(error: string, cause: string): State {
  return { Type: 'Fail', Error: error, Cause: cause };
}

export const succeed = (comment?: string): State => ({ Type: 'Succeed', ...withComment(comment) });

/** The subject a bilateral sign-off is about, as the nested sign-off flow and the table know it. */
export interface SignOffSubject {
  subjectType: 'PROPOSAL' | 'EVALUATION';
  /** JSONPath to the subject's id in the state's input. */
  subjectIdPath: `$${string}`;
  /** Execution name of one authority's nested sign-off: an intrinsic with `{}` for the authority. */
  executionName: (authority: string) => `States.Format(${string})`;
}

/**
 * One authority's sign-off as a nested execution of the sign-off flow (substitution
 * `SignOffStateMachineArn`); its decision lands in `$.[resultPath].decision`.
 */
export function signOffOf(
  subject: SignOffSubject,
  authority: string,
  to: Transition,
  options: { resultPath: string; comment?: string },
): State {
  return nestedExecution(
    'SignOffStateMachineArn',
    subject.executionName(authority),
    { subjectType: subject.subjectType, 'subjectId.$': subject.subjectIdPath, authority },
    to,
    {
      resultSelector: { 'decision.$': '$.Output.decision' },
      resultPath: options.resultPath,
      ...(options.comment === undefined ? {} : { comment: options.comment }),
    },
  );
}

/**
 * UK and FR sign a subject off in a `Parallel` state, each branch a nested sign-off execution:
 * both must approve. A rejection (or no answer in time) fails its branch with `SignOff.Rejected`
 * (`SignOff.Expired`), Cause the authority, which ends the other branch; the caller withdraws the
 * other request and records the outcome.
 */
export function bilateralSignOff(
  subject: SignOffSubject,
  next: { approved: string; rejected: string; expired: string },
  comment: string,
): State {
  const branch = (authority: 'UK' | 'FR'): Branch => ({
    StartAt: `${authority}SignOff`,
    States: {
      [`${authority}SignOff`]: signOffOf(
        subject,
        authority,
        { next: `${authority}Decided` },
        { resultPath: '$.signOff' },
      ),
      [`${authority}Decided`]: choice(
        [
          whenEquals('$.signOff.decision', 'APPROVED', `${authority}Approved`),
          whenEquals('$.signOff.decision', 'REJECTED', `${authority}Rejected`),
        ],
        `${authority}Unanswered`,
      ),
      [`${authority}Approved`]: pass({ authority, decision: 'APPROVED' }, { end: true }),
      [`${authority}Rejected`]: fail('SignOff.Rejected', authority),
      [`${authority}Unanswered`]: fail('SignOff.Expired', authority),
    },
  });
  return {
    Type: 'Parallel',
    Comment: comment,
    Branches: [branch('UK'), branch('FR')],
    ResultPath: '$.signOffs',
    Catch: [
      catching(['SignOff.Rejected'], next.rejected, '$.failure'),
      catching(['SignOff.Expired'], next.expired, '$.failure'),
    ],
    Next: next.approved,
  };
}
