import { Annotations, ArnFormat, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { SYNC_EVENTS_ACTIONS, SYNC_EVENTS_RULE } from '../permissions.ts';
import type { WorkflowSpec } from '../system.ts';
import type { SystemFunction } from './function.ts';
import { acknowledge, nagResourceName } from './nag.ts';
import type { SystemTable } from './table.ts';

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** The `${Name}` placeholders of an ASL text, each once, in order of appearance. */
export function aslPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))];
}

/**
 * The ASL text of a workflow of `workflows/`, checked against the substitutions of its description:
 * every placeholder must have a substitution. Returns the text and its placeholders.
 */
export function aslText(
  definition: object,
  workflowName: string,
  substitutions: readonly string[],
): { text: string; placeholders: string[] } {
  const text = JSON.stringify(definition);
  const placeholders = aslPlaceholders(text);
  const missing = placeholders.filter((name) => !substitutions.includes(name));
  if (missing.length > 0) {
    throw new Error(
      `Workflow ${workflowName}: its definition uses \${${missing.join('}, ${')}} without a substitution in infra/system.ts`,
    );
  }
  return { text, placeholders };
}

/**
 * Each state machine has a fixed name, `<stack>-<workflow>`, so a policy can name it without a
 * reference (the functions a state machine invokes may complete its tasks: a reference would be a
 * circular dependency). Its log group bears the same name.
 */
export function stateMachineNameOf(scope: IConstruct, workflowName: string): string {
  return `${Stack.of(scope).stackName}-${workflowName}`;
}

export function stateMachineArnOf(scope: IConstruct, workflowName: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachineNameOf(scope, workflowName),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Warning id of a substitution the description lists but the ASL file does not use. */
export const UNUSED_SUBSTITUTION_WARNING = 'jif:unused-substitution';

export interface SystemWorkflowProps {
  /** The workflow's name in the system description (`approval`, ...). */
  name: string;
  spec: WorkflowSpec;
  functions: ReadonlyMap<string, SystemFunction>;
  /** Workflows created so far: those this one substitutes or nests must be among them. */
  workflows: ReadonlyMap<string, SystemWorkflow>;
  tables: ReadonlyMap<string, SystemTable>;
  logRetention: logs.RetentionDays;
  logRemovalPolicy?: RemovalPolicy;
}

function lookup<T>(map: ReadonlyMap<string, T>, kind: string, name: string, where: string): T {
  const found = map.get(name);
  if (!found) throw new Error(`${where} names ${kind} '${name}', which infra/system.ts does not define`);
  return found;
}

/**
 * A standard state machine from a workflow definition with `${Name}` substitutions resolved from the system
 * description. Its role may invoke only the functions its definition uses, start only the workflows
 * it nests, and use only the tables its definition uses.
 */
export class SystemWorkflow extends Construct {
  readonly name: string;
  readonly spec: WorkflowSpec;
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** Functions the definition references, hence may invoke. */
  readonly invokes: readonly SystemFunction[];
  /** Workflows the definition references. */
  readonly references: readonly SystemWorkflow[];

  constructor(scope: Construct, id: string, props: SystemWorkflowProps) {
    super(scope, id);
    this.name = props.name;
    this.spec = props.spec;
    const where = (key: string) => `Workflow ${props.name}, substitution ${key},`;

    const { text: definition, placeholders } = aslText(
      props.spec.definition,
      props.name,
      Object.keys(props.spec.substitutions),
    );
    const substitutions: Record<string, string> = {};
    const invokes = new Set<SystemFunction>();
    const references = new Set<SystemWorkflow>();
    const tables = new Set<SystemTable>();
    for (const [key, substitution] of Object.entries(props.spec.substitutions)) {
      if (!placeholders.includes(key)) {
        // Not substituted, so not granted either: the role follows what the definition uses.
        Annotations.of(this).addWarningV2(
          UNUSED_SUBSTITUTION_WARNING,
          `Workflow ${props.name}: substitution ${key} of infra/system.ts is not used by its definition; ` +
            'it is left out of the definition and of the role',
        );
        continue;
      }
      if ('function' in substitution) {
        const fn = lookup(props.functions, 'function', substitution.function, where(key));
        invokes.add(fn);
        substitutions[key] = fn.fn.functionArn;
      } else if ('workflow' in substitution) {
        const workflow = lookup(props.workflows, 'workflow', substitution.workflow, where(key));
        references.add(workflow);
        substitutions[key] = workflow.stateMachine.stateMachineArn;
      } else {
        const table = lookup(props.tables, 'table', substitution.table, where(key));
        tables.add(table);
        substitutions[key] = table.tableName;
      }
    }
    this.invokes = [...invokes];
    this.references = [...references];

    // Under /aws/vendedlogs/ as AWS advises for Step Functions: vended-log delivery then needs no
    // resource policy per log group (the account's resource policy has a size limit).
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/vendedlogs/states/${stateMachineNameOf(this, props.name)}`,
      retention: props.logRetention,
      ...(props.logRemovalPolicy ? { removalPolicy: props.logRemovalPolicy } : {}),
    });
    // The definition is inlined (not an S3 asset, as DefinitionBody.fromFile would make it) so
    // that `cdk diff` shows changes to it and the tests can read it from the template.
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: stateMachineNameOf(this, props.name),
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: substitutions,
      comment: props.spec.description,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    if (invokes.size > 0) {
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: this.invokes.map((fn) => fn.fn.functionArn),
        }),
      );
    }
    for (const table of tables) table.grantAccess(this.stateMachine, 'readWrite');
    for (const childName of props.spec.nested ?? []) {
      this.allowNestedExecutions(
        lookup(props.workflows, 'workflow', childName, `Workflow ${props.name}, nested,`),
      );
    }

    acknowledge(
      this.stateMachine,
      'AwsSolutions-IAM5[Resource::*]',
      'Logging to CloudWatch (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) support no resource-level permissions.',
    );
  }

  /** What a `arn:aws:states:::states:startExecution.sync:2` task needs to run `child`. */
  private allowNestedExecutions(child: SystemWorkflow): void {
    const stack = Stack.of(this);
    child.stateMachine.grantStartExecution(this.stateMachine);
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${child.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [executions],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...SYNC_EVENTS_ACTIONS],
        resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_EVENTS_RULE })],
      }),
    );
    acknowledge(
      this.stateMachine,
      `AwsSolutions-IAM5[Resource::${nagResourceName(this, executions)}]`,
      `Executions of the nested ${child.name} workflow have generated names, so DescribeExecution/StopExecution (needed by startExecution.sync) can only be scoped to every execution of that one state machine.`,
    );
  }
}
