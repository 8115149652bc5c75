/**
 * The pages people sign in to (GET /, sign-in and out, /app/...). A backend for the browser: it
 * verifies the session cookie, then calls the system's own API with the session's token as the
 * bearer, so every rule, role check, validation and idempotency stays in one place (the API), and
 * this function needs no table. It reads the approval flow's history to draw where a proposal stands.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { approval } from '../../../workflows/approval.ts';
import type { EvaluationView } from '../../evaluation/evaluation-view.ts';
import { parseTypedEuros } from '../../funding/domain/money.ts';
import { authSettings, config, requirePublicBaseUrl } from '../../platform/config.ts';
import { executionArnOf } from '../../platform/executions.ts';
import { type FormContext, type FormFields, formBody } from '../../platform/forms.ts';
import { type HttpEvent, type HttpResult, header, publicHandler } from '../../platform/http.ts';
import type { Role } from '../../platform/roles.ts';
import {
  type AuthSettings,
  clearCookie,
  cookiesOf,
  isSameOriginForm,
  LOGIN_COOKIE,
  SESSION_COOKIE,
  type Session,
  sessionCookie,
  sessionOf,
} from '../../platform/session.ts';
import { sfn } from '../../platform/sfn.ts';
import type { Language } from '../../sign-off/domain/sign-off.ts';
import * as copy from '../copy/index.ts';
import { type AslDefinition, enteredStates } from '../flow-picture.ts';
import { pageHeaders } from '../pages.ts';
import {
  devSignInPage,
  evaluationPage,
  type FinanceModel,
  FORM_LINES,
  financePage,
  homePage,
  messagePage,
  type PageContext,
  type ProposalDetail,
  type ProposalFormValues,
  type ProposalListItem,
  proposalFormPage,
  proposalPage,
  proposalsPage,
  withLang,
} from '../portal-pages.ts';

const MAX_FORM_BYTES = 64 * 1024;
const definition: AslDefinition = approval;

function page(statusCode: number, body: string, cookies?: string[]): HttpResult {
  return { statusCode, headers: pageHeaders(), body, ...(cookies ? { cookies } : {}) };
}
function redirect(location: string, cookies?: string[]): HttpResult {
  return {
    statusCode: 303,
    headers: { Location: location, 'Cache-Control': 'no-store' },
    body: '',
    ...(cookies ? { cookies } : {}),
  };
}

function languageOf(event: HttpEvent, form?: { get(name: string): string | null }): Language {
  const asked = event.queryStringParameters?.lang ?? form?.get('lang') ?? undefined;
  if (asked === 'en' || asked === 'fr') return asked;
  return /^\s*fr\b/i.test(header(event, 'accept-language') ?? '') ? 'fr' : 'en';
}

/** A path on this site only: no scheme, no `//host`. */
function localPath(value: string | null | undefined, fallback: string): string {
  return value && /^\/(?!\/)[^\s\\]*$/.test(value) ? value : fallback;
}

