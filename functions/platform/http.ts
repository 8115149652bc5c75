/**
 * The HTTP edge shared by the API handlers: middy with structured logging, the caller's role
 * checked against the route's roles (handed over in `ROUTES`, see routes.ts), and named errors mapped to JSON
 * `{message, errors}` with the right status. Anything unexpected becomes a plain 500.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpContentNegotiation from '@middy/http-content-negotiation';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { FieldError } from '../proposals/domain/proposal.ts';
import {
  badRequest,
  forbidden,
  HttpError,
  payloadTooLarge,
  unauthorized,
  unsupportedMediaType,
} from './errors.ts';
import { logger } from './logger.ts';
import { type Role, rolesFromGroupsClaim } from './roles.ts';
import { handedRoutes, routeKey } from './routes.ts';
import { pageSecurityHeaders } from './security-headers.ts';

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

export function header(event: Pick<HttpEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The raw body as bytes, whatever API Gateway did with it. */
export function bodyBytes(event: HttpEvent): Buffer {
  if (typeof event.body !== 'string') return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

/** A request whose JSON body middy's parser has read: `body` is the parsed value. */
export type JsonEvent = Omit<HttpEvent, 'body'> & { body?: unknown };

export interface JsonBodyOptions {
  /** Above this many bytes (decoded), 413 before anything is parsed. */
  maxBytes: number;
  /** The 415 answer's message, saying what to send instead. */
  unsupportedMessage: string;
}

const REPLACEMENT = '\uFFFD';
const NOT_UTF8 = 'is not UTF-8 text: send the body encoded as UTF-8';
const notUtf8 = (errors: FieldError[]) => badRequest('The body is not UTF-8 text', errors);

/**
 * A JSON body on middy's `http-json-body-parser` (content type, parsing, the `__proto__` guard), wrapped
 * for the contract: its 415 and 422 become our `{message, errors}` answers (a body that is not JSON is a
 * 400 naming `(body)`, as the README states), a size limit comes first (middy has none), and bytes that
 * are not UTF-8 are refused (400) naming the fields they fall in, rather than stored as replacement
 * characters. A gateway that decodes the body itself hands such bytes over as U+FFFD already, so that
 * character is taken as the mark of them, wherever the decoding happened.
 */
export function jsonBody(options: JsonBodyOptions): MiddlewareObj<HttpEvent, HttpResult> {
  const parser = httpJsonBodyParser();
  return {
    before: async (request) => {
      const bytes = bodyBytes(request.event);
      if (bytes.length > options.maxBytes) {
        throw payloadTooLarge(
          `The body may be at most ${options.maxBytes} bytes; this one is ${bytes.length}`,
        );
      }
      const text = bytes.toString('utf8');
      try {
        await parser.before?.(request);
      } catch (error) {
        const cause = middyCause(error);
        if (statusOf(error) === 415) throw unsupportedMediaType(options.unsupportedMessage);
        if (text.includes(REPLACEMENT)) throw notUtf8([{ path: '(body)', message: NOT_UTF8 }]);
        // The prototype-pollution guard names the key it refused: an unknown field, as the schema would say.
        if (cause?.data === '__proto__' || cause?.data === 'constructor') {
          throw badRequest('The body is not valid', [
            { path: String(cause.data), message: 'is not allowed' },
          ]);
        }
        throw badRequest('The body is not valid JSON', [
          { path: '(body)', message: cause?.message ?? 'is not JSON' },
        ]);
      }
      if (text.includes(REPLACEMENT)) throw notUtf8(fieldsHolding(request.event.body, REPLACEMENT));
    },
  };
}

function statusOf(error: unknown): number | undefined {
  return error && typeof error === 'object' && 'statusCode' in error && typeof error.statusCode === 'number'
    ? error.statusCode
    : undefined;
}

/** What middy's parsers put in an error's `cause`: the package, the data refused, the parser's message. */
function middyCause(error: unknown): { data?: unknown; message?: string } | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (!cause || typeof cause !== 'object') return undefined;
  return {
    ...('data' in cause ? { data: cause.data } : {}),
    ...('message' in cause && typeof cause.message === 'string' ? { message: cause.message } : {}),
  };
}

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

/**
 * Errors as the contract shapes them, through middy's `http-error-handler`: it answers with an exposed
 * error's status, message and headers, and a plain 500 for anything else. Ahead of it, this turns every
 * error into one it exposes whose message is our JSON body `{message, errors}` (its own body is the bare
 * message), and turns an unexpected one into a 500 of that shape, logged here with its stack.
 */
