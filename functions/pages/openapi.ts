/**
 * The API's OpenAPI 3.1 description, generated: the paths are the routes of the system description
 * (infra/routes.ts, handed to the docs function in `ROUTES`), and the request bodies are the very zod schemas the handlers validate with
 * (`z.toJSONSchema`), so the document cannot drift from what the API accepts. Served as
 * GET /openapi.json and, rendered on the server (no script, no CDN), as GET /docs.
 */
import * as z from 'zod/mini';
import type { Route } from '../platform/routes.ts';
import { CATEGORIES, FUNDING_PURPOSES } from '../proposals/domain/categories.ts';
import { evaluationStartSchema, proposalInputSchema } from '../proposals/domain/proposal.ts';
import { PROPOSAL_STATUSES } from '../proposals/domain/statuses.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Operation {
  summary: string;
  description?: string;
  query?: [name: string, description: string, schema?: Json][];
  body?: 'ProposalInput' | 'EvaluationStart' | 'DecisionForm' | 'CostReportForm';
  /** Status codes besides the common ones, with what they mean. */
  responses: Record<string, string>;
  produces?: string[];
}

const fundYear: Json = { type: 'integer', minimum: 1, maximum: 3 };
const enumOf = (values: readonly string[]): Json => ({ type: 'string', enum: [...values] });

/** What each API route does. A test checks that every route of the description is here. */
export const OPERATIONS: Record<string, Operation> = {
  'POST /proposals': {
    summary: 'Submit a proposal',
    description:
      'Starts its approval workflow. Honours an `Idempotency-Key` header: a retry returns the first answer and creates nothing.',
    body: 'ProposalInput',
    responses: {
      '201': '`{proposalId, status}` and a `Location` header',
      '400': 'every offending field listed',
    },
  },
  'GET /proposals/{id}': {
    summary: 'A proposal: status, sign-offs, commitments, disbursements, timeline, workflow status',
    responses: { '200': 'the proposal', '404': 'no such proposal (or not yours)' },
  },
  'POST /proposals/{id}/redrive': {
    summary: 'Redrive a proposal whose workflow failed, from the state that failed',
    responses: { '202': 'redriven', '404': 'no such proposal', '409': 'its workflow has not failed' },
  },
  'GET /proposals': {
    summary: 'Proposals, newest first, paginated',
    query: [
      ['status', 'filter by status', enumOf(PROPOSAL_STATUSES)],
      ['category', 'filter by category', enumOf(CATEGORIES)],
      ['fundYear', 'filter by fund year', fundYear],
      ['limit', 'page size'],
      ['cursor', 'the `nextCursor` of the previous page'],
    ],
    responses: { '200': '`{items, nextCursor}`', '400': 'an unknown or invalid filter' },
  },
  'GET /approvals/{approvalId}': {
    summary: 'The sign-off page an emailed link opens (never decides)',
    query: [
      ['token', 'the token of the emailed link'],
      ['lang', '`en` or `fr`'],
    ],
    responses: { '200': 'an HTML page', '404': 'bad link', '409': 'already decided', '410': 'expired' },
    produces: ['text/html'],
  },
  'HEAD /approvals/{approvalId}': {
    summary: 'As GET, without a body (mail scanners)',
    query: [['token', 'the token of the emailed link']],
    responses: { '200': 'headers only' },
    produces: ['text/html'],
  },
  'POST /approvals/{approvalId}': {
    summary: 'Record a sign-off decision',
    body: 'DecisionForm',
    responses: { '200': 'an HTML receipt', '404': 'bad link', '409': 'already decided', '410': 'expired' },
    produces: ['text/html'],
  },
  'GET /fund': {
    summary: 'Per fund year: cap, committed, disbursed, remaining (EUR cents and GBP pence)',
    responses: { '200': '`{years: [...]}`' },
  },
  'GET /disbursements': {
    summary: 'Disbursements, filtered and paginated; JSON or CSV',
    query: [
      ['fundYear', 'fund year', fundYear],
      ['category', 'category', enumOf(CATEGORIES)],
      ['purpose', 'purpose', enumOf(FUNDING_PURPOSES)],
      ['proposalId', 'one proposal'],
      ['from', 'ISO date, inclusive'],
      ['to', 'ISO date, inclusive'],
      ['limit', 'page size'],
      ['cursor', 'the `nextCursor` of the previous page'],
      ['format', '`csv` for CSV (also `Accept: text/csv`)'],
    ],
    responses: { '200': '`{items, totals, nextCursor}` or CSV', '400': 'an invalid filter' },
    produces: ['application/json', 'text/csv'],
  },
  'GET /ledger/verify': {
    summary: "Verify the disbursement ledger's hash chain",
    query: [['witness', '`SEQ:HASH` of a record an email named, to prove it is still there unchanged']],
    responses: { '200': '`{ok, records, head}`' },
  },
  'POST /evaluations': {
    summary: "Start a fund year's annual security-cost evaluation",
    body: 'EvaluationStart',
    description:
      'Starts round 1, or, after a round that left projects undecided (`REJECTED`, `EXPIRED`, `PARTLY_APPROVED`), the next round for those projects; while a round runs, answers it. A start before the evaluation opens (30 days before the fund year ends) is recorded as early in the report, with the `reason` if one is given.',
    responses: {
      '202': '`{fundYear, round, status, evaluationId}`: the round started, or the one running',
      '400': 'not an evaluated year, or not begun',
      '409': 'already approved (or no project to evaluate)',
    },
  },
  'GET /evaluations/{fundYear}': {
    summary: 'An evaluation report (JSON, or HTML with `Accept: text/html`)',
    responses: { '200': 'the report', '404': 'not started' },
    produces: ['application/json', 'text/html'],
  },
  'GET /cost-reports/{reportId}': {
    summary: 'The cost report form an emailed link opens (records nothing)',
    query: [
      ['token', 'the token of the emailed link'],
      ['lang', '`en` or `fr`'],
    ],
    responses: {
      '200': 'an HTML form',
      '404': 'bad link',
      '410': 'past the deadline (the cost last sent stands)',
    },
    produces: ['text/html'],
  },
  'HEAD /cost-reports/{reportId}': {
    summary: 'As GET, without a body (mail scanners)',
    query: [['token', 'the token of the emailed link']],
    responses: { '200': 'headers only' },
    produces: ['text/html'],
  },
  'POST /cost-reports/{reportId}': {
    summary:
      "Report (or correct, until every report is in or the deadline) a project's actual annual security cost",
    body: 'CostReportForm',
    responses: {
      '200': 'an HTML receipt',
      '400': 'the form again, with the problems (not an amount, above the fund’s yearly cap)',
      '422': 'the form again, asking to confirm a cost more than twice the commitment',
      '404': 'bad link',
      '410': 'past the deadline',
    },
    produces: ['text/html'],
  },
  'GET /assets/{file}': {
    summary: "The pages' stylesheet",
    responses: { '200': 'text/css', '404': 'no such file' },
    produces: ['text/css'],
  },
  'GET /openapi.json': { summary: 'This document', responses: { '200': 'OpenAPI 3.1' } },
  'GET /docs': {
    summary: 'This document as a page',
    responses: { '200': 'an HTML page' },
    produces: ['text/html'],
  },
};