/** The system's own API, called with the signed-in person's token. */
async function api(
  session: Session,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${requirePublicBaseUrl()}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${session.token}`,
      Accept: 'application/json',
      ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
}

interface ApiErrorBody {
  message?: string;
  errors?: { path?: string; message?: string }[];
}

/** A page's context, with the form a POST carried (read by the edge's form parser, see forms.ts). */
type PortalContext = PageContext & { form?: FormFields };
type Handler = (event: HttpEvent, ctx: PortalContext, auth: AuthSettings) => Promise<HttpResult>;

function needs(
  roles: readonly Role[],
  fn: (event: HttpEvent, ctx: PortalContext & { session: Session }) => Promise<HttpResult>,
): Handler {
  return async (event, ctx) => {
    const { session } = ctx;
    if (!session) return redirect(`/signin?next=${encodeURIComponent(event.rawPath)}&lang=${ctx.language}`);
    if (!session.roles.some((role) => roles.includes(role))) {
      const p = copy.portal[ctx.language];
      return page(403, messagePage(ctx, p.needRole, p.needRole));
    }
    return fn(event, { ...ctx, session });
  };
}

/** An API answer the page cannot use: sign in again (401), not yours (403), not found (404), or say why. */
function apiFailure(ctx: PageContext, event: HttpEvent, response: Response, body: ApiErrorBody): HttpResult {
  const p = copy.portal[ctx.language];
  if (response.status === 401)
    return redirect(`/signin?next=${encodeURIComponent(event.rawPath)}&lang=${ctx.language}`);
  if (response.status === 403) return page(403, messagePage(ctx, p.needRole, p.needRole));
  if (response.status === 404) return page(404, messagePage(ctx, p.notFound, p.notFoundText));
  const detail = [body.message ?? '', ...(body.errors ?? []).map((e) => `${e.path}: ${e.message}`)].join(' ');
  return page(
    response.status >= 500 ? 502 : response.status,
    messagePage(ctx, p.notFound, p.apiError(response.status, detail)),
  );
}

// --------------------------------------------------------------------------------------------- sign-in

const signIn: Handler = async (event, ctx, auth) => {
  const next = localPath(event.queryStringParameters?.next, '/app');
  if (auth.mode === 'local') return page(200, devSignInPage(ctx, '/local/signin', next));
  // Authorization code flow with PKCE: the verifier and state wait in a short-lived cookie.
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = new URL(`${auth.loginDomain}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: auth.audience,
    redirect_uri: `${requirePublicBaseUrl()}/auth/callback`,
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const login = Buffer.from(JSON.stringify({ state, verifier, next })).toString('base64url');
  return {
    statusCode: 302,
    headers: { Location: url.toString(), 'Cache-Control': 'no-store' },
    cookies: [`${LOGIN_COOKIE}=${login}; Path=/auth/callback; Max-Age=600; Secure; HttpOnly; SameSite=Lax`],
    body: '',
  };
};

const callback: Handler = async (event, ctx, auth) => {
  const p = copy.portal[ctx.language];
  const refused = () => page(400, messagePage(ctx, p.signIn, p.formExpired), [clearCookie(LOGIN_COOKIE)]);
  const query = event.queryStringParameters ?? {};
  let login: { state?: string; verifier?: string; next?: string } = {};
  try {
    login = JSON.parse(Buffer.from(cookiesOf(event).get(LOGIN_COOKIE) ?? '', 'base64url').toString('utf8'));
  } catch {
    return refused();
  }
  if (
    auth.mode !== 'cognito' ||
    !query.code ||
    !login.state ||
    login.state !== query.state ||
    !login.verifier
  )
    return refused();
  const response = await fetch(`${auth.loginDomain}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: auth.audience,
      code: query.code,
      redirect_uri: `${requirePublicBaseUrl()}/auth/callback`,
      code_verifier: login.verifier,
    }),
  });
  const tokens = (await response.json().catch(() => ({}))) as { id_token?: string; expires_in?: number };
  if (!response.ok || !tokens.id_token) return refused();
  const maxAge = Math.min(tokens.expires_in ?? 3600, 12 * 3600);
  // Verified like every later request, before it becomes the session.
  const session = await sessionOf({ ...event, cookies: [`${SESSION_COOKIE}=${tokens.id_token}`] }, auth);
  if (!session) return refused();
  return redirect(localPath(login.next, '/app'), [
    sessionCookie(tokens.id_token, maxAge),
    clearCookie(LOGIN_COOKIE),
  ]);
};

const signOut: Handler = async (event, ctx, auth) => {
  const form = ctx.form;
  const session = ctx.session;
  if (session && !isSameOriginForm(event, session, form?.get('csrf') ?? null)) {
    const p = copy.portal[ctx.language];
    return page(403, messagePage(ctx, p.signOut, p.formExpired));
  }
  const cookies = [clearCookie(SESSION_COOKIE)];
  if (auth.mode === 'cognito') {
    const url = new URL(`${auth.loginDomain}/logout`);
    url.search = new URLSearchParams({
      client_id: auth.audience,
      logout_uri: `${requirePublicBaseUrl()}/`,
    }).toString();
    return {
      statusCode: 303,
      headers: { Location: url.toString(), 'Cache-Control': 'no-store' },
      cookies,
      body: '',
    };
  }
  return redirect(`/?lang=${ctx.language}`, cookies);
};

const appHome: Handler = async (event, ctx, auth) => {
  if (!ctx.session) return signIn(event, ctx, auth);
  const roles = ctx.session.roles;
  const target = roles.includes('finance')
    ? '/app/finance'
    : roles.includes('admin')
      ? '/app/evaluations/1'
      : '/app/proposals';
  return redirect(withLang(target, ctx.language));
};

// --------------------------------------------------------------------------------------------- proposals

const listProposals = needs(['port-authority', 'finance', 'admin'], async (event, ctx) => {
  const cursor = event.queryStringParameters?.cursor;
  const response = await api(
    ctx.session,
    'GET',
    `/proposals?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
  );
  const body = (await response.json()) as {
    items?: ProposalListItem[];
    nextCursor?: string | null;
  } & ApiErrorBody;
  if (!response.ok) return apiFailure(ctx, event, response, body);
  return page(
    200,
    proposalsPage(ctx, body.items ?? [], body.nextCursor, ctx.session.roles.includes('port-authority')),
  );
});

