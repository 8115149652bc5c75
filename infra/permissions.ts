/**
 * What each function's role, and the state machines' roles, may do: derived from infra/system.ts
 * alone. infra/aws grants these (test/infra/stack.test.ts checks the synthesized policies
 * equal them) and the local cloud enforces them (infra/local/iam.ts), so a missing grant fails
 * locally with the AccessDeniedException AWS would answer.
 */
import {
  type FunctionSpec,
  system,
  TASK_OUTCOME_ACTIONS,
  type TableName,
  type WorkflowSpec,
} from './system.ts';

export const TABLE_READ_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
] as const;
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;
export const EMAIL_ACTIONS = ['ses:SendEmail', 'ses:SendRawEmail'] as const;

/** One allow statement; `R` is how a builder writes a resource (an ARN, or a CloudFormation token). */
export interface Statement<R = string> {
  actions: readonly string[];
  resources: readonly R[];
  /** IAM conditions as a policy writes them: operator, then condition key, then values. */
  conditions?: Conditions;
}
export type Conditions = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

/**
 * What a request carries that conditions test (the local front reads it from the call, as AWS does).
 * `dynamodb:LeadingKeys`: the partition key values of the items a DynamoDB call names.
 */
export type RequestContext = Readonly<Partial<Record<ConditionKey, readonly string[]>>>;

/** The condition keys the local cloud can evaluate; a policy naming another is refused at start. */
const CONDITION_KEYS = ['dynamodb:LeadingKeys'] as const;
type ConditionKey = (typeof CONDITION_KEYS)[number];
const isConditionKey = (key: string): key is ConditionKey => CONDITION_KEYS.some((known) => known === key);

/**
 * A table write limited to the items whose partition key matches one of the patterns (IAM
 * `StringLike`): every key the request names must match (`ForAllValues`). Both builders use it.
 */
export function leadingKeysCondition(patterns: readonly string[]): Conditions {
  return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] } };
}

/** How a builder names the resources a policy refers to. */
export interface ResourceArns<R = string> {
  table(name: TableName): R;
  index(table: TableName, index: string): R;
  stateMachine(name: string): R;
  /**
   * The state machine whose tasks issue a workflow's tokens, for SendTask* (the AWS builder names it
   * by its fixed name: a reference would be circular for the functions it invokes).
   */
  tokenIssuer(name: string): R;
  /** Every execution of a state machine (`...:execution:<name>:*`). */
  executions(name: string): R;
  function(name: string): R;
  /** The SES identity mail is sent from. */
  emailIdentity: R;
  /** The SES configuration set every email is sent with (SES authorizes a send against both). */
  configurationSet: R;
  /** The KMS key that seals ledger records. */
  ledgerKey: R;
  /** The EventBridge rule Step Functions manages to learn that a `.sync` nested execution ended. */
  syncEventsRule: R;
  /** Every resource (`*`): for actions that support no resource-level permissions. */
  any: R;
}

/** The statements of a function's role (besides its logs and tracing, which every function has). */
export function functionPolicy<R>(spec: FunctionSpec, arns: ResourceArns<R>): Statement<R>[] {
  const statements: Statement<R>[] = [];
  for (const [table, access] of Object.entries(spec.tables) as [TableName, string][]) {
    const indexes = system.tables[table].indexes.map((index) => arns.index(table, index.name));
    statements.push({ actions: TABLE_READ_ACTIONS, resources: [arns.table(table), ...indexes] });
    const only = spec.writesOnly?.[table];
    if (access === 'readWrite')
      statements.push({
        actions: TABLE_WRITE_ACTIONS,
        resources: [arns.table(table)],
        ...(only ? { conditions: leadingKeysCondition(only) } : {}),
      });
  }
  if (spec.sendsEmail)
    statements.push({ actions: EMAIL_ACTIONS, resources: [arns.emailIdentity, arns.configurationSet] });
  if (spec.completesTasks) {
    const { workflow, outcomes } = spec.completesTasks;
    statements.push({
      actions: outcomes.map((outcome) => TASK_OUTCOME_ACTIONS[outcome]),
      resources: [arns.tokenIssuer(workflow)],
    });
  }
  if (spec.ledgerKey)
    statements.push({
      actions: [spec.ledgerKey === 'sign' ? 'kms:GenerateMac' : 'kms:VerifyMac'],
      resources: [arns.ledgerKey],
    });
  // DescribeExecution and RedriveExecution on one workflow's executions: one statement, as granted.
  const executionActions = new Map<string, string[]>();
  for (const workflow of spec.readsExecutionsOf ?? [])
    executionActions.set(workflow, ['states:DescribeExecution']);
  for (const workflow of spec.redrivesExecutionsOf ?? [])
    executionActions.set(workflow, [...(executionActions.get(workflow) ?? []), 'states:RedriveExecution']);
  for (const [workflow, actions] of executionActions)
    statements.push({ actions, resources: [arns.executions(workflow)] });
  for (const workflow of spec.readsWorkflowHistory ?? [])
    statements.push({ actions: ['states:GetExecutionHistory'], resources: [arns.executions(workflow)] });
  for (const workflow of spec.startsWorkflows ?? [])
    statements.push({ actions: ['states:StartExecution'], resources: [arns.stateMachine(workflow)] });
  return statements;
}

