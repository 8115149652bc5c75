import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, ArnFormat, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../functions/platform/config.ts';
import { approvalKey, costReportKey, evaluationKey, KEY_PREFIX } from '../../functions/platform/keys.ts';
import { ROLES } from '../../functions/platform/roles.ts';
import { JifStack, type JifStackProps, type SystemDescription } from '../../infra/aws/stack.ts';
import { aslPlaceholders, stateMachineArnOf, UNUSED_SUBSTITUTION_WARNING } from '../../infra/aws/workflow.ts';
import {
  functionPolicy,
  placeholdersOf,
  type ResourceArns,
  SYNC_EVENTS_RULE,
  workflowPolicy,
} from '../../infra/permissions.ts';
import { routesEnvironment } from '../../infra/routes.ts';
import {
  bindingEnvironment,
  type FunctionSpec,
  functionNames,
  functionSpec,
  limitsOf,
  routesOf,
  system,
  TASK_OUTCOME_ACTIONS,
  tableNames,
  tableSpec,
  type WorkflowName,
  workflowArnEnv,
  workflowNames,
  workflowSpec,
} from '../../infra/system.ts';
import { approval } from '../../workflows/index.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

const PROPS: JifStackProps = {
  env: { account: '123456789012', region: 'eu-west-3' },
  fundStartDate: '2026-01-01',
  emailDomain: 'fund.example',
  emailFrom: 'jif@fund.example',
  approvers: {
    UK: { primary: 'approver@homeoffice.example', deputy: 'deputy@homeoffice.example' },
    FR: { primary: 'approbateur@interieur.example', deputy: 'suppleant@interieur.example' },
    ROAD: { primary: 'routes@dir-nord.example', deputy: 'routes-deputy@dir-nord.example' },
  },
  financeEmail: 'finance@fund.example',
  bundling: false,
};

function build(overrides: Partial<JifStackProps> = {}): { app: App; stack: JifStack; template: Template } {
  const app = new App();
  const stack = new JifStack(app, 'Jif', { ...PROPS, ...overrides });
  return { app, stack, template: Template.fromStack(stack) };
}

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string | string[] };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

const logicalId = (construct: IConstruct): string => {
  const stack = Stack.of(construct);
  const child = construct.node.defaultChild ?? construct;
  return stack.resolve(stack.getLogicalId(child as never)) as string;
};
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Logical IDs a value refers to through Ref, Fn::GetAtt, Fn::Sub or DependsOn. */
function references(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) references(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') into.add(inner);
      else if (key === 'Fn::GetAtt')
        into.add(Array.isArray(inner) ? String(inner[0]) : (String(inner).split('.')[0] ?? ''));
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? String(inner[0]) : String(inner);
        for (const match of text.matchAll(/\$\{([^}.!]+)/g)) into.add(match[1] ?? '');
        if (Array.isArray(inner)) references(inner[1], into);
      } else references(inner, into);
    }
  }
  return into;
}

