/**
 * The local cloud's IAM: each function's environments carry credentials naming the function, each
 * state machine's calls credentials naming its own role, and each is allowed what
 * infra/permissions.ts derives from infra/system.ts, the same statements AWS grants.
 */
import {
  allows,
  assertEvaluable,
  functionPolicy,
  placeholdersOf,
  type ResourceArns,
  SYNC_EVENTS_RULE,
  workflowPolicy,
} from '../permissions.ts';
import { type FunctionSpec, system, type WorkflowSpec } from '../system.ts';
import { deniedMessage, type Principal } from './front.ts';
import { ACCOUNT_ID, functionArn, REGION, resourceName, stateMachineArn, tableName } from './names.ts';

/** The access key id of a function's environments. */
export function functionAccessKeyId(name: string): string {
  return `LOCAL-${resourceName(name)}`;
}
/** The access key id of a state machine's role: its Lambda invocations and service integrations. */
export function stateMachineAccessKeyId(workflow: string): string {
  return `LOCAL-${resourceName(workflow)}-states`;
}

const DEFAULT_EMAIL_FROM = 'jif@fund.example';
/** The configuration set functions that send mail are given (as the CDK stack gives its own). */
export const CONFIGURATION_SET = 'jif-mail';

export interface LocalPrincipals {
  get(accessKeyId: string): Principal | undefined;
  /** The AccessDenied message for a call the principal may not make, or undefined when allowed. */
  denial(accessKeyId: string, action: string, resource: string): string | undefined;
}

export function localArns(emailFrom: string | undefined): ResourceArns {
  const table = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/${tableName(name)}`;
  const domain = (emailFrom ?? DEFAULT_EMAIL_FROM).split('@')[1] ?? '';
  return {
    table,
    index: (t, index) => `${table(t)}/index/${index}`,
    stateMachine: stateMachineArn,
    tokenIssuer: stateMachineArn,
    executions: (name) => `${stateMachineArn(name).replace(':stateMachine:', ':execution:')}:*`,
    function: functionArn,
    emailIdentity: `arn:aws:ses:${REGION}:${ACCOUNT_ID}:identity/${domain}`,
    configurationSet: `arn:aws:ses:${REGION}:${ACCOUNT_ID}:configuration-set/${CONFIGURATION_SET}`,
    // No local KMS: the key file is given only to the functions whose role has the key (LEDGER_KEY_FILE).
    ledgerKey: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/jif-ledger`,
    syncEventsRule: `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/${SYNC_EVENTS_RULE}`,
    any: '*',
  };
}

export function localPrincipals(
  emailFrom: string | undefined,
  functions: Readonly<Record<string, FunctionSpec>> = system.functions,
  workflows: Readonly<Record<string, WorkflowSpec>> = system.workflows,
): LocalPrincipals {
  const arns = localArns(emailFrom);
  const principals = new Map<string, Principal>();
  const role = (name: string) => `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${name}-role/${name}`;
  for (const [name, spec] of Object.entries(functions)) {
    const policy = functionPolicy(spec, arns);
    assertEvaluable(policy, `function ${name}`);
    principals.set(functionAccessKeyId(name), { arn: role(resourceName(name)), policy });
  }
  // Each state machine has a role of its own, as the stack gives it: what its definition invokes,
  // the tables it uses and the workflows it nests.
  for (const [name, spec] of Object.entries(workflows)) {
    const policy = workflowPolicy(spec, placeholdersOf(JSON.stringify(spec.definition)), arns);
    assertEvaluable(policy, `workflow ${name}`);
    principals.set(stateMachineAccessKeyId(name), { arn: role(`${resourceName(name)}-states`), policy });
  }
  return {
    get: (keyId) => principals.get(keyId),
    denial(keyId, action, resource) {
      const principal = principals.get(keyId);
      if (!principal || allows(principal.policy, action, resource)) return undefined;
      return deniedMessage(principal, action, resource);
    },
  };
}