const jsonSchema = (schema: z.ZodMiniType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    Json
  >;
  return rest;
};

/** `routes`: what the document covers, the API's and the links' (not the signed-in pages). */
export function openApiDocument(routes: readonly Route[]): Record<string, Json> {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    const op = OPERATIONS[key];
    if (!op) throw new Error(`No OpenAPI description for ${key}`);
    const parameters: Json[] = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
        name: name ?? '',
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...(op.query ?? []).map(([name, description, schema]) => ({
        name,
        in: 'query',
        required: false,
        description,
        schema: schema ?? { type: 'string' },
      })),
    ];
    const produces = op.produces ?? ['application/json'];
    const responses: Record<string, Json> = {};
    for (const [status, description] of Object.entries(op.responses)) {
      const failed = Number(status) >= 400;
      const content: Record<string, Json> = {};
      for (const type of failed && produces.includes('application/json') ? ['application/json'] : produces)
        content[type] =
          failed && type === 'application/json' ? { schema: { $ref: '#/components/schemas/Error' } } : {};
      responses[status] = { description, content };
    }
    if (route.auth === 'jwt') {
      responses['401'] = { description: 'missing or invalid bearer token' };
      if (route.roles)
        responses['403'] = { description: `needs one of the roles: ${route.roles.join(', ')}` };
    }
    const body: Json =
      op.body === 'ProposalInput' || op.body === 'EvaluationStart'
        ? {
            required: true,
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.body}` } } },
          }
        : op.body
          ? {
              required: true,
              content: {
                'application/x-www-form-urlencoded': { schema: { $ref: `#/components/schemas/${op.body}` } },
                'multipart/form-data': { schema: { $ref: `#/components/schemas/${op.body}` } },
              },
            }
          : null;
    const operation: Record<string, Json> = {
      operationId: `${route.function}${route.method === 'HEAD' ? 'Head' : ''}`,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(body ? { requestBody: body } : {}),
      responses,
      security: route.auth === 'jwt' ? [{ bearer: [] }] : [],
      ...(route.roles ? { 'x-roles': route.roles } : {}),
    };
    paths[route.path] = { ...(paths[route.path] ?? {}), [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'JIF: the France/UK joint intervention fund for Calais port security',
      version: '1',
      description:
        'Money in integer minor units (`...EurCents`, `...GbpPence`). Bearer JWTs carry the role in `cognito:groups`. Errors are `{message, errors: [{path, message}]}`.',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        ProposalInput: jsonSchema(proposalInputSchema),
        EvaluationStart: jsonSchema(evaluationStartSchema),
        DecisionForm: {
          type: 'object',
          required: ['token', 'decision'],
          properties: {
            token: { type: 'string' },
            decision: { type: 'string', enum: ['approve', 'reject'] },
            comment: { type: 'string', maxLength: 2000 },
            lang: { type: 'string', enum: ['en', 'fr'] },
          },
        },
        CostReportForm: {
          type: 'object',
          required: ['token', 'actualCostEur'],
          properties: {
            token: { type: 'string' },
            actualCostEur: {
              type: 'string',
              description: 'Euros as people write them: `148250.00`, `148 250,00`, `148,250.00`',
              examples: ['148250.00', '148 250,00'],
            },
            note: { type: 'string', maxLength: 2000 },
            confirmAmount: {
              type: 'string',
              description: 'The amount in cents, confirming a cost more than twice the commitment',
            },
            lang: { type: 'string', enum: ['en', 'fr'] },
          },
        },
        Error: {
          type: 'object',
          required: ['message', 'errors'],
          properties: {
            message: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { path: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  };
}
