import { fileURLToPath } from 'node:url';
import { CfnOutput, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as ses from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import type { Config } from '../../functions/platform/config.ts';
import type { AuthorityDirectory } from '../../functions/sign-off/domain/sign-off.ts';
import {
  type FunctionSpec,
  type RouteSpec,
  routesOf,
  type ScheduleSpec,
  system,
  type TableName,
  type TableSpec,
  type WorkflowSpec,
} from '../system.ts';
import { SystemApi } from './api.ts';
import { functionConstructId } from './bundling.ts';
import { SystemFunction } from './function.ts';
import { SES_DIMENSION, SystemMonitoring } from './monitoring.ts';
import { SystemTable } from './table.ts';
import { SystemWorkflow } from './workflow.ts';

/** The shape of `infra/system.ts`'s `system`, by plain names (tests build variants of it). */
export interface SystemDescription {
  readonly name: string;
  readonly tables: Readonly<Record<string, TableSpec>>;
  readonly functions: Readonly<Record<string, FunctionSpec>>;
  readonly workflows: Readonly<Record<string, WorkflowSpec>>;
  readonly routes: readonly RouteSpec[];
  readonly schedules: Readonly<Record<string, ScheduleSpec>>;
}

export interface JifStackProps extends StackProps {
  /** ISO date fund year 1 starts (`FUND_START_DATE`). */
  fundStartDate: string;
  /** Domain verified in SES (the stack creates its identity; publish the DKIM records it lists). */
  emailDomain: string;
  /** Sender of every email; an address of `emailDomain` or of a subdomain of it. */
  emailFrom: string;
  /** Who signs off, and their deputies. */
  approvers: AuthorityDirectory;
  financeEmail: string;
  /** Base URL of links in emails, e.g. a custom domain. Default: the HTTP API's own endpoint. */
  publicBaseUrl?: string;
  /** Retention of every log group. Default: three months. */
  logRetention?: logs.RetentionDays;
  /** Throttling of the API's `$default` stage. Default: 50 requests/s, bursts of 100. */
  throttle?: { rateLimit: number; burstLimit: number };
  /** Subscribed by email to the alarm topic (the address must confirm the subscription). */
  alarmEmail?: string;
  /** Bundle the handlers with esbuild (default). `false` deploys stubs: for tests only. */
  bundling?: boolean;
  /** The system to build. Default: `system` from infra/system.ts. */
  system?: SystemDescription;
}

const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** Every setting of functions/platform/config.ts the stack provides, from its props. */
type ConfigEnvironment = { [K in keyof Config]?: string };

/**
 * JIF on AWS, built from the system description alone: one DynamoDB table per table, one Lambda
 * per function, one state machine per workflow, one HTTP route per route and one EventBridge
 * schedule per schedule. Adding an entry to infra/system.ts is enough to add a resource.
 */
export class JifStack extends Stack {
  readonly tables = new Map<string, SystemTable>();
  readonly functions = new Map<string, SystemFunction>();
  readonly workflows = new Map<string, SystemWorkflow>();
  readonly api: SystemApi;
  readonly emailIdentity: ses.EmailIdentity;
  readonly configurationSet: ses.ConfigurationSet;
  /** Seals the ledger's records (HMAC), outside the table. */
  readonly ledgerKey: kms.Key;
  readonly monitoring: SystemMonitoring;

  constructor(scope: Construct, id: string, props: JifStackProps) {
    super(scope, id, props);
    const description: SystemDescription = props.system ?? system;
    checkProps(props);
    checkDescription(description);
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;

    this.emailIdentity = new ses.EmailIdentity(this, 'EmailIdentity', {
      identity: ses.Identity.domain(props.emailDomain),
    });
    // Every email is sent with this set, so bounces and complaints become metrics to alarm on.
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      sendingEnabled: true,
    });
    this.configurationSet.addEventDestination('CloudWatch', {
      destination: ses.EventDestination.cloudWatchDimensions([
        {
          name: SES_DIMENSION,
          source: ses.CloudWatchDimensionSource.MESSAGE_TAG,
          defaultValue: this.configurationSet.configurationSetName,
        },
      ]),
      events: [
        ses.EmailSendingEvent.SEND,
        ses.EmailSendingEvent.DELIVERY,
        ses.EmailSendingEvent.REJECT,
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
      ],
    });

    for (const [name, spec] of Object.entries(description.tables)) {
      this.tables.set(name, new SystemTable(this, `${pascal(name)}Table`, { name, spec }));
    }

    this.api = new SystemApi(this, 'Api', {
      rateLimit: props.throttle?.rateLimit ?? 50,
      burstLimit: props.throttle?.burstLimit ?? 100,
      logRetention,
      ...(props.publicBaseUrl ? { publicBaseUrl: props.publicBaseUrl.replace(/\/+$/, '') } : {}),
    });
    const publicBaseUrl = props.publicBaseUrl?.replace(/\/+$/, '') ?? this.api.url;

    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: description.name,
      ...configEnvironment(props),
    };
    // The ledger's seal key, held outside its table (functions/funding/ledger-key.ts): an HMAC key that
    // never leaves KMS; kept when the stack goes, or the ledger could no longer be verified.
    this.ledgerKey = new kms.Key(this, 'LedgerKey', {
      description: 'JIF: seals disbursement ledger records (HMAC-SHA-256)',
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [name, spec] of Object.entries(description.functions)) {
      const fn = new SystemFunction(this, functionConstructId(name), {
        name,
        spec,
        rootDir: ROOT_DIR,
        bundling: props.bundling ?? true,
        environment: { ...environment, ...routesOf(name, spec, description.routes) },
        logRetention,
      });
      for (const [tableName, access] of Object.entries(spec.tables)) {
        const table = this.tables.get(tableName);
        if (table && access) fn.bindTable(table, access, spec.writesOnly?.[tableName as TableName]);
      }
      if (spec.sendsEmail) fn.bindEmail(this.emailIdentity, this.configurationSet);
      if (spec.completesTasks) fn.bindTaskCompletion(spec.completesTasks);
      if (spec.ledgerKey) fn.bindLedgerKey(this.ledgerKey, spec.ledgerKey);
      // The API's endpoint depends only on the API resource, never on its routes, so even a
      // function behind a route can learn it without a circular dependency.
      if (spec.needsPublicUrl) fn.bindPublicUrl(publicBaseUrl);
      if (spec.verifiesSessions) fn.bindSessions(this.api.sessionSettings());
      this.functions.set(name, fn);
    }

    for (const name of workflowOrder(description.workflows)) {
      const spec = description.workflows[name] as WorkflowSpec;
      const workflow = new SystemWorkflow(this, `${pascal(name)}Workflow`, {
        name,
        spec,
        functions: this.functions,
        workflows: this.workflows,
        tables: this.tables,
        logRetention,
      });
      this.workflows.set(name, workflow);
    }

    for (const [name, spec] of Object.entries(description.functions)) {
      const fn = this.functions.get(name) as SystemFunction;
      for (const workflowName of spec.startsWorkflows ?? []) {
        const workflow = this.workflows.get(workflowName) as SystemWorkflow;
        const invoker = reachableWorkflows(workflow).find((w) => w.invokes.includes(fn));
        if (invoker) {
          throw new Error(
            `Function ${name} starts workflow ${workflowName}, whose workflow ${invoker.name} invokes ${name}: ` +
              `the function's environment would need the state machine's ARN and the state machine's definition ` +
              `the function's ARN, a circular dependency CloudFormation cannot deploy.`,
          );
        }
        fn.bindWorkflowStart(workflow);
      }
      // GetExecutionHistory, DescribeExecution and RedriveExecution need no ARN in a definition: no
      // cycle is possible. One statement per state machine, with the actions the function needs.
      const executionActions = new Map<string, string[]>();
      const grant = (workflowName: string, action: string) =>
        executionActions.set(workflowName, [...(executionActions.get(workflowName) ?? []), action]);
      for (const workflowName of spec.readsWorkflowHistory ?? [])
        grant(workflowName, 'states:GetExecutionHistory');
      for (const workflowName of spec.readsExecutionsOf ?? [])
        grant(workflowName, 'states:DescribeExecution');
      for (const workflowName of spec.redrivesExecutionsOf ?? [])
        grant(workflowName, 'states:RedriveExecution');
      for (const [workflowName, actions] of executionActions) {
        const workflow = this.workflows.get(workflowName);
        if (!workflow)
          throw new Error(`Function ${name} uses the executions of unknown workflow ${workflowName}`);
        fn.bindWorkflowExecutions(workflow, actions);
      }
    }

    for (const route of description.routes) {
      const fn = this.functions.get(route.function) as SystemFunction;
      this.api.addRoute(route, fn.fn, pascal(route.function));
    }

    for (const [name, spec] of Object.entries(description.schedules)) {
      const workflow = this.workflows.get(spec.workflow) as SystemWorkflow;
      const role = new iam.Role(this, `${pascal(name)}ScheduleRole`, {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
        description: `Starts the ${spec.workflow} workflow on the ${name} schedule`,
      });
      new scheduler.Schedule(this, `${pascal(name)}Schedule`, {
        description: spec.description.slice(0, 512),
        schedule: scheduler.ScheduleExpression.expression(spec.expression),
        target: new targets.StepFunctionsStartExecution(workflow.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject(spec.input),
          role,
        }),
      });
    }

    this.monitoring = new SystemMonitoring(this, 'Monitoring', {
      workflows: this.workflows,
      functions: this.functions,
      api: this.api,
      configurationSetName: this.configurationSet.configurationSetName,
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    if (props.publicBaseUrl) {
      new CfnOutput(this, 'PublicBaseUrl', {
        value: publicBaseUrl,
        description: 'Base URL of links in emails',
      });
    }
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.topic.topicArn,
      description: 'SNS topic every alarm notifies (subscribe more addresses here)',
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: this.monitoring.dashboardUrl,
      description: 'CloudWatch dashboard of workflows, functions, API and email',
    });
    new CfnOutput(this, 'UserPoolId', { value: this.api.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.api.userPoolClient.userPoolClientId });
    this.emailIdentity.dkimRecords.forEach((record, index) => {
      new CfnOutput(this, `DkimRecord${index + 1}`, {
        value: Fn.join(' ', [record.name, 'CNAME', record.value]),
        description: `DNS record ${index + 1} of 3 that verifies ${props.emailDomain} for SES (Easy DKIM)`,
      });
    });
    for (const [name, workflow] of this.workflows) {
      new CfnOutput(this, `${pascal(name)}StateMachineArn`, { value: workflow.stateMachine.stateMachineArn });
    }
    for (const [name, table] of this.tables) {
      new CfnOutput(this, `${pascal(name)}TableName`, { value: table.tableName });
    }
  }
}