function emptyForm(): ProposalFormValues {
  return {
    title: '',
    category: '',
    description: '',
    contactEmail: '',
    lines: Array.from({ length: FORM_LINES }, () => ({ fundYear: '', purpose: '', amount: '' })),
    idempotencyKey: randomUUID(),
  };
}

const newProposal = needs(['port-authority'], async (_event, ctx) =>
  page(200, proposalFormPage(ctx, emptyForm(), new Map())),
);

/** The API's error paths, named as the form's fields (`funding.1.amountEurCents` → `funding-2-amount`). */
function fieldIdFor(path: string, lineIndex: number[]): string {
  const match = /^funding\.(\d+)(?:\.(\w+))?/.exec(path);
  if (match) {
    const line = lineIndex[Number(match[1])];
    if (line === undefined) return 'funding';
    const field = match[2] === 'amountEurCents' ? 'amount' : match[2];
    return field ? `funding-${line}-${field}` : `funding-${line}`;
  }
  return ['title', 'category', 'description', 'contactEmail'].includes(path) ? path : 'funding';
}

const submitProposal = needs(['port-authority'], async (event, ctx) => {
  const p = copy.portal[ctx.language];
  const form = ctx.form;
  if (!form || !isSameOriginForm(event, ctx.session, form.get('csrf')))
    return page(403, messagePage(ctx, p.newProposal, p.formExpired));
  const values: ProposalFormValues = {
    title: form.get('title') ?? '',
    category: form.get('category') ?? '',
    description: form.get('description') ?? '',
    contactEmail: form.get('contactEmail') ?? '',
    lines: Array.from({ length: FORM_LINES }, (_, i) => ({
      fundYear: form.get(`fundYear${i}`) ?? '',
      purpose: form.get(`purpose${i}`) ?? '',
      amount: form.get(`amount${i}`) ?? '',
    })),
    idempotencyKey: form.get('idempotencyKey') ?? randomUUID(),
  };
  const errors = new Map<string, string[]>();
  const add = (id: string, message: string) => errors.set(id, [...(errors.get(id) ?? []), message]);
  // Only the lines the person filled in; lineIndex maps the API's index back to the form's line.
  const lineIndex: number[] = [];
  const funding = values.lines.flatMap((line, index) => {
    if (!line.fundYear && !line.purpose && !line.amount.trim()) return [];
    lineIndex.push(index);
    const cents = line.amount.trim() ? parseTypedEuros(line.amount) : null;
    if (cents === null) add(`funding-${index}-amount`, p.amountError);
    return [
      {
        ...(line.fundYear ? { fundYear: Number(line.fundYear) } : {}),
        ...(line.purpose ? { purpose: line.purpose } : {}),
        ...(cents !== null ? { amountEurCents: cents } : {}),
      },
    ];
  });
  const body = {
    title: values.title,
    category: values.category,
    description: values.description,
    contactEmail: values.contactEmail,
    funding,
  };
  // A refused form is resubmitted with a new key; a double click on a good one reuses its key.
  const response = await api(ctx.session, 'POST', '/proposals', {
    body,
    headers: errors.size === 0 ? { 'Idempotency-Key': values.idempotencyKey } : {},
  });
  const answer = (await response.json().catch(() => ({}))) as { proposalId?: string } & ApiErrorBody;
  if (response.status === 201 && answer.proposalId)
    return redirect(withLang(`/app/proposals/${encodeURIComponent(answer.proposalId)}`, ctx.language));
  if (response.status !== 400) return apiFailure(ctx, event, response, answer);
  for (const error of answer.errors ?? []) {
    const id = fieldIdFor(error.path ?? '', lineIndex);
    // Our own message for an amount we could not read says more than "required".
    if (id.endsWith('-amount') && errors.has(id)) continue;
    add(id, error.message ?? '');
  }
  if (errors.size === 0) add('funding', answer.message ?? '');
  return page(400, proposalFormPage(ctx, { ...values, idempotencyKey: randomUUID() }, errors));
});

