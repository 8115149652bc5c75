/**
 * The local API Gateway: matches the description's routes, verifies bearer JWTs as the HTTP API's
 * JWT authorizer does (401 before the function runs), and calls the same handlers with API Gateway
 * HTTP API (payload 2.0) events.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type RouteSpec, system } from '../system.ts';
import type { LocalIssuer } from './auth.ts';
import { ACCOUNT_ID } from './names.ts';

export interface LocalRoute {
  method: string;
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | void;
}

interface CompiledRoute {
  spec: RouteSpec;
  pattern: RegExp;
  params: string[];
}

/** API Gateway HTTP APIs accept payloads up to 10 MB; handlers enforce their own, smaller limits. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export function compileRoutes(routes: readonly RouteSpec[]): CompiledRoute[] {
  return routes.map((spec) => {
    const params: string[] = [];
    const source = spec.path.replace(/\{([A-Za-z0-9_]+)\+?\}/g, (_, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
    return { spec, pattern: new RegExp(`^${source}$`), params };
  });
}

export function apiGateway(options: {
  invoke(functionName: string, event: APIGatewayProxyEventV2): Promise<unknown>;
  issuer: LocalIssuer;
  extras: LocalRoute[];
  log?: (line: string) => void;
}) {
  const routes = compileRoutes(system.routes);

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      const extra = options.extras.find((r) => r.method === method && r.path === url.pathname);
      if (extra) {
        await extra.handle(req, res, url);
        return;
      }
      // A route is method + path, as in an HTTP API: no route for both answers 404 as AWS does
      // (an HTTP API has no 405, and answers HEAD only where the description has a HEAD route).
      // As API Gateway does, a literal path (`/app/proposals/new`) wins over a variable one.
      const route = routes
        .filter((r) => r.spec.method === method && r.pattern.test(url.pathname))
        .sort((a, b) => a.params.length - b.params.length)[0];
      if (!route) {
        sendJson(res, 404, { message: 'Not Found', errors: [] });
        return;
      }
      const body = await readBody(req);
      if (body === null) {
        sendJson(res, 413, { message: 'Request Entity Too Large', errors: [] });
        return;
      }
      let claims: Record<string, unknown> | undefined;
      if (route.spec.auth === 'jwt') {
        claims = await authorize(options.issuer, req.headers.authorization);
        if (!claims) {
          res.setHeader('www-authenticate', 'Bearer');
          sendJson(res, 401, { message: 'Unauthorized', errors: [] });
          return;
        }
      }
      const event = buildEvent(req, url, route, body, claims);
      const result = await options.invoke(route.spec.function, event);
      sendResult(res, result, method === 'HEAD');
    } catch (error) {
      options.log?.(`gateway error on ${method} ${url.pathname}: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error', errors: [] });
      else res.end();
    } finally {
      options.log?.(`${method} ${url.pathname} ${res.statusCode} ${Date.now() - started}ms`);
    }
  };
}

async function authorize(
  issuer: LocalIssuer,
  header: string | undefined,
): Promise<Record<string, unknown> | undefined> {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  try {
    return await issuer.verify(match[1]);
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The event API Gateway HTTP API (payload format 2.0) hands a Lambda integration. */
export function buildEvent(
  req: IncomingMessage,
  url: URL,
  route: CompiledRoute,
  body: Buffer,
  claims: Record<string, unknown> | undefined,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/));
    else headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const match = route.pattern.exec(url.pathname);
  const pathParameters: Record<string, string> = {};
  route.params.forEach((name, index) => {
    pathParameters[name] = decodeURIComponent(match?.[index + 1] ?? '');
  });
  const contentType = headers['content-type'] ?? '';
  const textual =
    body.length === 0 || /^(text\/|application\/(json|x-www-form-urlencoded|xml))/i.test(contentType);
  const now = new Date();
  const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
    version: '2.0',
    routeKey: `${route.spec.method} ${route.spec.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: route.spec.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${route.spec.method} ${route.spec.path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: !textual,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  if (route.params.length > 0) event.pathParameters = pathParameters;
  if (body.length > 0) event.body = textual ? body.toString('utf8') : body.toString('base64');
  if (claims) {
    // Where the HTTP API JWT authorizer puts them; array claims arrive flattened to "[a b]".
    const flattened: Record<string, string | number | boolean> = {};
    for (const [key, value] of Object.entries(claims)) {
      flattened[key] = Array.isArray(value)
        ? `[${value.join(' ')}]`
        : typeof value === 'object'
          ? JSON.stringify(value)
          : (value as string | number | boolean);
    }
    event.requestContext.authorizer = {
      jwt: { claims: flattened, scopes: null },
      principalId: '',
      integrationLatency: 0,
    };
  }
  return event;
}

/** How API Gateway turns a payload 2.0 result into a response. */
export function sendResult(res: ServerResponse, result: unknown, headOnly = false): void {
  if (!result || typeof result !== 'object' || !('statusCode' in result)) {
    sendJson(res, 200, result ?? null);
    return;
  }
  const structured = result as APIGatewayProxyStructuredResultV2;
  for (const [name, value] of Object.entries(structured.headers ?? {})) res.setHeader(name, String(value));
  if (structured.cookies?.length) res.setHeader('set-cookie', structured.cookies);
  res.statusCode = structured.statusCode ?? 200;
  const body = structured.body ?? '';
  if (headOnly) res.end();
  else res.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
