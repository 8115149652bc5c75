/**
 * The one description of JIF: tables, functions, HTTP routes, workflows and schedules.
 * `infra/aws` turns it into CDK constructs; `infra/local` into the embedded cloud.
 * Adding a function or a route is one entry here (routes live in routes.ts); both builders follow.
 */
import { KEY_PREFIX } from '../functions/platform/keys.ts';
import * as definitions from '../workflows/index.ts';
import type { StateMachine } from '../workflows/kit.ts';
import { type RouteSpec, routes, routesEnvironment } from './routes.ts';

export interface KeySpec {
  partitionKey: string;
  sortKey?: string;
}
export interface IndexSpec extends KeySpec {
  name: string;
}
export interface TableSpec extends KeySpec {
  /** Environment variable through which functions learn the physical table name. */
  env: string;
  indexes: IndexSpec[];
  /** Attribute holding an epoch-seconds expiry (AWS TTL; the local database keeps the items). */
  timeToLiveAttribute?: string;
}

export type TableAccess = 'read' | 'readWrite';

export interface FunctionSpec {
  /** Module (relative to the repository root) exporting `handler`. */
  entry: string;
  description: string;
  tables: Partial<Record<TableName, TableAccess>>;
  /** Sends mail through SES. */
  sendsEmail?: boolean;
  /** Workflows this function starts (states:StartExecution). */
  startsWorkflows?: readonly string[];
  /** Completes callback tasks: only those of one workflow, only with the outcomes it sends. */
  completesTasks?: TaskCompletion;
  /**
   * The only items it may write, per table: partition key patterns (IAM `StringLike`, built from
   * functions/platform/keys.ts). AWS enforces them with `ForAllValues:StringLike` on the condition key
   * `dynamodb:LeadingKeys`. Absent: any item of a `readWrite` table.
   */
  writesOnly?: Partial<Record<TableName, readonly string[]>>;
  /** Workflows whose executions this function reads (states:DescribeExecution on their executions). */
  readsExecutionsOf?: readonly string[];
  /** Workflows whose failed executions this function redrives (states:RedriveExecution on them). */
  redrivesExecutionsOf?: readonly string[];
  /** Needs the public base URL of the API (to build links in emails). */
  needsPublicUrl?: boolean;
  /** Verifies the pages' session cookie (the identity provider's settings, AUTH_*). */
  verifiesSessions?: boolean;
  /** Reads these workflows' execution histories (states:GetExecutionHistory). */
  readsWorkflowHistory?: readonly string[];
  /** Is handed every API route, not only its own (`ROUTES`), to describe them (the OpenAPI document). */
  documentsRoutes?: boolean;
  /** Seals ledger records (`sign`: kms:GenerateMac) or checks their seals (`verify`: kms:VerifyMac). */
  ledgerKey?: 'sign' | 'verify';
  /** Lambda timeout; both builders use `limitsOf` (default DEFAULT_TIMEOUT_SECONDS). */
  timeoutSeconds?: number;
  /** Lambda memory; both builders use `limitsOf` (default DEFAULT_MEMORY_MB). */
  memoryMb?: number;
}

export type TaskOutcome = 'success' | 'failure';
/** Which callback tasks a function completes, and how. */
export interface TaskCompletion {
  /**
   * The workflow whose `.waitForTaskToken` tasks issue the tokens the function holds. In AWS its
   * SendTask* calls are allowed on that state machine only (IAM authorizes them against the ARN of
   * the state machine that issued the token).
   */
  workflow: string;
  /** `success`: states:SendTaskSuccess; `failure`: states:SendTaskFailure. No heartbeats. */
  outcomes: readonly TaskOutcome[];
}
/** The IAM action of each task outcome. */
export const TASK_OUTCOME_ACTIONS: Readonly<Record<TaskOutcome, string>> = {
  success: 'states:SendTaskSuccess',
  failure: 'states:SendTaskFailure',
};

export type { HttpMethod, RouteSpec } from './routes.ts';

export type Substitution = { function: string } | { workflow: string } | { table: TableName };

