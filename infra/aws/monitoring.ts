import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { SystemApi } from './api.ts';
import type { SystemFunction } from './function.ts';
import type { SystemWorkflow } from './workflow.ts';

/** SES events the configuration set publishes to CloudWatch (namespace AWS/SES). */
export const SES_METRICS = ['Send', 'Delivery', 'Reject', 'Bounce', 'Complaint'] as const;
/** The CloudWatch dimension SES fills with the configuration set's name (its automatic message tag). */
export const SES_DIMENSION = 'ses:configuration-set';

export interface SystemMonitoringProps {
  workflows: ReadonlyMap<string, SystemWorkflow>;
  functions: ReadonlyMap<string, SystemFunction>;
  api: SystemApi;
  /** The SES configuration set every email is sent with. */
  configurationSetName: string;
  /** Who is emailed when an alarm fires (they confirm the subscription first). */
  alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms on everything that fails without a person seeing it (executions failed, timed out or
 * aborted; Lambda errors and throttles; API 5xx; SES bounces and complaints), one SNS topic they
 * notify, and a dashboard. A single occurrence fires: JIF's volume is a few proposals a week, so
 * every failure is an incident (a proposal stuck, an approver's email bouncing).
 */
export class SystemMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SystemMonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // CloudWatch can publish to an encrypted topic only with a customer managed key it may use.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the JIF alarm topic',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'JIF alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new actions.SnsAction(this.topic);

    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
      return created;
    };
    const sum = { period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM };

    const workflowWidgets: cloudwatch.IWidget[] = [];
    for (const [name, workflow] of props.workflows) {
      const machine = workflow.stateMachine;
      const see = `See the execution in the Step Functions console (log group ${workflow.logGroup.logGroupName}); redrive it once the cause is fixed.`;
      const failed = machine.metricFailed(sum);
      const timedOut = machine.metricTimedOut(sum);
      const aborted = machine.metricAborted(sum);
      alarm(`${name}ExecutionsFailed`, failed, `An execution of the ${name} workflow failed. ${see}`);
      alarm(`${name}ExecutionsTimedOut`, timedOut, `An execution of the ${name} workflow timed out. ${see}`);
      alarm(`${name}ExecutionsAborted`, aborted, `An execution of the ${name} workflow was aborted. ${see}`);
      workflowWidgets.push(
        new cloudwatch.GraphWidget({
          title: `Workflow ${name}: executions`,
          left: [machine.metricStarted(sum), machine.metricSucceeded(sum), failed, timedOut, aborted],
          width: 6,
        }),
      );
    }

    const errors: cloudwatch.IMetric[] = [];
    const throttles: cloudwatch.IMetric[] = [];
    for (const [name, fn] of props.functions) {
      // Labels only on the dashboard: a labelled metric makes the alarm a metric-math alarm.
      const fnErrors = fn.fn.metricErrors(sum);
      const fnThrottles = fn.fn.metricThrottles(sum);
      alarm(
        `${name}Errors`,
        fnErrors,
        `The ${name} function failed (see its log group ${fn.logGroup.logGroupName}).`,
      );
      alarm(
        `${name}Throttles`,
        fnThrottles,
        `The ${name} function was throttled (account concurrency exhausted?); workflows retry, API callers get 5xx.`,
      );
      errors.push(fnErrors.with({ label: name }));
      throttles.push(fnThrottles.with({ label: name }));
    }

    const api5xx = props.api.httpApi.metricServerError(sum);
    alarm('Api5xx', api5xx, 'The HTTP API answered 5xx (see the API access log and the function logs).');

    const sesMetric = (metricName: (typeof SES_METRICS)[number]) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName,
        dimensionsMap: { [SES_DIMENSION]: props.configurationSetName },
        ...sum,
      });
    alarm(
      'SesBounces',
      sesMetric('Bounce'),
      'An email bounced: an approver, deputy or finance address may be wrong, and a sign-off may wait for nobody.',
    );
    alarm(
      'SesComplaints',
      sesMetric('Complaint'),
      'A recipient marked a JIF email as spam; SES suspends senders whose complaint rate stays high.',
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 6 })],
        workflowWidgets,
        [
          new cloudwatch.GraphWidget({ title: 'Lambda errors', left: errors, width: 12 }),
          new cloudwatch.GraphWidget({ title: 'Lambda throttles', left: throttles, width: 12 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'HTTP API requests',
            left: [props.api.httpApi.metricCount(sum), props.api.httpApi.metricClientError(sum), api5xx],
            right: [props.api.httpApi.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' })],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Email (SES configuration set)',
            left: SES_METRICS.map((metricName) => sesMetric(metricName)),
            width: 12,
          }),
        ],
      ],
    });
  }

  /** The dashboard in the CloudWatch console. */
  get dashboardUrl(): string {
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${this.dashboard.dashboardName}`;
  }
}