function configEnvironment(props: JifStackProps): ConfigEnvironment {
  return {
    FUND_START_DATE: props.fundStartDate,
    EMAIL_FROM: props.emailFrom,
    UK_APPROVER_EMAIL: props.approvers.UK.primary,
    UK_DEPUTY_EMAIL: props.approvers.UK.deputy,
    FR_APPROVER_EMAIL: props.approvers.FR.primary,
    FR_DEPUTY_EMAIL: props.approvers.FR.deputy,
    ROAD_AUTHORITY_EMAIL: props.approvers.ROAD.primary,
    ROAD_AUTHORITY_DEPUTY_EMAIL: props.approvers.ROAD.deputy,
    FINANCE_EMAIL: props.financeEmail,
    // AWS runs the flows in real time: deadlines are stated unscaled.
    TIME_SCALE: '1',
  };
}

function checkProps(props: JifStackProps): void {
  const problems: string[] = [];
  if (!ISO_DATE.test(props.fundStartDate) || Number.isNaN(Date.parse(props.fundStartDate))) {
    problems.push(`fundStartDate '${props.fundStartDate}' is not an ISO date`);
  }
  const addresses: Record<string, string> = {
    emailFrom: props.emailFrom,
    financeEmail: props.financeEmail,
    ...Object.fromEntries(
      Object.entries(props.approvers).flatMap(([authority, { primary, deputy }]) => [
        [`approvers.${authority}.primary`, primary],
        [`approvers.${authority}.deputy`, deputy],
      ]),
    ),
  };
  for (const [field, address] of Object.entries(addresses)) {
    if (!EMAIL.test(address)) problems.push(`${field} '${address}' is not an email address`);
  }
  const fromDomain = props.emailFrom.split('@')[1]?.toLowerCase() ?? '';
  const domain = props.emailDomain.toLowerCase();
  if (fromDomain !== domain && !fromDomain.endsWith(`.${domain}`)) {
    problems.push(
      `emailFrom '${props.emailFrom}' is not an address of the SES domain '${props.emailDomain}'`,
    );
  }
  if (props.alarmEmail !== undefined && !EMAIL.test(props.alarmEmail)) {
    problems.push(`alarmEmail '${props.alarmEmail}' is not an email address`);
  }
  if (props.publicBaseUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(props.publicBaseUrl)) {
    problems.push(`publicBaseUrl '${props.publicBaseUrl}' is not an http(s) URL`);
  }
  if (problems.length > 0) throw new Error(`Invalid JifStack props: ${problems.join('; ')}`);
}

