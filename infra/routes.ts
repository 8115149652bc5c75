/**
 * The HTTP routes of infra/system.ts, in a module of their own: the API handlers check a caller's
 * roles against them, and importing this instead of the whole description keeps their bundles small.
 */
import { ROLES, type Role } from '../functions/platform/roles.ts';
import type { Route } from '../functions/platform/routes.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
export interface RouteSpec {
  method: HttpMethod;
  path: string;
  function: string;
  /**
   * `jwt`: bearer token required (roles checked in the handler); `public`: link holders;
   * `session`: the pages, whose handler verifies the session cookie itself (no gateway authorizer).
   */
  auth: 'jwt' | 'public' | 'session';
  roles?: Role[];
}

export const routes: RouteSpec[] = [
  { method: 'POST', path: '/proposals', function: 'submitProposal', auth: 'jwt', roles: ['port-authority'] },
  {
    method: 'GET',
    path: '/proposals/{id}',
    function: 'getProposal',
    auth: 'jwt',
    roles: ['port-authority', 'finance', 'admin'],
  },
  {
    method: 'POST',
    path: '/proposals/{id}/redrive',
    function: 'redriveProposal',
    auth: 'jwt',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/proposals',
    function: 'listProposals',
    auth: 'jwt',
    roles: ['port-authority', 'finance', 'admin'],
  },
  { method: 'GET', path: '/approvals/{approvalId}', function: 'showApproval', auth: 'public' },
  // Mail scanners probe emailed links with HEAD; an HTTP API route is method + path, so HEAD needs
  // its own route (else 404 in AWS). The page's handler answers it without a body, deciding nothing.
  { method: 'HEAD', path: '/approvals/{approvalId}', function: 'showApproval', auth: 'public' },
  { method: 'POST', path: '/approvals/{approvalId}', function: 'decideApproval', auth: 'public' },
  { method: 'GET', path: '/fund', function: 'getFund', auth: 'jwt', roles: ['finance', 'admin'] },
  { method: 'GET', path: '/disbursements', function: 'listDisbursements', auth: 'jwt', roles: ['finance'] },
  { method: 'GET', path: '/ledger/verify', function: 'verifyLedger', auth: 'jwt', roles: ['finance'] },
  { method: 'POST', path: '/evaluations', function: 'startEvaluation', auth: 'jwt', roles: ['admin'] },
  {
    method: 'GET',
    path: '/evaluations/{fundYear}',
    function: 'getEvaluation',
    auth: 'jwt',
    roles: ['finance', 'admin'],
  },
  { method: 'GET', path: '/cost-reports/{reportId}', function: 'showCostReport', auth: 'public' },
  { method: 'HEAD', path: '/cost-reports/{reportId}', function: 'showCostReport', auth: 'public' },
  { method: 'POST', path: '/cost-reports/{reportId}', function: 'submitCostReport', auth: 'public' },
  { method: 'GET', path: '/assets/{file}', function: 'serveAsset', auth: 'public' },
  { method: 'GET', path: '/openapi.json', function: 'apiDocs', auth: 'public' },
  { method: 'GET', path: '/docs', function: 'apiDocs', auth: 'public' },
  ...(
    [
      ['GET', '/'],
      ['GET', '/signin'],
      ['GET', '/auth/callback'],
      ['POST', '/signout'],
      ['GET', '/app'],
      ['GET', '/app/proposals'],
      ['GET', '/app/proposals/new'],
      ['POST', '/app/proposals/new'],
      ['GET', '/app/proposals/{id}'],
      ['GET', '/app/finance'],
      ['GET', '/app/finance/disbursements.csv'],
      ['GET', '/app/evaluations/{fundYear}'],
      ['POST', '/app/evaluations/{fundYear}'],
    ] as const
  ).map(([method, path]): RouteSpec => ({ method, path, function: 'portal', auth: 'session' })),
];

/**
 * What a function is handed of `selected` (its `ROUTES` variable, read by functions/platform/routes.ts):
 * the API's and the links' routes; the pages (`session`) check their sessions themselves.
 */
export function routesEnvironment(selected: readonly RouteSpec[]): string {
  const handed = selected.flatMap((route): Route[] =>
    route.auth === 'session'
      ? []
      : [
          {
            method: route.method,
            path: route.path,
            function: route.function,
            auth: route.auth,
            ...(route.auth === 'jwt' ? { roles: [...(route.roles ?? ROLES)] } : {}),
          },
        ],
  );
  return JSON.stringify(handed);
}
