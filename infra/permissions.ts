/**
 * What each function's role, and the state machines' roles, may do: derived from infra/system.ts
 * alone. infra/aws grants these (test/infra/permissions.test.ts checks the synthesized policies
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
  /** Every resource (`*`): for actions that support no resource-level permissions. */
  any: R;
}

/** The statements of a function's role (besides its logs and tracing, which every function has). */
export function functionPolicy<R>(spec: FunctionSpec, arns: ResourceArns<R>): Statement<R>[] {
  const statements: Statement<R>[] = [];
  for (const [table, access] of Object.entries(spec.tables) as [TableName, string][]) {
    const indexes = system.tables[table].indexes.map((index) => arns.index(table, index.name));
    statements.push({ actions: TABLE_READ_ACTIONS, resources: [arns.table(table), ...indexes] });
    if (access === 'readWrite')
      statements.push({ actions: TABLE_WRITE_ACTIONS, resources: [arns.table(table)] });
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
  for (const child of spec.nested ?? [])
    statements.push({ actions: ['states:StartExecution'], resources: [arns.stateMachine(child)] });
  return statements;
}

/** The `${Name}` placeholders an ASL text uses (a substitution it does not use is not granted). */
export function placeholdersOf(asl: string): string[] {
  return [...new Set([...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] ?? ''))];
}

/** Whether a policy allows an action on a resource (`*` in a statement matches any run of characters). */
export function allows(statements: readonly Statement[], action: string, resource: string): boolean {
  return statements.some(
    (statement) =>
      statement.actions.some((pattern) => matches(pattern, action)) &&
      statement.resources.some((pattern) => matches(pattern, resource)),
  );
}

function matches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(value);
}