/** A function's timeout when its entry names none: AWS and the local sandbox alike. */
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** A function's memory when its entry names none: AWS and the local sandbox alike. */
export const DEFAULT_MEMORY_MB = 512;

/** The one timeout and memory size of a function, read by both builders. */
export function limitsOf(spec: FunctionSpec): { timeoutSeconds: number; memoryMb: number } {
  return {
    timeoutSeconds: spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    memoryMb: spec.memoryMb ?? DEFAULT_MEMORY_MB,
  };
}

/** Physical names the builders give the resources a function is bound to. */
export interface ResourceNames {
  table(name: TableName): string;
  workflow(name: WorkflowName): string;
  publicBaseUrl: string;
  /** The SES configuration set of functions that send mail. */
  configurationSet: string;
  /** The identity provider's settings (AUTH_*) for functions that verify sessions. */
  sessions: Readonly<Record<string, string>>;
  /** Where the ledger's seal key is (`LEDGER_KEY_ID` in AWS, `LEDGER_KEY_FILE` locally). */
  ledgerKey: Readonly<Record<string, string>>;
}

/**
 * The environment variables a function's bindings give it (the AWS builder sets the same ones in
 * its bind methods; test/infra checks the template against this): a function learns the name of
 * a resource only when it may use it.
 */
export function bindingEnvironment(spec: FunctionSpec, names: ResourceNames): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const table of Object.keys(spec.tables) as TableName[])
    environment[tables[table].env] = names.table(table);
  for (const workflow of (spec.startsWorkflows ?? []) as WorkflowName[])
    environment[workflowArnEnv(workflow)] = names.workflow(workflow);
  if (spec.needsPublicUrl) environment.PUBLIC_BASE_URL = names.publicBaseUrl;
  for (const workflow of (spec.readsWorkflowHistory ?? []) as WorkflowName[])
    environment[workflowArnEnv(workflow)] = names.workflow(workflow);
  for (const workflow of [
    ...(spec.readsExecutionsOf ?? []),
    ...(spec.redrivesExecutionsOf ?? []),
  ] as WorkflowName[])
    environment[workflowArnEnv(workflow)] = names.workflow(workflow);
  if (spec.ledgerKey) Object.assign(environment, names.ledgerKey);
  if (spec.sendsEmail) environment.SES_CONFIGURATION_SET = names.configurationSet;
  if (spec.verifiesSessions) Object.assign(environment, names.sessions);
  return environment;
}

/** `ROUTES`: the routes a function serves (its roles checked at the edge), or all for the API's documentation. */
export function routesOf(
  name: string,
  spec: FunctionSpec,
  served: readonly RouteSpec[] = routes,
): { ROUTES?: string } {
  const handed = spec.documentsRoutes ? served : served.filter((route) => route.function === name);
  return handed.some((route) => route.auth !== 'session') ? { ROUTES: routesEnvironment(handed) } : {};
}

export interface WorkflowSpec {
  /** The state machine (JSONPath ASL with `${Name}` placeholders), written in `workflows/`. */
  definition: StateMachine;
  description: string;
  substitutions: Record<string, Substitution>;
  /** Workflows this one starts as nested executions. */
  nested?: readonly string[];
}

export interface ScheduleSpec {
  description: string;
  /** EventBridge Scheduler rate expression, `rate(N minutes|hours|days)`; the local cloud runs it too. */
  expression: `rate(${number} ${'minute' | 'minutes' | 'hour' | 'hours' | 'day' | 'days'})`;
  workflow: WorkflowName;
  input: Record<string, unknown>;
}

