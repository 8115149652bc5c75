/**
 * The HTTP edge shared by the API handlers: middy with structured logging, the caller's role
 * checked against the route's roles (handed over in `ROUTES`, see routes.ts), and named errors mapped to JSON
 * `{message, errors}` with the right status. Anything unexpected becomes a plain 500.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { FieldError } from '../proposals/domain/proposal.ts';
import { badRequest, forbidden, HttpError, unauthorized } from './errors.ts';
import { logger } from './logger.ts';
import { type Role, rolesFromGroupsClaim } from './roles.ts';
import { handedRoutes, routeKey } from './routes.ts';

export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims?: Record<string, string | number | boolean | string[]> } };
  };
};
export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface Caller {
  sub: string;
  roles: Role[];
  has(role: Role): boolean;
}

export function callerOf(event: HttpEvent): Caller {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  if (!claims || typeof claims.sub !== 'string') throw unauthorized();
  const roles = rolesFromGroupsClaim(claims['cognito:groups']);
  return { sub: claims.sub, roles, has: (role) => roles.includes(role) };
}

/**
 * The roles a bearer route needs. A route this function was not handed, or one handed as public,
 * needs a role no caller has: a builder that forgot the routes locks the door rather than opens it.
 */
export function rolesForRoute(key: string): readonly Role[] {
  const route = handedRoutes().find((r) => routeKey(r) === key);
  return route?.auth === 'jwt' ? (route.roles ?? []) : [];
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The raw body as bytes, whatever API Gateway did with it. */
export function bodyBytes(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

const REPLACEMENT = '\uFFFD';

/**
 * A JSON body, UTF-8 only: bytes that are not UTF-8 are refused (400), naming the fields they fall
 * in, rather than stored as replacement characters. A gateway that decodes the body itself hands
 * such bytes over as U+FFFD already, so that character is taken as the mark of them, wherever the
 * decoding happened.
 */
export function jsonBody(event: HttpEvent): unknown {
  const text = bodyBytes(event).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    if (text.includes(REPLACEMENT)) throw notUtf8([{ path: '(body)', message: NOT_UTF8 }]);
    throw badRequest('The body is not valid JSON', [{ path: '(body)', message: (error as Error).message }]);
  }
  if (text.includes(REPLACEMENT)) throw notUtf8(fieldsHolding(parsed, REPLACEMENT));
  return parsed;
}

const NOT_UTF8 = 'is not UTF-8 text: send the body encoded as UTF-8';
const notUtf8 = (errors: FieldError[]) => badRequest('The body is not UTF-8 text', errors);

/** The dotted paths of the string values (or keys) that contain `mark`. */
function fieldsHolding(value: unknown, mark: string): FieldError[] {
  const paths: string[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (typeof node === 'string') {
      if (node.includes(mark)) paths.push(path.join('.') || '(body)');
    } else if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (key.includes(mark)) paths.push([...path, '(a field name)'].join('.'));
        else walk(child, [...path, key]);
      }
    }
  };
  walk(value, []);
  return (paths.length > 0 ? paths : ['(body)']).map((path) => ({ path, message: NOT_UTF8 }));
}

function jsonErrors(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof HttpError) {
        if (error.statusCode >= 500) logger.error('request failed', { error });
        request.response = json(error.statusCode, { message: error.message, errors: error.errors });
        return;
      }
      logger.error('unexpected error', { error: error as Error });
      request.response = json(500, { message: 'Internal server error', errors: [] });
    },
  };
}

function requireRoles(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async (request) => {
      const allowed = rolesForRoute(request.event.routeKey);
      const caller = callerOf(request.event);
      if (!caller.roles.some((role) => allowed.includes(role))) {
        throw forbidden(
          allowed.length > 0
            ? `This needs one of the roles: ${allowed.join(', ')}`
            : 'No role may call this route',
        );
      }
    },
  };
}

/** A bearer-token API handler: role checked, errors mapped, the caller handed over. */
export function apiHandler(fn: (event: HttpEvent, caller: Caller, context: Context) => Promise<HttpResult>) {
  return middy<HttpEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(jsonErrors())
    .use(requireRoles())
    .handler(async (event, context) => fn(event, callerOf(event), context));
}

/** A public handler (emailed links): the function renders its own errors. */
export function publicHandler(fn: (event: HttpEvent, context: Context) => Promise<HttpResult>) {
  return middy<HttpEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      let result: HttpResult;
      try {
        result = await fn(event, context);
      } catch (error) {
        logger.error('unexpected error', { error: error as Error });
        result = {
          statusCode: 500,
          headers: { 'Content-Type': 'text/plain' },
          body: 'Internal server error',
        };
      }
      // HEAD (a mail scanner probing a link): the GET answer's status and headers, no body.
      return event.requestContext?.http?.method === 'HEAD' ? { ...result, body: '' } : result;
    });
}

/** A workflow task handler: logs with context; errors keep their names for Retry and Catch. */
export function taskHandler<In, Out>(fn: (input: In, context: Context) => Promise<Out>) {
  return middy<In, Out>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (input, context) => fn(input, context));
}

export interface FormFields {
  get(name: string): string | null;
}

/**
 * The fields of a form POST, as a browser (urlencoded) or a script (`curl -F`, multipart) sends
 * them, parsed by the platform's own Fetch API. Undefined for any other body, or one over `maxBytes`.
 */
export async function formFields(event: HttpEvent, maxBytes: number): Promise<FormFields | undefined> {
  const contentType = header(event, 'content-type') ?? '';
  const bytes = bodyBytes(event);
  if (bytes.length > maxBytes) return undefined;
  if (/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType))
    return new URLSearchParams(bytes.toString('utf8'));
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  try {
    const data = await new Request('http://form.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: bytes,
    }).formData();
    return { get: (name) => (typeof data.get(name) === 'string' ? (data.get(name) as string) : null) };
  } catch {
    return undefined;
  }
}

/** Cursor pagination: DynamoDB's LastEvaluatedKey, opaque to the caller. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

/** Accepts only a cursor shaped as the query's own keys (all strings), so a forged one fails as a 400. */
export function decodeCursor(
  cursor: string | undefined,
  keys: readonly string[],
  path = 'cursor',
): Record<string, string> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const entries = Object.entries(parsed);
      const shaped =
        entries.length === keys.length &&
        entries.every(([k, v]) => keys.includes(k) && typeof v === 'string');
      if (shaped) return parsed as Record<string, string>;
    }
  } catch {
    // falls through to the error below
  }
  throw new HttpError(400, 'Invalid cursor', [{ path, message: 'is not a cursor this API returned' }]);
}
