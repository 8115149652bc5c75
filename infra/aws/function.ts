import { basename } from 'node:path';
import { ArnFormat, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import {
  type FunctionSpec,
  limitsOf,
  TASK_OUTCOME_ACTIONS,
  type TableAccess,
  type TaskCompletion,
  type WorkflowName,
  workflowArnEnv,
} from '../system.ts';
import { BUNDLED_FILES, ESM_REQUIRE_BANNER, EXTERNAL_MODULES } from './bundling.ts';
import { acknowledge, nagResourceName } from './nag.ts';
import type { SystemTable } from './table.ts';
import { type SystemWorkflow, stateMachineArnOf } from './workflow.ts';

/** Stands in for a handler when the stack is built without bundling (tests, offline checks). */
const STUB_CODE =
  "exports.handler = async () => { throw new Error('This function was synthesized without bundling'); };";

export interface SystemFunctionProps {
  /** The function's name in the system description (`submitProposal`, ...). */
  name: string;
  spec: FunctionSpec;
  /** Absolute path of the repository root; `spec.entry` is relative to it. */
  rootDir: string;
  /** Bundle `spec.entry` with esbuild (default). `false` deploys a stub, for tests. */
  bundling: boolean;
  /** Environment every function gets (service name, configuration). */
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  logRemovalPolicy?: RemovalPolicy;
}

/**
 * A Lambda function with the system's defaults: Node.js 22 on ARM64, active tracing, its own log
 * group with a retention, its own role holding only what the bind methods grant. Each bind method
 * sets the environment variable the handler reads and grants the matching permission in one call,
 * so a function cannot learn about a resource it may not use, nor be allowed one it does not know.
 */
export class SystemFunction extends Construct {
  readonly name: string;
  readonly spec: FunctionSpec;
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SystemFunctionProps) {
    super(scope, id);
    this.name = props.name;
    this.spec = props.spec;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      ...(props.logRemovalPolicy ? { removalPolicy: props.logRemovalPolicy } : {}),
    });
    // An own role instead of the default one with the AWSLambdaBasicExecutionRole managed policy,
    // which would allow writing to every log group of the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    const common = {
      description: props.spec.description.slice(0, 256),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      memorySize: limitsOf(props.spec).memoryMb,
      timeout: Duration.seconds(limitsOf(props.spec).timeoutSeconds),
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    } satisfies Partial<lambda.FunctionProps>;

    this.fn = props.bundling
      ? new NodejsFunction(this, 'Function', {
          ...common,
          entry: `${props.rootDir}/${props.spec.entry}`,
          handler: 'handler',
          projectRoot: props.rootDir,
          depsLockFilePath: `${props.rootDir}/package-lock.json`,
          bundling: {
            format: OutputFormat.ESM,
            target: 'node22',
            mainFields: ['module', 'main'],
            minify: true,
            sourceMap: true,
            sourcesContent: false,
            externalModules: EXTERNAL_MODULES,
            banner: ESM_REQUIRE_BANNER,
            // The pages' stylesheet is read beside the bundle (functions/pages/assets.ts).
            commandHooks: {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (inputDir: string, outputDir: string) =>
                BUNDLED_FILES.map((file) => `cp "${inputDir}/${file}" "${outputDir}/${basename(file)}"`),
            },
          },
        })
      : new lambda.Function(this, 'Function', {
          ...common,
          code: lambda.Code.fromInline(STUB_CODE),
          handler: 'index.handler',
        });

    acknowledge(
      this,
      'AwsSolutions-L1',
      'Node.js 22 on purpose: the project pins Node 22 (package.json engines, the local mode and the tests run on it), so AWS runs what was tested.',
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
    );
  }

  private setEnv(name: string, value: string): void {
    this.fn.addEnvironment(name, value);
  }

  /**
   * `<TABLE>_TABLE_NAME` (from the table's description) and read or read/write item access, writes
   * limited to the partition keys `writesOnly` matches when given.
   */
  bindTable(table: SystemTable, access: TableAccess, writesOnly?: readonly string[]): void {
    this.setEnv(table.spec.env, table.tableName);
    table.grantAccess(this.role, access, writesOnly);
  }

  /** `LEDGER_KEY_ID` and kms:GenerateMac (sealing records) or kms:VerifyMac (checking seals) on that key only. */
  bindLedgerKey(key: kms.IKey, use: 'sign' | 'verify'): void {
    this.setEnv('LEDGER_KEY_ID', key.keyArn);
    key.grant(this.role, use === 'sign' ? 'kms:GenerateMac' : 'kms:VerifyMac');
  }

  /** `<WORKFLOW>_STATE_MACHINE_ARN` and states:StartExecution on that state machine only. */
  bindWorkflowStart(workflow: SystemWorkflow): void {
    this.setEnv(workflowArnEnv(workflow.name as WorkflowName), workflow.stateMachine.stateMachineArn);
    workflow.stateMachine.grantStartExecution(this.role);
  }

  /** `<WORKFLOW>_STATE_MACHINE_ARN` and the given actions on that state machine's executions only. */
  bindWorkflowExecutions(workflow: SystemWorkflow, actions: readonly string[]): void {
    this.setEnv(workflowArnEnv(workflow.name as WorkflowName), workflow.stateMachine.stateMachineArn);
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${workflow.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [executions] }));
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::${nagResourceName(this, executions)}]`,
      `Executions are named after proposals, so ${actions.join('/')} can only be scoped to every execution of the ${workflow.name} state machine.`,
    );
  }

  /**
   * states:SendTaskSuccess and/or SendTaskFailure, as `completion` says, on the state machine whose
   * tasks issue the tokens (its ARN built from its fixed name: a reference would be circular for the
   * functions that state machine invokes). IAM authorizes SendTask* against the ARN of the state
   * machine that issued the token, so a token of another workflow is refused.
   */
  bindTaskCompletion(completion: TaskCompletion): void {
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: completion.outcomes.map((outcome) => TASK_OUTCOME_ACTIONS[outcome]),
        resources: [stateMachineArnOf(this, completion.workflow)],
      }),
    );
  }

  /**
   * `SES_CONFIGURATION_SET`, and ses:SendEmail/SendRawEmail from the sending identity with that
   * configuration set only (SES authorizes a send against both resources).
   */
  bindEmail(identity: ses.IEmailIdentity, configurationSet: ses.IConfigurationSet): void {
    this.setEnv('SES_CONFIGURATION_SET', configurationSet.configurationSetName);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [
          identity.emailIdentityArn,
          Stack.of(this).formatArn({
            service: 'ses',
            resource: 'configuration-set',
            resourceName: configurationSet.configurationSetName,
          }),
        ],
      }),
    );
  }

  /** `AUTH_*`: how the pages verify their session cookie (Cognito's issuer, client and managed login). */
  bindSessions(settings: Record<string, string>): void {
    for (const [name, value] of Object.entries(settings)) this.setEnv(name, value);
  }

  /** `PUBLIC_BASE_URL`: where links in emails point. */
  bindPublicUrl(url: string): void {
    this.setEnv('PUBLIC_BASE_URL', url);
  }
}