const tables = {
  Fund: {
    env: 'FUND_TABLE_NAME',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
      { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
      { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
    ],
  },
  Idempotency: {
    env: 'IDEMPOTENCY_TABLE_NAME',
    partitionKey: 'id',
    indexes: [],
    timeToLiveAttribute: 'expiration',
  },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof tables;

const functions = {
  submitProposal: {
    entry: 'functions/proposals/handlers/submit-proposal.ts',
    description: 'POST /proposals: validates and stores a proposal, starts its approval workflow',
    tables: { Fund: 'readWrite', Idempotency: 'readWrite' },
    startsWorkflows: ['approval'],
  },
  getProposal: {
    entry: 'functions/proposals/handlers/get-proposal.ts',
    description: 'GET /proposals/{id}: a proposal with sign-offs, money, timeline and its workflow status',
    tables: { Fund: 'read' },
    readsExecutionsOf: ['approval'],
  },
  redriveProposal: {
    entry: 'functions/proposals/handlers/redrive-proposal.ts',
    description:
      'POST /proposals/{id}/redrive: redrives a failed approval workflow from the state that failed',
    tables: { Fund: 'read' },
    readsExecutionsOf: ['approval'],
    redrivesExecutionsOf: ['approval'],
  },
  listProposals: {
    entry: 'functions/proposals/handlers/list-proposals.ts',
    description: 'GET /proposals: newest first, paginated',
    tables: { Fund: 'read' },
  },
  showApproval: {
    entry: 'functions/sign-off/handlers/show-approval.ts',
    description: 'GET /approvals/{approvalId}: the confirmation page (never decides)',
    tables: { Fund: 'read' },
  },
  decideApproval: {
    entry: 'functions/sign-off/handlers/decide-approval.ts',
    description: 'POST /approvals/{approvalId}: records a decision and completes the waiting task',
    tables: { Fund: 'readWrite' },
    completesTasks: { workflow: 'signOff', outcomes: ['success', 'failure'] },
    // A public link: it may change sign-off requests only, nothing else of the fund.
    writesOnly: { Fund: [`${KEY_PREFIX.approval}*`] },
  },
  requestSignOff: {
    entry: 'functions/sign-off/handlers/request-sign-off.ts',
    description: 'Workflow callback task: records a sign-off request and emails its link',
    tables: { Fund: 'readWrite' },
    sendsEmail: true,
    // A request decided while no task waited completes the new task at once (SendTask*).
    completesTasks: { workflow: 'signOff', outcomes: ['success', 'failure'] },
    needsPublicUrl: true,
  },
  closeSignOff: {
    entry: 'functions/sign-off/handlers/close-sign-off.ts',
    description:
      'Workflow task: expires or withdraws open sign-off requests of a subject, telling the withdrawn side',
    tables: { Fund: 'readWrite' },
    sendsEmail: true,
    // Withdrawing a request fails its waiting task.
    completesTasks: { workflow: 'signOff', outcomes: ['failure'] },
    // The withdrawal email links to the request's page.
    needsPublicUrl: true,
  },
  recordProposalOutcome: {
    entry: 'functions/proposals/handlers/record-proposal-outcome.ts',
    description: 'Workflow task: moves a proposal to its next status and tells the port authority',
    tables: { Fund: 'readWrite' },
    sendsEmail: true,
    // Its emails link to the proposal's page.
    needsPublicUrl: true,
  },
  commitFunds: {
    entry: 'functions/funding/handlers/commit-funds.ts',
    description:
      'Workflow task: commits a proposal funding line against its fund-year envelope (the first records APPROVED)',
    // Sends nothing: the FUNDED email (proposals/outcomes.ts) says what was committed.
    tables: { Fund: 'readWrite' },
  },
  releaseCommitment: {
    entry: 'functions/funding/handlers/release-commitment.ts',
    description: 'Workflow task: compensates a partial commitment',
    tables: { Fund: 'readWrite' },
  },
  disburseFunds: {
    entry: 'functions/funding/handlers/disburse-funds.ts',
    description:
      'Workflow task: releases due investment money into the hash-chained ledger (for the approval flow, then records FUNDED)',
    tables: { Fund: 'readWrite' },
    sendsEmail: true,
    // A payer may append the batch of pending payments, or wait (up to 20 s) while another does.
    timeoutSeconds: 30,
    // Its emails link to the proposal's page.
    needsPublicUrl: true,
    ledgerKey: 'sign',
  },
  listDueFunds: {
    entry: 'functions/funding/handlers/list-due-funds.ts',
    description:
      'Workflow task: the proposals with committed investment due (a query on the due index, never every funded proposal)',
    tables: { Fund: 'read' },
  },
  getFund: {
    entry: 'functions/finance/handlers/get-fund.ts',
    description: 'GET /fund: per fund year cap, committed, disbursed, remaining',
    tables: { Fund: 'read' },
  },
  listDisbursements: {
    entry: 'functions/finance/handlers/list-disbursements.ts',
    description: 'GET /disbursements: filtered, paginated, JSON or CSV',
    tables: { Fund: 'read' },
  },
  verifyLedger: {
    entry: 'functions/finance/handlers/verify-ledger.ts',
    description: 'GET /ledger/verify: walks the hash chain',
    tables: { Fund: 'read' },
    ledgerKey: 'verify',
    // Walks the whole ledger (bounded memory): 100,000 records in well under the API's 30 s.
    timeoutSeconds: 29,
  },
  startEvaluation: {
    entry: 'functions/evaluation/handlers/start-evaluation.ts',
    description:
      "POST /evaluations: claims a fund year's evaluation and starts its workflow (or redrives a failed round)",
    tables: { Fund: 'readWrite' },
    startsWorkflows: ['evaluation'],
    readsExecutionsOf: ['evaluation'],
    redrivesExecutionsOf: ['evaluation'],
  },
  getEvaluation: {
    entry: 'functions/evaluation/handlers/get-evaluation.ts',
    description: 'GET /evaluations/{fundYear}: the evaluation report, JSON or HTML, with its workflow status',
    tables: { Fund: 'read' },
    readsExecutionsOf: ['evaluation'],
  },
  showCostReport: {
    entry: 'functions/evaluation/handlers/show-cost-report.ts',
    description: 'GET /cost-reports/{reportId}: the cost report form (never records anything)',
    tables: { Fund: 'read' },
  },
  submitCostReport: {
    entry: 'functions/evaluation/handlers/submit-cost-report.ts',
    description:
      'POST /cost-reports/{reportId}: records (or corrects, until every report is in or the deadline) the actual annual cost',
    tables: { Fund: 'readWrite' },
    // A public link: it may change cost reports only, nothing else of the fund.
    writesOnly: { Fund: [`${KEY_PREFIX.costReport}*`] },
    // The round's last report completes the evaluation's task waiting for the reports.
    completesTasks: { workflow: 'evaluation', outcomes: ['success'] },
  },
  prepareEvaluation: {
    entry: 'functions/evaluation/handlers/prepare-evaluation.ts',
    description: "Workflow task: claims a fund year's evaluation (or finds none due) and lists its projects",
    tables: { Fund: 'readWrite' },
  },
  requestCostReport: {
    entry: 'functions/evaluation/handlers/request-cost-report.ts',
    description: 'Workflow task: records a cost report request and emails its link',
    tables: { Fund: 'readWrite' },
    sendsEmail: true,
    needsPublicUrl: true,
  },
  remindCostReports: {
    entry: 'functions/evaluation/handlers/remind-cost-reports.ts',
    description: 'Workflow task: reminds the port authority of each cost report still missing, once',
    tables: { Fund: 'readWrite' },
    sendsEmail: true,
    needsPublicUrl: true,
  },
  awaitCostReports: {
    entry: 'functions/evaluation/handlers/await-cost-reports.ts',
    description:
      "Workflow callback task: stores the token of the wait for a round's cost reports; completes it when every report is in",
    tables: { Fund: 'readWrite' },
    // It writes the task token on the round's record only.
    writesOnly: { Fund: [`${KEY_PREFIX.evaluation}*`] },
    // Every report already in (the last came before the token): it completes its own task.
    completesTasks: { workflow: 'evaluation', outcomes: ['success'] },
  },
  closeCostReports: {
    entry: 'functions/evaluation/handlers/close-cost-reports.ts',
    description:
      "Workflow task: once every report is in or at the deadline, closes a round's cost reports; a missing one expires and its port authority is told",
    tables: { Fund: 'readWrite' },
    sendsEmail: true,
  },
  summariseEvaluation: {
    entry: 'functions/evaluation/handlers/summarise-evaluation.ts',
    description: "Workflow task: sets an evaluation's lines (funded, actual, next-year tranche)",
    tables: { Fund: 'readWrite' },
  },
  releaseRunningCostTranches: {
    entry: 'functions/evaluation/handlers/release-running-cost-tranches.ts',
    description: "Workflow task: pays an approved evaluation's next-year running-cost tranches, once",
    tables: { Fund: 'readWrite' },
    sendsEmail: true,
    timeoutSeconds: 60,
    // Its emails link to the proposal's page.
    needsPublicUrl: true,
    ledgerKey: 'sign',
  },
  recordEvaluationOutcome: {
    entry: 'functions/evaluation/handlers/record-evaluation-outcome.ts',
    description: "Workflow task: records how an evaluation's sign-off ended",
    tables: { Fund: 'readWrite' },
  },
  portal: {
    entry: 'functions/pages/handlers/portal.ts',
    description:
      'The pages people sign in to: home, sign-in, proposals, finance, evaluations (calls the API with the session)',
    tables: {},
    needsPublicUrl: true,
    verifiesSessions: true,
    readsWorkflowHistory: ['approval'],
    timeoutSeconds: 15,
  },
  apiDocs: {
    entry: 'functions/pages/handlers/api-docs.ts',
    description:
      'GET /openapi.json and GET /docs: the OpenAPI 3.1 document, generated from the routes and schemas',
    tables: {},
    documentsRoutes: true,
  },
  serveAsset: {
    entry: 'functions/pages/handlers/serve-asset.ts',
    description: 'GET /assets/{file}: the stylesheet of every page',
    tables: {},
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

const workflows = {
  signOff: {
    definition: definitions.signOff,
    description: 'One authority signs one subject off: request, two reminders, deputy, expiry',
    substitutions: {
      RequestSignOffFunctionArn: { function: 'requestSignOff' },
      CloseSignOffFunctionArn: { function: 'closeSignOff' },
    },
  },
  approval: {
    definition: definitions.approval,
    description: 'A proposal from intake to a decision: road authority, UK and FR sign-off, funding',
    substitutions: {
      SignOffStateMachineArn: { workflow: 'signOff' },
      CloseSignOffFunctionArn: { function: 'closeSignOff' },
      RecordProposalOutcomeFunctionArn: { function: 'recordProposalOutcome' },
      CommitFundsFunctionArn: { function: 'commitFunds' },
      ReleaseCommitmentFunctionArn: { function: 'releaseCommitment' },
      DisburseFundsFunctionArn: { function: 'disburseFunds' },
    },
    nested: ['signOff'],
  },
  releaseDueFunds: {
    definition: definitions.releaseDueFunds,
    description: 'Daily: pays the committed investment that has become due (its fund year has opened)',
    substitutions: {
      ListDueFundsFunctionArn: { function: 'listDueFunds' },
      DisburseFundsFunctionArn: { function: 'disburseFunds' },
    },
  },
  evaluation: {
    definition: definitions.evaluation,
    description:
      'The annual security-cost evaluation of a fund year: cost reports, next-year tranches, UK and FR sign-off, release',
    substitutions: {
      PrepareEvaluationFunctionArn: { function: 'prepareEvaluation' },
      RequestCostReportFunctionArn: { function: 'requestCostReport' },
      AwaitCostReportsFunctionArn: { function: 'awaitCostReports' },
      RemindCostReportsFunctionArn: { function: 'remindCostReports' },
      CloseCostReportsFunctionArn: { function: 'closeCostReports' },
      SummariseEvaluationFunctionArn: { function: 'summariseEvaluation' },
      SignOffStateMachineArn: { workflow: 'signOff' },
      CloseSignOffFunctionArn: { function: 'closeSignOff' },
      ReleaseRunningCostTranchesFunctionArn: { function: 'releaseRunningCostTranches' },
      RecordEvaluationOutcomeFunctionArn: { function: 'recordEvaluationOutcome' },
    },
    nested: ['signOff'],
  },
} as const satisfies Record<string, WorkflowSpec>;

export type WorkflowName = keyof typeof workflows;

const schedules: Record<string, ScheduleSpec> = {
  releaseDueFunds: {
    description: 'Every day: pay what has become due (a later fund year has opened)',
    expression: 'rate(1 day)',
    workflow: 'releaseDueFunds',
    input: {},
  },
  evaluation: {
    description:
      'Every day: starts the evaluation of a fund year that ends within the next 30 days and has none yet (else ends at once)',
    expression: 'rate(1 day)',
    workflow: 'evaluation',
    input: { scheduled: true },
  },
};

/**
 * Names between entries are plain strings (typing them against each other would be circular);
 * this check, run at load and by the tests, refuses a reference to an entry that does not exist.
 */
export function checkReferences(): string[] {
  const problems: string[] = [];
  const fnNames = new Set(Object.keys(functions));
  const wfNames = new Set(Object.keys(workflows));
  for (const [name, spec] of Object.entries(functions) as [string, FunctionSpec][]) {
    for (const wf of [
      ...(spec.startsWorkflows ?? []),
      ...(spec.readsWorkflowHistory ?? []),
      ...(spec.readsExecutionsOf ?? []),
      ...(spec.redrivesExecutionsOf ?? []),
    ])
      if (!wfNames.has(wf)) problems.push(`function ${name}: no workflow ${wf}`);
    if (spec.completesTasks && !wfNames.has(spec.completesTasks.workflow))
      problems.push(`function ${name}: completes tasks of no workflow ${spec.completesTasks.workflow}`);
    for (const table of Object.keys(spec.writesOnly ?? {}) as TableName[])
      if (spec.tables[table] !== 'readWrite')
        problems.push(`function ${name}: writesOnly on ${table}, not written`);
  }
  for (const route of routes) {
    if (!fnNames.has(route.function))
      problems.push(`route ${route.method} ${route.path}: no function ${route.function}`);
  }
  for (const [name, spec] of Object.entries(workflows) as [string, WorkflowSpec][]) {
    for (const [key, sub] of Object.entries(spec.substitutions)) {
      if ('function' in sub && !fnNames.has(sub.function))
        problems.push(`workflow ${name}: ${key}: no function ${sub.function}`);
      if ('workflow' in sub && !wfNames.has(sub.workflow))
        problems.push(`workflow ${name}: ${key}: no workflow ${sub.workflow}`);
    }
    for (const child of spec.nested ?? [])
      if (!wfNames.has(child)) problems.push(`workflow ${name}: no nested ${child}`);
  }
  for (const [name, schedule] of Object.entries(schedules)) {
    if (!wfNames.has(schedule.workflow)) problems.push(`schedule ${name}: no workflow ${schedule.workflow}`);
  }
  return problems;
}

const problems = checkReferences();
if (problems.length > 0) throw new Error(`infra/system.ts is inconsistent: ${problems.join('; ')}`);

export const system = { name: 'jif', tables, functions, workflows, routes, schedules } as const;

export const tableNames = Object.keys(tables) as TableName[];
export const functionNames = Object.keys(functions) as FunctionName[];
export const workflowNames = Object.keys(workflows) as WorkflowName[];

export function functionSpec(name: FunctionName): FunctionSpec {
  return functions[name];
}
export function workflowSpec(name: WorkflowName): WorkflowSpec {
  return workflows[name];
}
export function tableSpec(name: TableName): TableSpec {
  return tables[name];
}

/** Environment variable carrying a workflow's ARN to the functions that start it. */
export function workflowArnEnv(name: WorkflowName): string {
  return `${name.replace(/[A-Z]/g, (c: string) => `_${c}`).toUpperCase()}_STATE_MACHINE_ARN`;
}
