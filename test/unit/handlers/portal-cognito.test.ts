/**
 * The pages' sign-in as it runs in AWS: Cognito's managed login, authorization code flow with PKCE.
 * A stand-in for the Cognito domain (authorize is only a URL; the token endpoint checks the PKCE
 * verifier against the challenge the handler sent; a JWKS signs the ID token) lets the portal
 * handler run its whole round trip: sign-in redirect, callback, session cookie, sign-out.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent } from '../../../functions/platform/http.ts';
import { lambdaContext, loadHandlerModule, TEST_ENV } from './support.ts';

const CLIENT_ID = 'jif-pages-client';
const CODE = 'one-time-code';
let server: Server;
let base: string;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let jwk: JWK;
/** What the stand-in token endpoint was last asked. */
let tokenRequests: URLSearchParams[] = [];
/** The challenge of the login under way, as the authorize URL carried it. */
let expectedChallenge = '';

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;

const idToken = (groups: string[]) =>
  new SignJWT({ email: 'port@calais.example', 'cognito:groups': groups, token_use: 'id' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('user-1')
    .setIssuer(base)
    .setAudience(CLIENT_ID)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    if (req.url === '/jwks.json') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    if (req.method === 'POST' && req.url === '/oauth2/token') {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', async () => {
        const form = new URLSearchParams(body);
        tokenRequests.push(form);
        const verifier = form.get('code_verifier') ?? '';
        const ok =
          form.get('grant_type') === 'authorization_code' &&
          form.get('client_id') === CLIENT_ID &&
          form.get('code') === CODE &&
          form.get('redirect_uri') === `${TEST_ENV.PUBLIC_BASE_URL}/auth/callback` &&
          createHash('sha256').update(verifier).digest('base64url') === expectedChallenge;
        if (!ok) {
          res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"invalid_grant"}');
          return;
        }
        const token = await idToken(['port-authority']);
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ id_token: token, expires_in: 3600, token_type: 'Bearer' }));
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    AUTH_MODE: 'cognito',
    AUTH_ISSUER: base,
    AUTH_AUDIENCE: CLIENT_ID,
    AUTH_JWKS_URL: `${base}/jwks.json`,
    AUTH_LOGIN_DOMAIN: base,
  });
  const module =
    await loadHandlerModule<typeof import('../../../functions/pages/handlers/portal.ts')>('portal');
  handler = module.handler as unknown as Handler;
});

afterAll(async () => {
  for (const key of ['AUTH_MODE', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'AUTH_LOGIN_DOMAIN'])
    delete process.env[key];
  await new Promise((resolve) => server.close(resolve));
});

function event(
  method: 'GET' | 'POST',
  path: string,
  query: Record<string, string> = {},
  extra: { cookies?: string[]; headers?: Record<string, string>; body?: string } = {},
): HttpEvent {
  const rawQueryString = new URLSearchParams(query).toString();
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString,
    headers: { host: 'jif.example', ...(extra.headers ?? {}) },
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(extra.cookies ? { cookies: extra.cookies } : {}),
    ...(extra.body !== undefined ? { body: extra.body } : {}),
    isBase64Encoded: false,
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'r1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'jif.example',
      domainPrefix: 'jif',
    },
  } as unknown as HttpEvent;
}

const call = async (e: HttpEvent) => (await handler(e, lambdaContext())) as APIGatewayProxyStructuredResultV2;
const cookieValue = (cookies: string[] | undefined, name: string) =>
  cookies
    ?.find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0]
    ?.slice(name.length + 1);

/** The sign-in redirect: where it sends the browser, and the login cookie it sets. */
async function startLogin(next = '/app/proposals') {
  const response = await call(event('GET', '/signin', { next }));
  expect(response.statusCode).toBe(302);
  const location = new URL(String(response.headers?.Location));
  expectedChallenge = location.searchParams.get('code_challenge') ?? '';
  const login = cookieValue(response.cookies, 'jif_login');
  return { response, location, login };
}

describe('the pages signed in through Cognito (authorization code flow with PKCE)', () => {
  it('sends the browser to the managed login with an S256 challenge, the state in a short-lived cookie', async () => {
    const { response, location, login } = await startLogin();
    expect(`${location.origin}${location.pathname}`).toBe(`${base}/oauth2/authorize`);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: 'https://jif.example/auth/callback',
      code_challenge_method: 'S256',
      scope: 'openid email profile',
    });
    expect(expectedChallenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('state')).toBeTruthy();
    expect(login).toBeTruthy();
    const cookie = response.cookies?.find((c) => c.startsWith('jif_login='));
    expect(cookie).toMatch(/Path=\/auth\/callback/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it('exchanges the code with the verifier and signs the person in with a Secure, HttpOnly, SameSite cookie', async () => {
    tokenRequests = [];
    const { location, login } = await startLogin('/app/proposals');
    const state = location.searchParams.get('state') ?? '';
    const response = await call(
      event('GET', '/auth/callback', { code: CODE, state }, { cookies: [`jif_login=${login}`] }),
    );
    expect(response.statusCode).toBe(303);
    expect(response.headers?.Location).toBe('/app/proposals');
    expect(tokenRequests).toHaveLength(1);
    const session = response.cookies?.find((c) => c.startsWith('jif_session='));
    expect(session).toMatch(/Secure/);
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(response.cookies?.find((c) => c.startsWith('jif_login='))).toMatch(/Max-Age=0/);

    // The session opens the port authority's pages.
    const token = cookieValue(response.cookies, 'jif_session') ?? '';
    const home = await call(event('GET', '/app', {}, { cookies: [`jif_session=${token}`] }));
    expect(home.statusCode).toBe(303);
    expect(String(home.headers?.Location)).toMatch(/^\/app\/proposals/);
  });

  it('refuses a callback whose state is not the login under way, without asking for tokens', async () => {
    tokenRequests = [];
    const { login } = await startLogin();
    const response = await call(
      event('GET', '/auth/callback', { code: CODE, state: 'forged' }, { cookies: [`jif_login=${login}`] }),
    );
    expect(response.statusCode).toBe(400);
    expect(tokenRequests).toHaveLength(0);
    expect(cookieValue(response.cookies, 'jif_session')).toBeUndefined();
  });

  it('refuses a login whose verifier does not match its challenge (the token endpoint says no)', async () => {
    tokenRequests = [];
    const { location, login } = await startLogin();
    const state = location.searchParams.get('state') ?? '';
    expectedChallenge = 'another-login-s-challenge';
    const response = await call(
      event('GET', '/auth/callback', { code: CODE, state }, { cookies: [`jif_login=${login}`] }),
    );
    expect(tokenRequests).toHaveLength(1);
    expect(response.statusCode).toBe(400);
    expect(cookieValue(response.cookies, 'jif_session')).toBeUndefined();
  });

  it('signs out: the session cookie cleared and the browser sent to the managed logout', async () => {
    const token = await idToken(['port-authority']);
    const csrf = createHash('sha256').update(`csrf:${token}`).digest('base64url');
    const response = await call(
      event(
        'POST',
        '/signout',
        {},
        {
          cookies: [`jif_session=${token}`],
          headers: {
            origin: 'https://jif.example',
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ csrf }).toString(),
        },
      ),
    );
    expect(response.statusCode).toBe(303);
    const location = new URL(String(response.headers?.Location));
    expect(`${location.origin}${location.pathname}`).toBe(`${base}/logout`);
    expect(location.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(location.searchParams.get('logout_uri')).toBe('https://jif.example/');
    expect(response.cookies?.find((c) => c.startsWith('jif_session='))).toMatch(/Max-Age=0/);
  });
});