/** Every name the description uses is defined in it. */
function checkDescription(d: SystemDescription): void {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(d.functions)) {
    for (const table of Object.keys(spec.tables)) {
      if (!d.tables[table]) problems.push(`function ${name} uses unknown table ${table}`);
    }
    for (const workflow of spec.startsWorkflows ?? []) {
      if (!d.workflows[workflow]) problems.push(`function ${name} starts unknown workflow ${workflow}`);
    }
    if (spec.completesTasks && !d.workflows[spec.completesTasks.workflow]) {
      problems.push(`function ${name} completes tasks of unknown workflow ${spec.completesTasks.workflow}`);
    }
  }
  const routeKeys = new Set<string>();
  for (const route of d.routes) {
    const key = `${route.method} ${route.path}`;
    if (!d.functions[route.function]) problems.push(`route ${key} calls unknown function ${route.function}`);
    if (routeKeys.has(key)) problems.push(`route ${key} is defined twice`);
    routeKeys.add(key);
  }
  for (const [name, spec] of Object.entries(d.schedules)) {
    if (!d.workflows[spec.workflow])
      problems.push(`schedule ${name} starts unknown workflow ${spec.workflow}`);
  }
  if (problems.length > 0) throw new Error(`Invalid system description: ${problems.join('; ')}`);
}

/** Workflow names, each after the workflows it substitutes or nests (their ARNs come first). */
export function workflowOrder(workflows: Readonly<Record<string, WorkflowSpec>>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const spec = workflows[name];
    if (!spec) throw new Error(`Workflow ${path.at(-1)} refers to unknown workflow ${name}`);
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new Error(`Workflows refer to each other in a cycle: ${[...path, name].join(' -> ')}`);
    }
    state.set(name, 'visiting');
    const dependencies = new Set<string>(spec.nested ?? []);
    for (const substitution of Object.values(spec.substitutions)) {
      if ('workflow' in substitution) dependencies.add(substitution.workflow);
    }
    for (const dependency of dependencies) visit(dependency, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(workflows)) visit(name, []);
  return order;
}

/** A workflow and every workflow it references, transitively. */
function reachableWorkflows(start: SystemWorkflow): SystemWorkflow[] {
  const seen = new Set<SystemWorkflow>();
  const walk = (workflow: SystemWorkflow): void => {
    if (seen.has(workflow)) return;
    seen.add(workflow);
    for (const next of workflow.references) walk(next);
  };
  walk(start);
  return [...seen];
}