/** A resource cycle CloudFormation would refuse ("Circular dependency between resources"), if any. */
function findCycle(resources: Record<string, Resource>): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(resources)) {
    const targets = references(resource.Properties);
    for (const dependency of asArray(resource.DependsOn ?? [])) targets.add(dependency);
    edges.set(
      id,
      [...targets].filter((target) => target in resources),
    );
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path, id];
    state.set(id, 'visiting');
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next, [...path, id]);
      if (cycle) return cycle;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id, []);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('the AWS stack built from infra/system.ts', () => {
  let stack: JifStack;
  let template: Template;
  let resources: Record<string, Resource>;

  beforeAll(() => {
    ({ stack, template } = build());
    resources = template.toJSON().Resources as Record<string, Resource>;
  }, 180_000);

  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const resource = (construct: IConstruct): Resource => {
    const found = resources[logicalId(construct)];
    if (!found) throw new Error(`no resource for ${construct.node.path}`);
    return found;
  };
  /** Every statement of the policies attached to a role. */
  const statementsOfRole = (roleConstruct: IConstruct): Statement[] => {
    const roleId = logicalId(roleConstruct);
    return ofType('AWS::IAM::Policy')
      .filter(([, policy]) =>
        (policy.Properties.Roles as unknown[]).some((role) => references(role).has(roleId)),
      )
      .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  };
  const statementsOf = (name: string): Statement[] => {
    const fn = stack.functions.get(name);
    if (!fn) throw new Error(`no function ${name}`);
    return statementsOfRole(fn.role);
  };
  const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => asArray(statement.Action));

  describe('tables', () => {
    it('creates one table per description entry', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', tableNames.length);
    });

    it.each(tableNames)('%s has exactly the described keys and indexes', (name) => {
      const spec = tableSpec(name);
      const table = stack.tables.get(name);
      expect(table).toBeDefined();
      const { Properties: props } = resource(table?.table as IConstruct);
      const keySchema = (partitionKey: string, sortKey?: string) => [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' }] : []),
      ];
      expect(props.KeySchema).toEqual(keySchema(spec.partitionKey, spec.sortKey));
      const indexes = (props.GlobalSecondaryIndexes ?? []) as unknown[];
      expect(indexes).toEqual(
        spec.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection: { ProjectionType: 'ALL' },
        })),
      );
      const attributes = props.AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
      expect(attributes.every((attribute) => attribute.AttributeType === 'S')).toBe(true);
      const keyNames = [spec, ...spec.indexes].flatMap((key) => [key.partitionKey, key.sortKey ?? []].flat());
      expect(attributes.map((attribute) => attribute.AttributeName).sort()).toEqual(
        [...new Set(keyNames)].sort(),
      );
      expect(props.BillingMode).toBe('PAY_PER_REQUEST');
      expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(props.SSESpecification).toEqual({ SSEEnabled: true });
      expect(props.TimeToLiveSpecification).toEqual(
        spec.timeToLiveAttribute ? { AttributeName: spec.timeToLiveAttribute, Enabled: true } : undefined,
      );
    });

    it('keeps the Fund table when the stack is deleted or the table replaced', () => {
      const fund = resources[logicalId(stack.tables.get('Fund')?.table as IConstruct)] as Record<
        string,
        unknown
      >;
      expect(fund.DeletionPolicy).toBe('Retain');
      expect(fund.UpdateReplacePolicy).toBe('Retain');
    });
  });

  describe('functions', () => {
    it('creates one Lambda function per description entry', () => {
      template.resourceCountIs('AWS::Lambda::Function', functionNames.length);
    });

    it.each(functionNames)('%s has the Lambda defaults and the environment it needs', (name) => {
      const spec: FunctionSpec = functionSpec(name);
      const fn = stack.functions.get(name);
      expect(fn).toBeDefined();
      const { Properties: props } = resource(fn?.fn as IConstruct);
      expect(props.Runtime).toBe('nodejs22.x');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.TracingConfig).toEqual({ Mode: 'Active' });
      expect(props.LoggingConfig).toEqual({ LogGroup: { Ref: logicalId(fn?.logGroup as IConstruct) } });
      // The same limits the local sandbox applies.
      expect(props.Timeout).toBe(limitsOf(spec).timeoutSeconds);
      expect(props.MemorySize).toBe(limitsOf(spec).memoryMb);

      const env = (props.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('jif');
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(env.FUND_START_DATE).toBe(PROPS.fundStartDate);
      expect(env.EMAIL_FROM).toBe(PROPS.emailFrom);
      expect(env.UK_APPROVER_EMAIL).toBe(PROPS.approvers.UK.primary);

      const expected = new Set<string>(['POWERTOOLS_SERVICE_NAME', 'NODE_OPTIONS']);
      const auth = ['AUTH_MODE', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'AUTH_LOGIN_DOMAIN'];
      const conditional = new Set<string>(['PUBLIC_BASE_URL', ...auth]);
      if (spec.verifiesSessions) {
        for (const key of auth) expected.add(key);
        expect(env.AUTH_MODE).toBe('cognito');
        expect(env.AUTH_AUDIENCE).toEqual({ Ref: logicalId(stack.api.userPoolClient) });
      }
      for (const table of tableNames) {
        const envName = tableSpec(table).env;
        conditional.add(envName);
        if (spec.tables[table]) {
          expected.add(envName);
          expect(env[envName]).toEqual({ Ref: logicalId(stack.tables.get(table)?.table as IConstruct) });
        }
      }
      for (const workflow of workflowNames) {
        const envName = workflowArnEnv(workflow);
        conditional.add(envName);
        const bound = [
          ...(spec.startsWorkflows ?? []),
          ...(spec.readsWorkflowHistory ?? []),
          ...(spec.readsExecutionsOf ?? []),
          ...(spec.redrivesExecutionsOf ?? []),
        ];
        if (bound.includes(workflow)) {
          expected.add(envName);
          expect(env[envName]).toEqual({
            Ref: logicalId(stack.workflows.get(workflow)?.stateMachine as IConstruct),
          });
        }
      }
      conditional.add('LEDGER_KEY_ID').add('LEDGER_KEY_FILE');
      if (spec.ledgerKey) {
        expected.add('LEDGER_KEY_ID');
        expect(env.LEDGER_KEY_ID).toEqual({ 'Fn::GetAtt': [logicalId(stack.ledgerKey), 'Arn'] });
      }
      conditional.add('SES_CONFIGURATION_SET');
      if (spec.sendsEmail) {
        expected.add('SES_CONFIGURATION_SET');
        expect(env.SES_CONFIGURATION_SET).toEqual({ Ref: logicalId(stack.configurationSet) });
      }
      if (spec.needsPublicUrl) {
        expected.add('PUBLIC_BASE_URL');
        expect(env.PUBLIC_BASE_URL).toEqual({
          'Fn::GetAtt': [logicalId(stack.api.httpApi), 'ApiEndpoint'],
        });
      }
      // Its routes, for the roles checked at its edge (the docs function: every route, to describe them).
      conditional.add('ROUTES');
      const served = spec.documentsRoutes ? system.routes : system.routes.filter((r) => r.function === name);
      if (served.some((route) => route.auth !== 'session')) {
        expected.add('ROUTES');
        expect(env.ROUTES).toBe(routesEnvironment(served));
      }
      // The local sandbox gives the function the same bound variables.
      const local = {
        ...bindingEnvironment(spec, {
          table: () => 't',
          workflow: () => 'w',
          publicBaseUrl: 'u',
          configurationSet: 'c',
          sessions: stack.api.sessionSettings(),
          ledgerKey: { LEDGER_KEY_ID: 'k' },
        }),
        ...routesOf(name, spec),
      };
      expect(Object.keys(local).sort()).toEqual([...expected].filter((key) => conditional.has(key)).sort());
      // The very routes it is handed in AWS, no more (the docs function: all of them in both).
      expect(local.ROUTES).toBe(env.ROUTES);
      // Every setting of functions/platform/config.ts that does not depend on the function is set.
      for (const key of CONFIG_KEYS) if (!conditional.has(key)) expected.add(key);
      expect(Object.keys(env).sort()).toEqual([...expected].sort());
    });
  });

  describe('least privilege', () => {
    // The local cloud enforces what infra/permissions.ts derives; AWS must grant exactly that.
    const arns = (): ResourceArns<unknown> => ({
      table: (table) => stack.resolve(stack.tables.get(table)?.table.tableArn),
      index: (table, index) => stack.resolve(`${stack.tables.get(table)?.table.tableArn}/index/${index}`),
      stateMachine: (workflow) => stack.resolve(stack.workflows.get(workflow)?.stateMachine.stateMachineArn),
      tokenIssuer: (workflow) => stack.resolve(stateMachineArnOf(stack, workflow)),
      ledgerKey: stack.resolve(stack.ledgerKey.keyArn),
      executions: (workflow) =>
        stack.resolve(
          stack.formatArn({
            service: 'states',
            resource: 'execution',
            resourceName: `${stack.workflows.get(workflow)?.stateMachine.stateMachineName}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      function: (fn) => stack.resolve(stack.functions.get(fn)?.fn.functionArn),
      emailIdentity: stack.resolve(stack.emailIdentity.emailIdentityArn),
      configurationSet: stack.resolve(
        stack.formatArn({
          service: 'ses',
          resource: 'configuration-set',
          resourceName: stack.configurationSet.configurationSetName,
        }),
      ),
      syncEventsRule: stack.resolve(
        stack.formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_EVENTS_RULE }),
      ),
      any: '*',
    });
    // Each action on each resource, with the statement's conditions (the local cloud evaluates them).
    const grants = (
      statements: { actions: readonly string[]; resources: readonly unknown[]; conditions?: unknown }[],
    ) =>
      [
        ...new Set(
          statements.flatMap((st) =>
            st.actions.flatMap((action) =>
              st.resources.map(
                (r) =>
                  `${action} ${JSON.stringify(r)}${st.conditions ? ` if ${JSON.stringify(st.conditions)}` : ''}`,
              ),
            ),
          ),
        ),
      ].sort();
    const granted = (statements: Statement[], only: RegExp) =>
      grants(
        statements.map((st) => ({
          actions: asArray(st.Action).filter((action) => only.test(action)),
          resources: asArray(st.Resource),
          ...(st.Condition ? { conditions: st.Condition } : {}),
        })),
      );

    it('compares conditions too: the link functions write under dynamodb:LeadingKeys in both', () => {
      const conditioned = (name: string) =>
        granted(statementsOf(name), /^dynamodb:PutItem$/).filter((grant) => grant.includes(' if '));
      expect(conditioned('decideApproval')).toEqual([
        expect.stringContaining('if {"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["APPROVAL#*"]}}'),
      ]);
      expect(
        grants(functionPolicy(functionSpec('decideApproval'), arns())).filter((g) =>
          g.startsWith('dynamodb:PutItem '),
        ),
      ).toEqual(conditioned('decideApproval'));
      expect(conditioned('commitFunds')).toEqual([]);
    });

    it.each(functionNames)(
      '%s is granted exactly what infra/permissions.ts derives (what runs locally)',
      (name) => {
        expect(granted(statementsOf(name), /^(?!logs:|xray:)/)).toEqual(
          grants(functionPolicy(functionSpec(name), arns())),
        );
      },
    );

    it.each(workflowNames)(
      "the %s state machine's own role is granted exactly what infra/permissions.ts derives (what runs locally)",
      (name) => {
        const spec = workflowSpec(name);
        const placeholders = placeholdersOf(JSON.stringify(spec.definition));
        const role = stack.workflows.get(name)?.stateMachine.role as IConstruct;
        // Everything but its logs and tracing: invocations, nested starts with what `.sync` needs, tables.
        expect(granted(statementsOfRole(role), /^(?!logs:|xray:)/)).toEqual(
          grants(workflowPolicy(spec, placeholders, arns())),
        );
      },
    );

    it("gives each state machine a role of its own (AWS authorizes each one's integrations apart)", () => {
      const roleArns = workflowNames.map(
        (name) => resource(stack.workflows.get(name)?.stateMachine as IConstruct).Properties.RoleArn,
      );
      expect(roleArns.every((arn) => JSON.stringify(arn).includes('Fn::GetAtt'))).toBe(true);
      expect(new Set(roleArns.map((arn) => JSON.stringify(arn))).size).toBe(workflowNames.length);
    });

    const readOnly = functionNames.filter((name) => {
      const accesses = Object.values(functionSpec(name).tables);
      return accesses.length > 0 && accesses.every((access) => access === 'read');
    });
    const tableless = functionNames.filter((name) => Object.keys(functionSpec(name).tables).length === 0);
    const writeActions = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ];

    it('has read-only functions to check', () => {
      expect(readOnly).toContain('getProposal');
    });

    it.each(readOnly)('%s cannot write to any table', (name) => {
      const actions = actionsOf(statementsOf(name));
      expect(actions).toContain('dynamodb:GetItem');
      for (const action of writeActions) expect(actions).not.toContain(action);
    });

    it.each(tableless)('%s cannot touch any table', (name) => {
      expect(actionsOf(statementsOf(name)).filter((action) => action.startsWith('dynamodb:'))).toEqual([]);
    });

    it.each(functionNames)('%s reaches only the tables, workflows and identities it lists', (name) => {
      const spec: FunctionSpec = functionSpec(name);
      const statements = statementsOf(name);
      const actions = actionsOf(statements);
      expect(actions.filter((action) => action.includes('*'))).toEqual([]);

      const tableIds = tableNames.map((table) => logicalId(stack.tables.get(table)?.table as IConstruct));
      const reachedTables = new Set(
        statements
          .filter((statement) => asArray(statement.Action).some((action) => action.startsWith('dynamodb:')))
          .flatMap((statement) => [...references(statement.Resource)]),
      );
      const listed = Object.keys(spec.tables).map((table) =>
        logicalId(stack.tables.get(table)?.table as IConstruct),
      );
      expect([...reachedTables].filter((id) => tableIds.includes(id)).sort()).toEqual(listed.sort());
      expect([...reachedTables].every((id) => tableIds.includes(id))).toBe(true);
      for (const [table, access] of Object.entries(spec.tables)) {
        const id = logicalId(stack.tables.get(table)?.table as IConstruct);
        const canWrite = statements.some(
          (statement) =>
            asArray(statement.Action).includes('dynamodb:PutItem') && references(statement.Resource).has(id),
        );
        expect(canWrite).toBe(access === 'readWrite');
      }

      const ses = statements.filter((statement) =>
        asArray(statement.Action).some((a) => a.startsWith('ses:')),
      );
      if (spec.sendsEmail) {
        expect(ses).toHaveLength(1);
        expect(asArray(ses[0]?.Action).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
        expect(references(ses[0]?.Resource)).toEqual(
          new Set(['AWS::Partition', logicalId(stack.emailIdentity), logicalId(stack.configurationSet)]),
        );
        expect(JSON.stringify(ses[0]?.Resource)).toContain(':configuration-set/');
      } else {
        expect(ses).toEqual([]);
      }

      const writes = statements.filter((statement) => asArray(statement.Action).includes('dynamodb:PutItem'));
      for (const statement of writes) {
        const table = tableNames.find((t) =>
          references(statement.Resource).has(logicalId(stack.tables.get(t)?.table as IConstruct)),
        );
        const only = table ? spec.writesOnly?.[table] : undefined;
        expect(statement.Condition).toEqual(
          only ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...only] } } : undefined,
        );
      }

      const tasks = statements.filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('states:SendTask')),
      );
      if (spec.completesTasks) {
        const { workflow, outcomes } = spec.completesTasks;
        expect(tasks).toHaveLength(1);
        expect(asArray(tasks[0]?.Action).sort()).toEqual(
          outcomes.map((outcome) => TASK_OUTCOME_ACTIONS[outcome]).sort(),
        );
        expect(tasks[0]?.Resource).toEqual({
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              `:states:eu-west-3:123456789012:stateMachine:Jif-${workflow}`,
            ],
          ],
        });
        // That ARN is the state machine's: its name is fixed.
        expect(
          resource(stack.workflows.get(workflow)?.stateMachine as IConstruct).Properties.StateMachineName,
        ).toBe(`Jif-${workflow}`);
      } else {
        expect(tasks).toEqual([]);
      }
      const starts = statements.filter((statement) =>
        asArray(statement.Action).includes('states:StartExecution'),
      );
      expect(starts.map((statement) => statement.Resource)).toEqual(
        (spec.startsWorkflows ?? []).map((workflow) => ({
          Ref: logicalId(stack.workflows.get(workflow)?.stateMachine as IConstruct),
        })),
      );
      const history = statements.filter((statement) =>
        asArray(statement.Action).includes('states:GetExecutionHistory'),
      );
      expect(history.length > 0).toBe((spec.readsWorkflowHistory ?? []).length > 0);
      // DescribeExecution and RedriveExecution: on the listed workflow's executions only.
      const executionActions = ['states:DescribeExecution', 'states:RedriveExecution'];
      const onExecutions = statements
        .filter((statement) => asArray(statement.Action).some((action) => executionActions.includes(action)))
        .flatMap((statement) => {
          expect(JSON.stringify(statement.Resource)).toContain(':execution:');
          const ids = references(statement.Resource);
          const workflow = workflowNames.find((w) =>
            ids.has(logicalId(stack.workflows.get(w)?.stateMachine as IConstruct)),
          );
          return asArray(statement.Action).map((action) => `${workflow}:${action}`);
        });
      expect(onExecutions.sort()).toEqual(
        [
          ...(spec.readsExecutionsOf ?? []).map((w) => `${w}:states:DescribeExecution`),
          ...(spec.redrivesExecutionsOf ?? []).map((w) => `${w}:states:RedriveExecution`),
        ].sort(),
      );
      // The ledger's key: GenerateMac for the appenders, VerifyMac for verification, on that key only.
      const macs = statements.filter((statement) =>
        asArray(statement.Action).some((a) => a.startsWith('kms:')),
      );
      expect(macs.flatMap((statement) => asArray(statement.Action))).toEqual(
        spec.ledgerKey ? [spec.ledgerKey === 'sign' ? 'kms:GenerateMac' : 'kms:VerifyMac'] : [],
      );
      for (const statement of macs)
        expect(statement.Resource).toEqual({ 'Fn::GetAtt': [logicalId(stack.ledgerKey), 'Arn'] });
      const other = actions.filter(
        (action) =>
          !/^(dynamodb|ses|logs|xray|kms):/.test(action) &&
          !action.startsWith('states:SendTask') &&
          !executionActions.includes(action) &&
          action !== 'states:StartExecution' &&
          action !== 'states:GetExecutionHistory',
      );
      expect(other).toEqual([]);
    });
  });

  describe('the functions behind emailed links (public routes)', () => {
    const publicFunctions = [
      ...new Set(system.routes.filter((route) => route.auth === 'public').map((route) => route.function)),
    ];
    const fundId = () => logicalId(stack.tables.get('Fund')?.table as IConstruct);

    it('are the pages and forms of sign-off and cost-report links, the assets and the API documentation', () => {
      expect(publicFunctions.sort()).toEqual(
        [
          'apiDocs',
          'decideApproval',
          'serveAsset',
          'showApproval',
          'showCostReport',
          'submitCostReport',
        ].sort(),
      );
    });

    it.each(['showApproval', 'showCostReport'])('%s only reads, and completes no task', (name) => {
      const actions = actionsOf(statementsOf(name));
      expect(actions.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual(
        [
          'dynamodb:BatchGetItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:DescribeTable',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:Scan',
        ].sort(),
      );
      expect(actions.filter((action) => !/^(dynamodb:|logs:|xray:)/.test(action))).toEqual([]);
    });

    it.each([
      ['decideApproval', 'APPROVAL#*', 'signOff', ['states:SendTaskFailure', 'states:SendTaskSuccess']],
      // The round's last report completes the evaluation's task waiting for the reports: success only.
      ['submitCostReport', 'COSTREPORT#*', 'evaluation', ['states:SendTaskSuccess']],
    ] as const)('%s may write only %s items, and complete only %s tasks', (name, keys, workflow, sends) => {
      const statements = statementsOf(name);
      const writes = statements.filter((statement) =>
        asArray(statement.Action).some((action) =>
          [
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:BatchWriteItem',
          ].includes(action),
        ),
      );
      expect(writes).toHaveLength(1);
      expect(references(writes[0]?.Resource)).toEqual(new Set([fundId()]));
      expect(writes[0]?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys] } });
      const tasks = statements.filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('states:')),
      );
      expect(tasks).toHaveLength(1);
      expect(asArray(tasks[0]?.Action).sort()).toEqual([...sends]);
      expect(JSON.stringify(tasks[0]?.Resource)).toMatch(new RegExp(`:stateMachine:Jif-${workflow}"`));
    });

    it('the key patterns are those functions/platform/keys.ts writes', () => {
      expect(approvalKey('a-1').pk).toMatch(/^APPROVAL#/);
      expect(costReportKey('r-1').pk).toMatch(/^COSTREPORT#/);
      expect(functionSpec('decideApproval').writesOnly).toEqual({ Fund: [`${KEY_PREFIX.approval}*`] });
      expect(functionSpec('submitCostReport').writesOnly).toEqual({ Fund: [`${KEY_PREFIX.costReport}*`] });
    });

    it('the task waiting for the cost reports writes only evaluation records and completes only its own tasks', () => {
      expect(evaluationKey(1).pk).toMatch(/^EVALUATION#/);
      expect(functionSpec('awaitCostReports').writesOnly).toEqual({ Fund: [`${KEY_PREFIX.evaluation}*`] });
      expect(functionSpec('awaitCostReports').completesTasks).toEqual({
        workflow: 'evaluation',
        outcomes: ['success'],
      });
      const writes = statementsOf('awaitCostReports').filter((statement) =>
        asArray(statement.Action).includes('dynamodb:UpdateItem'),
      );
      expect(writes.map((statement) => statement.Condition)).toEqual([
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EVALUATION#*'] } },
      ]);
    });
  });

  describe('HTTP API', () => {
    it('has one route per description entry', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Route', system.routes.length);
    });

    it.each(system.routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
      '%s exists with its auth type and function',
      (routeKey, route) => {
        const found = ofType('AWS::ApiGatewayV2::Route').filter(
          ([, r]) => r.Properties.RouteKey === routeKey,
        );
        expect(found).toHaveLength(1);
        const props = found[0]?.[1].Properties ?? {};
        if (route.auth === 'jwt') {
          expect(props.AuthorizationType).toBe('JWT');
          const [authorizerId] = ofType('AWS::ApiGatewayV2::Authorizer').map(([id]) => id);
          expect(props.AuthorizerId).toEqual({ Ref: authorizerId });
        } else {
          expect(props.AuthorizationType).toBe('NONE');
          expect(props.AuthorizerId).toBeUndefined();
        }
        const integrationId = [...references(props.Target)].find(
          (id) => resources[id]?.Type === 'AWS::ApiGatewayV2::Integration',
        );
        const integration = resources[integrationId ?? ''];
        expect(integration?.Properties.IntegrationUri).toEqual({
          'Fn::GetAtt': [logicalId(stack.functions.get(route.function)?.fn as IConstruct), 'Arn'],
        });
      },
    );

    it('authorizes JWTs of the user pool for its app client', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Audience: [{ Ref: logicalId(stack.api.userPoolClient) }],
          Issuer: Match.objectLike({
            'Fn::Join': ['', Match.arrayWith([{ Ref: logicalId(stack.api.userPool) }])],
          }),
        },
      });
    });

    it('has a $default stage with access logs and throttling', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
        DefaultRouteSettings: {
          ThrottlingRateLimit: Match.anyValue(),
          ThrottlingBurstLimit: Match.anyValue(),
        },
      });
    });

    it('has a user pool with the roles as groups and no self sign-up', () => {
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: { PasswordPolicy: Match.objectLike({ RequireSymbols: true, RequireUppercase: true }) },
      });
      const groups = ofType('AWS::Cognito::UserPoolGroup').map(([, group]) => group.Properties.GroupName);
      expect(groups.sort()).toEqual([...ROLES].sort());
    });

    it('outputs the API URL, the user pool and its client', () => {
      template.hasOutput('ApiUrl', {
        Value: { 'Fn::GetAtt': [logicalId(stack.api.httpApi), 'ApiEndpoint'] },
      });
      template.hasOutput('UserPoolId', { Value: { Ref: logicalId(stack.api.userPool) } });
      template.hasOutput('UserPoolClientId', { Value: { Ref: logicalId(stack.api.userPoolClient) } });
    });
  });

  describe('monitoring', () => {
    type Alarm = {
      Namespace: string;
      MetricName: string;
      Dimensions: { Name: string; Value: unknown }[];
      AlarmActions: unknown[];
      Threshold: number;
      ComparisonOperator: string;
      TreatMissingData: string;
      Statistic: string;
    };
    const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties as Alarm);
    const topicId = () => logicalId(stack.monitoring.topic);
    /** The alarm on one metric of one resource, notifying the alarm topic on a single occurrence. */
    const expectAlarm = (namespace: string, metricName: string, dimension: string, value: unknown) => {
      const found = alarms().filter(
        (alarm) =>
          alarm.Namespace === namespace &&
          alarm.MetricName === metricName &&
          JSON.stringify(alarm.Dimensions) === JSON.stringify([{ Name: dimension, Value: value }]),
      );
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        AlarmActions: [{ Ref: topicId() }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        Statistic: 'Sum',
      });
    };

    it.each(workflowNames)('alarms on failed, timed-out and aborted executions of %s', (name) => {
      const ref = { Ref: logicalId(stack.workflows.get(name)?.stateMachine as IConstruct) };
      for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
        expectAlarm('AWS/States', metric, 'StateMachineArn', ref);
      }
    });

    it.each(functionNames)('alarms on errors and throttles of %s', (name) => {
      const ref = { Ref: logicalId(stack.functions.get(name)?.fn as IConstruct) };
      expectAlarm('AWS/Lambda', 'Errors', 'FunctionName', ref);
      expectAlarm('AWS/Lambda', 'Throttles', 'FunctionName', ref);
    });

    it('alarms on API 5xx, SES bounces and complaints, and nothing else', () => {
      expectAlarm('AWS/ApiGateway', '5xx', 'ApiId', { Ref: logicalId(stack.api.httpApi) });
      const configurationSet = { Ref: logicalId(stack.configurationSet) };
      expectAlarm('AWS/SES', 'Bounce', 'ses:configuration-set', configurationSet);
      expectAlarm('AWS/SES', 'Complaint', 'ses:configuration-set', configurationSet);
      expect(alarms()).toHaveLength(workflowNames.length * 3 + functionNames.length * 2 + 3);
    });

    it('publishes SES bounces and complaints to CloudWatch by configuration set', () => {
      template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
        ConfigurationSetName: { Ref: logicalId(stack.configurationSet) },
        EventDestination: {
          Enabled: true,
          MatchingEventTypes: Match.arrayWith(['bounce', 'complaint']),
          CloudWatchDestination: {
            DimensionConfigurations: [
              {
                DimensionName: 'ses:configuration-set',
                DimensionValueSource: 'messageTag',
                DefaultDimensionValue: { Ref: logicalId(stack.configurationSet) },
              },
            ],
          },
        },
      });
    });

    it('notifies an encrypted SNS topic that CloudWatch may publish to; no subscriber unless configured', () => {
      const topic = resources[topicId()];
      const keyId = logicalId(stack.monitoring.topic.masterKey as IConstruct);
      expect(topic?.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      const keyPolicy = JSON.stringify(resources[keyId]?.Properties.KeyPolicy);
      expect(keyPolicy).toContain('cloudwatch.amazonaws.com');
      expect(resources[keyId]?.Properties.EnableKeyRotation).toBe(true);
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      template.hasOutput('AlarmTopicArn', { Value: { Ref: topicId() } });
    });

    it('has a dashboard with every alarm, workflow, function, the API and email', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      // The body is a Fn::Join of JSON text around references: joined back with the references spelt out.
      const join = ofType('AWS::CloudWatch::Dashboard')[0]?.[1].Properties.DashboardBody as {
        'Fn::Join': [string, unknown[]];
      };
      const body = join['Fn::Join'][1]
        .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)))
        .join('');
      for (const id of ofType('AWS::CloudWatch::Alarm').map(([id]) => id)) expect(body).toContain(`"${id}"`);
      for (const name of workflowNames) expect(body).toContain(`Workflow ${name}: executions`);
      for (const name of functionNames) {
        expect(body).toContain(`"${logicalId(stack.functions.get(name)?.fn as IConstruct)}"`);
      }
      for (const metric of ['5xx', 'Bounce', 'Complaint']) expect(body).toContain(`"${metric}"`);
      template.hasOutput('DashboardUrl', Match.anyValue());
    });
  });

  describe('workflows', () => {
    it('creates one standard state machine per description entry', () => {
      template.resourceCountIs('AWS::StepFunctions::StateMachine', workflowNames.length);
    });

    it.each(workflowNames)(
      '%s has every placeholder substituted with the right resource',
      (name: WorkflowName) => {
        const spec = workflowSpec(name);
        const workflow = stack.workflows.get(name);
        const { Properties: props } = resource(workflow?.stateMachine as IConstruct);
        expect(props.StateMachineType).toBe('STANDARD');
        expect(props.TracingConfiguration).toEqual({ Enabled: true });
        expect(props.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
        const logGroupId = logicalId(workflow?.logGroup as IConstruct);
        expect(props.LoggingConfiguration).toEqual(
          expect.objectContaining({
            Destinations: [
              { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } },
            ],
          }),
        );
        expect(resources[logGroupId]?.Properties).toEqual({
          LogGroupName: `/aws/vendedlogs/states/Jif-${name}`,
          RetentionInDays: 90,
        });

        const definition = props.DefinitionString as string;
        expect(typeof definition).toBe('string');
        const substitutions = props.DefinitionSubstitutions as Record<string, unknown>;
        const left = aslPlaceholders(definition).filter((placeholder) => !(placeholder in substitutions));
        expect(left).toEqual([]);
        expect(Object.keys(substitutions).sort()).toEqual(aslPlaceholders(definition).sort());

        const invoked: string[] = [];
        for (const [key, substitution] of Object.entries(spec.substitutions)) {
          if (!(key in substitutions)) continue;
          if ('function' in substitution) {
            const id = logicalId(stack.functions.get(substitution.function)?.fn as IConstruct);
            invoked.push(id);
            expect(substitutions[key]).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
          } else if ('workflow' in substitution) {
            const id = logicalId(stack.workflows.get(substitution.workflow)?.stateMachine as IConstruct);
            expect(substitutions[key]).toEqual({ Ref: id });
          } else if ('table' in substitution) {
            expect(substitutions[key]).toEqual({
              Ref: logicalId(stack.tables.get(substitution.table)?.table as IConstruct),
            });
          } else {
            expect(typeof substitutions[key]).toBe('string');
          }
        }

        const statements = statementsOfRole(workflow?.stateMachine.role as IConstruct);
        const invoke = statements.filter((statement) =>
          asArray(statement.Action).includes('lambda:InvokeFunction'),
        );
        const invokable = invoke.flatMap((statement) => asArray(statement.Resource));
        expect(invokable).toEqual([...new Set(invoked)].map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })));

        const started = statements
          .filter((statement) => asArray(statement.Action).includes('states:StartExecution'))
          .map((statement) => statement.Resource);
        expect(started).toEqual(
          (spec.nested ?? []).map((child) => ({
            Ref: logicalId(stack.workflows.get(child)?.stateMachine as IConstruct),
          })),
        );
        const events = statements.filter((statement) => asArray(statement.Action).includes('events:PutRule'));
        expect(events).toHaveLength(spec.nested?.length ? 1 : 0);
      },
    );
  });

  it('uses in each workflow definition every substitution infra/system.ts lists for it', () => {
    const unused = Annotations.fromStack(stack)
      .findWarning('*', Match.stringLikeRegexp(UNUSED_SUBSTITUTION_WARNING))
      .map((warning) => String(warning.entry.data));
    expect(unused).toEqual([]);
  });

  it('has no circular dependency between resources', () => {
    expect(findCycle(resources)).toBeUndefined();
  });

  it('passes the cdk-nag AwsSolutions checks, every exception acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    const findings = report.violations.map(
      (violation) =>
        `${violation.severity} ${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    // cdk-nag 3 reports through CDK's policy validation, not annotations; none of either kind.
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    const warnings = annotations
      .findWarning('*', Match.anyValue())
      .filter((warning) => !String(warning.entry.data).includes(UNUSED_SUBSTITUTION_WARNING));
    expect(warnings).toEqual([]);
  });
});

describe('a system description with a new function, route, workflow and schedule', () => {
  const description: SystemDescription = {
    name: 'jif',
    tables: system.tables,
    functions: {
      hello: {
        entry: 'test/infra/fixtures/handler.ts',
        description: 'GET /hello: a function behind a public route that needs the public URL',
        tables: { Fund: 'read' },
        needsPublicUrl: true,
        memoryMb: 256,
        timeoutSeconds: 3,
      },
    },
    workflows: {
      hello: {
        definition: JSON.parse(readFileSync(join(FIXTURES, 'hello.asl.json'), 'utf8')),
        description: 'Says hello',
        substitutions: {
          HelloFunctionArn: { function: 'hello' },
          FundTableName: { table: 'Fund' },
        },
      },
    } as never,
    routes: [{ method: 'GET', path: '/hello', function: 'hello' as never, auth: 'public' }],
    schedules: {
      monthly: {
        description: 'Says hello every month',
        expression: 'rate(30 days)',
        workflow: 'hello' as never,
        input: { greeting: 'hello' },
      },
    },
  };
  let app: App;
  let stack: JifStack;
  let template: Template;

  beforeAll(() => {
    ({ app, stack, template } = build({ system: description, bundling: true }));
  }, 180_000);

  it('bundles the function with esbuild into a loadable ES module', async () => {
    const fn = stack.functions.get('hello');
    const { Properties: props } = template.toJSON().Resources[logicalId(fn?.fn as IConstruct)] as Resource;
    expect(props).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 3,
    });
    const key = (props.Code as { S3Key: string }).S3Key;
    const bundle = join(app.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    const module = (await import(pathToFileURL(bundle).href)) as { handler: () => Promise<{ body: string }> };
    expect(JSON.parse((await module.handler()).body)).toEqual({ roles: [...ROLES] });
  }, 30_000);

  it('gives a routed function the public URL without a circular dependency', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PUBLIC_BASE_URL: { 'Fn::GetAtt': [logicalId(stack.api.httpApi), 'ApiEndpoint'] },
        }),
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /hello',
      AuthorizationType: 'NONE',
    });
    expect(findCycle(template.toJSON().Resources)).toBeUndefined();
  });

  it('substitutes functions and tables into the workflow and lets it use the table', () => {
    const workflow = stack.workflows.get('hello');
    const { Properties: props } = template.toJSON().Resources[
      logicalId(workflow?.stateMachine as IConstruct)
    ] as Resource;
    expect(props.DefinitionSubstitutions).toEqual({
      HelloFunctionArn: { 'Fn::GetAtt': [logicalId(stack.functions.get('hello')?.fn as IConstruct), 'Arn'] },
      FundTableName: { Ref: logicalId(stack.tables.get('Fund')?.table as IConstruct) },
    });
  });

  it('schedules the workflow with a role that may start only that workflow', () => {
    const stateMachineId = logicalId(stack.workflows.get('hello')?.stateMachine as IConstruct);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(30 days)',
      Target: {
        Arn: { Ref: stateMachineId },
        Input: JSON.stringify({ greeting: 'hello' }),
        RoleArn: Match.anyValue(),
      },
    });
    const roleId = [
      ...references(template.findResources('AWS::Scheduler::Schedule') as Record<string, Resource>),
    ].find((id) => id.includes('MonthlyScheduleRole'));
    expect(roleId).toBeDefined();
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy') as Record<string, Resource>,
    ).filter((policy) => references(policy.Properties.Roles).has(roleId ?? ''));
    const statements = policies.flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    expect(statements).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: stateMachineId } },
    ]);
  });

  it('passes the cdk-nag AwsSolutions checks too', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});

describe('props', () => {
  it('alarmEmail subscribes that address to the alarm topic', () => {
    const { stack, template } = build({ alarmEmail: 'oncall@fund.example' });
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@fund.example',
      TopicArn: { Ref: logicalId(stack.monitoring.topic) },
    });
    expect(() => build({ alarmEmail: 'not an address' })).toThrow(/alarmEmail 'not an address'/);
  }, 120_000);

  it('publicBaseUrl overrides the API endpoint in the links of emails', () => {
    const { stack, template } = build({ publicBaseUrl: 'https://jif.fund.example/' });
    const requestSignOff = stack.functions.get('requestSignOff');
    const { Properties: props } = template.toJSON().Resources[
      logicalId(requestSignOff?.fn as IConstruct)
    ] as Resource;
    expect((props.Environment as { Variables: Record<string, unknown> }).Variables.PUBLIC_BASE_URL).toBe(
      'https://jif.fund.example',
    );
    template.hasOutput('PublicBaseUrl', { Value: 'https://jif.fund.example' });
  });
});

describe('mistakes the builder refuses', () => {
  it('a function starting a workflow that invokes it (a circular dependency)', () => {
    const loop: SystemDescription = {
      ...system,
      functions: {
        ...system.functions,
        requestSignOff: { ...system.functions.requestSignOff, startsWorkflows: ['approval'] },
      },
    };
    expect(() => build({ system: loop })).toThrow(/requestSignOff starts workflow approval.*circular/);
  });

  it('a workflow definition with a placeholder the description does not substitute', () => {
    const swapped: SystemDescription = {
      ...system,
      workflows: { ...system.workflows, signOff: { ...system.workflows.signOff, definition: approval } },
    };
    expect(() => build({ system: swapped })).toThrow(
      /Workflow signOff: its definition uses \$\{SignOffStateMachineArn\}/,
    );
  });

  it('an email sender outside the SES domain', () => {
    expect(() => build({ emailFrom: 'jif@elsewhere.example' })).toThrow(/not an address of the SES domain/);
  });
});