async function executionHistory(proposalId: string): Promise<{ events: HistoryEvent[]; ok: boolean }> {
  const machine = config().APPROVAL_STATE_MACHINE_ARN;
  if (!machine) return { events: [], ok: false };
  const executionArn = executionArnOf(machine, proposalId);
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken && events.length < 10_000);
    return { events, ok: true };
  } catch {
    return { events, ok: false };
  }
}

const showProposal = needs(['port-authority', 'finance', 'admin'], async (event, ctx) => {
  const id = event.pathParameters?.id ?? '';
  const response = await api(ctx.session, 'GET', `/proposals/${encodeURIComponent(id)}`);
  const body = (await response.json()) as ProposalDetail & ApiErrorBody;
  if (!response.ok) return apiFailure(ctx, event, response, body);
  const history = await executionHistory(body.proposalId);
  const entered = enteredStates(history.events, definition);
  const running = body.workflow?.status
    ? body.workflow.status === 'RUNNING'
    : !history.events.some((e) => e.type === 'ExecutionSucceeded' || e.type === 'ExecutionFailed');
  return page(200, proposalPage({ ...ctx, query: {} }, body, definition, { entered, running }));
});

// --------------------------------------------------------------------------------------------- finance

const FILTERS = ['fundYear', 'category', 'purpose', 'proposalId', 'from', 'to', 'limit', 'cursor'] as const;

function filtersOf(event: HttpEvent): Record<string, string> {
  const query = event.queryStringParameters ?? {};
  const filters: Record<string, string> = {};
  for (const name of FILTERS) {
    const value = query[name]?.trim();
    if (value) filters[name] = value;
  }
  return filters;
}

const finance = needs(['finance'], async (event, ctx) => {
  const filters = filtersOf(event);
  const query = new URLSearchParams({ limit: '25', ...filters }).toString();
  const [fund, disbursements, ledger] = await Promise.all([
    api(ctx.session, 'GET', '/fund'),
    api(ctx.session, 'GET', `/disbursements?${query}`),
    api(ctx.session, 'GET', '/ledger/verify'),
  ]);
  const fundBody = (await fund.json()) as { years?: FinanceModel['years'] } & ApiErrorBody;
  if (!fund.ok) return apiFailure(ctx, event, fund, fundBody);
  const listBody = (await disbursements.json()) as {
    items?: FinanceModel['disbursements'];
    totals?: FinanceModel['totals'];
    nextCursor?: string | null;
  } & ApiErrorBody;
  if (!disbursements.ok) return apiFailure(ctx, event, disbursements, listBody);
  const ledgerBody = (await ledger.json()) as FinanceModel['ledger'] & ApiErrorBody;
  if (!ledger.ok) return apiFailure(ctx, event, ledger, ledgerBody);
  return page(
    200,
    financePage(
      { ...ctx, query: filters },
      {
        years: fundBody.years ?? [],
        disbursements: listBody.items ?? [],
        ...(listBody.totals ? { totals: listBody.totals } : {}),
        nextCursor: listBody.nextCursor ?? null,
        filters,
        ledger: ledgerBody,
        canStartEvaluations: ctx.session.roles.includes('admin'),
      },
    ),
  );
});