/**
 * The service calls a state machine's role allows: the functions and tables its definition
 * substitutes, and starting the workflows it nests (`placeholders`: those its ASL text uses).
 */
export function workflowPolicy<R>(
  spec: WorkflowSpec,
  placeholders: readonly string[],
  arns: ResourceArns<R>,
): Statement<R>[] {
  const statements: Statement<R>[] = [];
  const used = Object.entries(spec.substitutions).filter(([key]) => placeholders.includes(key));
  const functions = used.flatMap(([, sub]) => ('function' in sub ? [arns.function(sub.function)] : []));
  if (functions.length > 0) statements.push({ actions: ['lambda:InvokeFunction'], resources: functions });
  for (const [, sub] of used) {
    if ('table' in sub) {
      statements.push(
        ...functionPolicy({ entry: '', description: '', tables: { [sub.table]: 'readWrite' } }, arns),
      );
    }
  }
  for (const child of spec.nested ?? []) statements.push(...nestedExecutionPolicy(child, arns));
  return statements;
}

/** The events rule a `.sync` nested execution needs (its name is fixed by Step Functions). */
export const SYNC_EVENTS_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';
export const SYNC_EVENTS_ACTIONS = ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'] as const;

/**
 * What a `states:startExecution.sync` task needs to run `child`: start it, follow and stop its
 * executions, and the managed events rule that reports their end.
 */
function nestedExecutionPolicy<R>(child: string, arns: ResourceArns<R>): Statement<R>[] {
  return [
    { actions: ['states:StartExecution'], resources: [arns.stateMachine(child)] },
    { actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [arns.executions(child)] },
    { actions: SYNC_EVENTS_ACTIONS, resources: [arns.syncEventsRule] },
  ];
}

/** The `${Name}` placeholders an ASL text uses (a substitution it does not use is not granted). */
export function placeholdersOf(asl: string): string[] {
  return [...new Set([...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] ?? ''))];
}

/**
 * Whether a policy allows an action on a resource (`*` in a statement matches any run of characters)
 * in a request's context: a statement with conditions allows only when every one of them holds.
 */
export function allows(
  statements: readonly Statement[],
  action: string,
  resource: string,
  context: RequestContext = {},
): boolean {
  return statements.some(
    (statement) =>
      statement.actions.some((pattern) => matches(pattern, action)) &&
      statement.resources.some((pattern) => matches(pattern, resource)) &&
      conditionsHold(statement.conditions, context),
  );
}

/** The set operators and string operators the local cloud evaluates, as IAM defines them. */
const SET_OPERATORS = ['ForAllValues', 'ForAnyValue'] as const;
const STRING_OPERATORS = ['StringLike', 'StringEquals'] as const;

/**
 * Throws for a condition the local cloud cannot evaluate (an operator or key it does not know):
 * it refuses to run a policy rather than allow or refuse what AWS would decide otherwise.
 */
export function assertEvaluable(statements: readonly Statement[], who: string): void {
  for (const statement of statements)
    for (const [operator, keys] of Object.entries(statement.conditions ?? {})) {
      const [set, test] = operator.split(':');
      if (!SET_OPERATORS.some((known) => known === set) || !STRING_OPERATORS.some((known) => known === test))
        throw new Error(`${who}: the local cloud cannot evaluate the condition operator ${operator}`);
      for (const key of Object.keys(keys))
        if (!isConditionKey(key))
          throw new Error(`${who}: the local cloud cannot evaluate the condition key ${key}`);
    }
}

/**
 * IAM's multivalued conditions: `ForAllValues` holds when every value of the request matches one of
 * the policy's (so also when the request carries none: AWS's documented pitfall, kept as is);
 * `ForAnyValue` when at least one does.
 */
function conditionsHold(conditions: Conditions | undefined, context: RequestContext): boolean {
  return Object.entries(conditions ?? {}).every(([operator, keys]) => {
    const [set, test] = operator.split(':');
    const one = (value: string, pattern: string) =>
      test === 'StringLike' ? likeMatches(pattern, value) : value === pattern;
    return Object.entries(keys).every(([key, patterns]) => {
      const values = isConditionKey(key) ? (context[key] ?? []) : [];
      const matching = (value: string) => patterns.some((pattern) => one(value, pattern));
      return set === 'ForAllValues' ? values.every(matching) : values.some(matching);
    });
  });
}

function matches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(value);
}

/** IAM `StringLike`: `*` any run of characters, `?` any one character, case-sensitive. */
function likeMatches(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}
