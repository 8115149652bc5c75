/**
 * The local cloud's IAM: each function's environments carry credentials naming the function, the
 * engine's clients credentials naming the state machines' role, and each is allowed what
 * infra/permissions.ts derives from infra/system.ts, the same statements AWS grants.
 */
import {
  allows,
  assertEvaluable,
  functionPolicy,
  placeholdersOf,
  type ResourceArns,
  type Statement,
  workflowPolicy,
} from '../permissions.ts';
import { type FunctionSpec, system, workflowNames, workflowSpec } from '../system.ts';
import { deniedMessage, type Principal } from './front.ts';
import { ACCOUNT_ID, functionArn, REGION, resourceName, stateMachineArn, tableName } from './names.ts';

/** The access key id of a function's environments. */
export function functionAccessKeyId(name: string): string {
  return `LOCAL-${resourceName(name)}`;
}
/** The access key id of the engine's own service calls (every state machine's integrations). */
export const STATES_ACCESS_KEY_ID = 'LOCAL-jif-states';

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
    any: '*',
  };
}

export function localPrincipals(
  emailFrom: string | undefined,
  functions: Readonly<Record<string, FunctionSpec>> = system.functions,
): LocalPrincipals {
  const arns = localArns(emailFrom);
  const principals = new Map<string, Principal>();
  const role = (name: string) => `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${name}-role/${name}`;
  for (const [name, spec] of Object.entries(functions)) {
    const policy = functionPolicy(spec, arns);
    assertEvaluable(policy, `function ${name}`);
    principals.set(functionAccessKeyId(name), { arn: role(resourceName(name)), policy });
  }
  const statesPolicy: Statement[] = workflowNames.flatMap((name) => {
    const spec = workflowSpec(name);
    return workflowPolicy(spec, placeholdersOf(JSON.stringify(spec.definition)), arns);
  });
  principals.set(STATES_ACCESS_KEY_ID, { arn: role(`${system.name}-states`), policy: statesPolicy });
  return {
    get: (keyId) => principals.get(keyId),
    denial(keyId, action, resource) {
      const principal = principals.get(keyId);
      if (!principal || allows(principal.policy, action, resource)) return undefined;
      return deniedMessage(principal, action, resource);
    },
  };
}