const financeCsv = needs(['finance'], async (event, ctx) => {
  const { cursor: _cursor, limit: _limit, ...filters } = filtersOf(event);
  const query = new URLSearchParams({ ...filters, format: 'csv' }).toString();
  const response = await api(ctx.session, 'GET', `/disbursements?${query}`, {
    headers: { Accept: 'text/csv' },
  });
  if (!response.ok)
    return apiFailure(ctx, event, response, (await response.json().catch(() => ({}))) as ApiErrorBody);
  return {
    statusCode: 200,
    headers: {
      'Content-Type': response.headers.get('content-type') ?? 'text/csv; charset=utf-8',
      'Content-Disposition':
        response.headers.get('content-disposition') ?? 'attachment; filename="jif-disbursements.csv"',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
    isBase64Encoded: true,
    body: Buffer.from(await response.arrayBuffer()).toString('base64'),
  };
});

// --------------------------------------------------------------------------------------------- evaluations

function fundYearOf(event: HttpEvent): number | undefined {
  const raw = event.pathParameters?.fundYear ?? '';
  return /^[12]$/.test(raw) ? Number(raw) : undefined;
}

const showEvaluation = needs(['finance', 'admin'], async (event, ctx) => {
  const fundYear = fundYearOf(event);
  const p = copy.portal[ctx.language];
  if (!fundYear) return page(404, messagePage(ctx, p.notFound, p.notFoundText));
  const response = await api(ctx.session, 'GET', `/evaluations/${fundYear}`);
  const body = (await response.json()) as EvaluationView & ApiErrorBody;
  if (!response.ok && response.status !== 404) return apiFailure(ctx, event, response, body);
  const notice = event.queryStringParameters?.started ? p.started : undefined;
  return page(
    200,
    evaluationPage(
      ctx,
      fundYear,
      response.ok ? body : undefined,
      ctx.session.roles.includes('admin'),
      notice,
    ),
  );
});

const startEvaluation = needs(['admin'], async (event, ctx) => {
  const fundYear = fundYearOf(event);
  const p = copy.portal[ctx.language];
  const form = ctx.form;
  if (!fundYear) return page(404, messagePage(ctx, p.notFound, p.notFoundText));
  if (!form || !isSameOriginForm(event, ctx.session, form.get('csrf')))
    return page(403, messagePage(ctx, p.start, p.formExpired));
  // An early start may give a reason (recorded and shown in the report); otherwise it is left out.
  const reason = (form.get('reason') ?? '').trim();
  const response = await api(ctx.session, 'POST', '/evaluations', {
    body: reason ? { fundYear, reason } : { fundYear },
  });
  if (!response.ok)
    return apiFailure(ctx, event, response, (await response.json().catch(() => ({}))) as ApiErrorBody);
  return redirect(withLang(`/app/evaluations/${fundYear}?started=1`, ctx.language));
});

// --------------------------------------------------------------------------------------------- routing

const routes: Record<string, Handler> = {
  'GET /': async (_event, ctx) => page(200, homePage(ctx)),
  'GET /signin': signIn,
  'GET /auth/callback': callback,
  'POST /signout': signOut,
  'GET /app': appHome,
  'GET /app/proposals': listProposals,
  'GET /app/proposals/new': newProposal,
  'POST /app/proposals/new': submitProposal,
  'GET /app/proposals/{id}': showProposal,
  'GET /app/finance': finance,
  'GET /app/finance/disbursements.csv': financeCsv,
  'GET /app/evaluations/{fundYear}': showEvaluation,
  'POST /app/evaluations/{fundYear}': startEvaluation,
};

export const PORTAL_ROUTES = Object.keys(routes);

export const handler = publicHandler<FormContext>(async (event, context) => {
  const auth = authSettings();
  const language = languageOf(event);
  const session = await sessionOf(event, auth);
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.queryStringParameters ?? {}))
    if (key !== 'lang' && value !== undefined) query[key] = value;
  const ctx: PortalContext = {
    language,
    query,
    ...(session ? { session } : {}),
    ...(context.form ? { form: context.form } : {}),
  };
  const route = routes[event.routeKey];
  if (!route) {
    const p = copy.portal[language];
    return page(404, messagePage(ctx, p.notFound, p.notFoundText));
  }
  return route(event, ctx, auth);
}, formBody(MAX_FORM_BYTES));