function jsonErrors(): MiddlewareObj<HttpEvent, HttpResult>[] {
  const shape: MiddlewareObj<HttpEvent, HttpResult> = {
    onError: async (request) => {
      const error = request.error;
      const known = error instanceof HttpError;
      const status = known ? error.statusCode : statusOf(error);
      const exposed =
        status !== undefined && status < 500 && error && 'expose' in error && error.expose !== false;
      if (!known && !exposed) logger.error('unexpected error', { error: error as Error });
      else if ((status ?? 500) >= 500) logger.error('request failed', { error: error as Error });
      const body =
        known || exposed
          ? { message: error?.message ?? '', errors: known ? error.errors : [] }
          : { message: 'Internal server error', errors: [] };
      request.error = Object.assign(new Error(JSON.stringify(body)), {
        statusCode: known || exposed ? (status ?? 500) : 500,
        expose: true,
        headers: { 'Cache-Control': 'no-store' },
      });
    },
  };
  // onError hooks run last-registered first: `shape` runs before middy's handler.
  return [httpErrorHandler({ logger: false }), shape];
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

/**
 * A bearer-token API handler: headers normalised (middy's parsers and negotiation read lower-case
 * names), role checked, errors mapped, the caller handed over. `use` adds a handler's own
 * middlewares (content negotiation, say), run after the role check.
 */
export function apiHandler<TContext extends Context = Context>(
  fn: (event: HttpEvent, caller: Caller, context: TContext) => Promise<HttpResult>,
  ...use: MiddlewareObj<HttpEvent, HttpResult, Error, TContext>[]
) {
  return middy<HttpEvent, HttpResult, Error, TContext>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(pageSecurityHeaders())
    .use(httpHeaderNormalizer())
    .use(jsonErrors())
    .use(requireRoles())
    .use(use)
    .handler(async (event, context) => fn(event, callerOf(event), context));
}

/** What `negotiateMediaType` hands a handler: the media type to answer in, by the caller's Accept. */
export type NegotiatedContext = Context & { preferredMediaType?: string };

/**
 * The caller's `Accept` weighed by middy's `http-content-negotiation` (q-values, specificity, then the
 * caller's order) against the types offered, the first being the default: an Accept it cannot meet
 * gets that default rather than a 406, as before.
 */
export function negotiateMediaType(
  offered: [string, ...string[]],
): MiddlewareObj<HttpEvent, HttpResult, Error, NegotiatedContext> {
  return httpContentNegotiation({
    parseCharsets: false,
    parseEncodings: false,
    parseLanguages: false,
    availableMediaTypes: offered,
    defaultToFirstMediaType: true,
    failOnMismatch: false,
  });
}

/** A bearer-token API handler that takes a JSON body: 401/403 first, then 415, 413, 400, then `fn`. */
export function jsonApiHandler(
  options: JsonBodyOptions,
  fn: (event: JsonEvent, caller: Caller, context: Context) => Promise<HttpResult>,
  ...use: MiddlewareObj<HttpEvent, HttpResult>[]
) {
  return apiHandler(fn, jsonBody(options), ...use);
}

/** HEAD (a mail scanner probing a link): the GET answer's status and headers, no body. */
function headWithoutBody(): MiddlewareObj<HttpEvent, HttpResult> {
  const strip = async (request: { event: HttpEvent; response: HttpResult | null | undefined }) => {
    if (request.response && request.event.requestContext?.http?.method === 'HEAD') request.response.body = '';
  };
  return { after: strip, onError: strip };
}

/**
 * A public handler (emailed links, pages): the function renders its own errors; anything it throws
 * becomes middy's plain-text 500 (an exposed error below 500, its status and message). `use` adds the
 * handler's own middlewares (its form body, say).
 */
export function publicHandler<TContext extends Context = Context>(
  fn: (event: HttpEvent, context: TContext) => Promise<HttpResult>,
  ...use: MiddlewareObj<HttpEvent, HttpResult, Error, TContext>[]
) {
  return middy<HttpEvent, HttpResult, Error, TContext>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(headWithoutBody())
    .use(pageSecurityHeaders())
    .use(
      httpErrorHandler({
        logger: (error: unknown) => logger.error('unexpected error', { error: error as Error }),
        fallbackMessage: 'Internal server error',
      }),
    )
    .use(httpHeaderNormalizer())
    .use(use)
    .handler(fn);
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
