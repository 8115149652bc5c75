/**
 * The local gateway builds the event API Gateway HTTP APIs (payload format 2.0) hand a Lambda, and
 * authorises as the JWT authorizer does: 401 before the function runs, claims where AWS puts them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolesFromGroupsClaim } from '../../functions/platform/roles.ts';
import { type LocalIssuer, localIssuer } from '../../infra/local/auth.ts';
import { apiGateway } from '../../infra/local/gateway.ts';
import { system } from '../../infra/system.ts';

const dir = mkdtempSync(join(tmpdir(), 'jif-gateway-'));
let issuer: LocalIssuer;
let server: Server;
let base: string;
const seen: { name: string; event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } }[] =
  [];

beforeAll(async () => {
  issuer = await localIssuer(dir, 'urn:jif:local');
  server = createServer(
    apiGateway({
      issuer,
      extras: [],
      invoke: async (name, event) => {
        seen.push({ name, event: event as (typeof seen)[number]['event'] });
        return { statusCode: 202, headers: { 'x-handled-by': name }, body: 'ok' };
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the local API gateway', () => {
  it('builds a payload 2.0 event with route key, path and query parameters, headers and body', async () => {
    const token = (await issuer.tokens()).finance;
    const response = await fetch(`${base}/proposals/abc-123?x=1&x=2&y=z`, {
      headers: { authorization: `Bearer ${token}`, 'X-Custom': 'Yes' },
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-handled-by')).toBe('getProposal');
    const { event } = seen.at(-1) ?? { event: undefined };
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /proposals/{id}',
      rawPath: '/proposals/abc-123',
      rawQueryString: 'x=1&x=2&y=z',
      pathParameters: { id: 'abc-123' },
      queryStringParameters: { x: '1,2', y: 'z' },
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'GET', path: '/proposals/abc-123' },
        stage: '$default',
        routeKey: 'GET /proposals/{id}',
      },
    });
    expect(event?.headers['x-custom']).toBe('Yes');
    const authorizer = event?.requestContext.authorizer as
      | { jwt: { claims: Record<string, string> } }
      | undefined;
    const claims = authorizer?.jwt.claims ?? {};
    expect(claims.sub).toBe('local-finance');
    // Array claims arrive flattened, as API Gateway flattens them.
    expect(claims['cognito:groups']).toBe('[finance]');
    expect(rolesFromGroupsClaim(claims['cognito:groups'])).toEqual(['finance']);
  });

  it('passes text bodies as text and binary bodies as base64', async () => {
    const token = (await issuer.tokens())['port-authority'];
    await fetch(`${base}/proposals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(seen.at(-1)?.event).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    await fetch(`${base}/proposals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 255, 1]),
    });
    expect(seen.at(-1)?.event).toMatchObject({
      body: Buffer.from([0, 255, 1]).toString('base64'),
      isBase64Encoded: true,
    });
  });

  it('answers 401 before the function runs for a missing, foreign or expired token', async () => {
    const before = seen.length;
    const other = await generateKeyPair('RS256');
    const foreign = await new SignJWT({ sub: 'x', 'cognito:groups': ['finance'] })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('urn:jif:local')
      .setAudience('jif-local')
      .setExpirationTime('1h')
      .sign(other.privateKey);
    const expired = await issuer.sign({ sub: 'x', 'cognito:groups': ['finance'] }, { expiresIn: '-1m' });
    for (const authorization of [
      undefined,
      'Bearer nonsense',
      `Bearer ${foreign}`,
      `Bearer ${expired}`,
      'Basic abc',
    ]) {
      const response = await fetch(`${base}/fund`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: 'Unauthorized', errors: [] });
    }
    expect(seen.length).toBe(before);
  });

  it('lets public routes through without a token, and answers 404 itself where no route is', async () => {
    expect((await fetch(`${base}/approvals/some-id?token=t`)).status).toBe(202);
    expect(seen.at(-1)?.event.requestContext.authorizer).toBeUndefined();
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    // A route is method + path, as in an HTTP API, which has no 405.
    const wrongMethod = await fetch(`${base}/fund`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(404);
    expect(await wrongMethod.json()).toEqual({ message: 'Not Found', errors: [] });
  });

  it('routes exactly the method + path pairs of the description, as the AWS stack does', async () => {
    const token = (await issuer.tokens()).admin;
    const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'x1');
    for (const route of system.routes) {
      const response = await fetch(`${base}${concrete(route.path)}`, {
        method: route.method,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, `${route.method} ${route.path}`).toBe(202);
      expect(response.headers.get('x-handled-by')).toBe(route.function);
      expect(seen.at(-1)?.event.routeKey).toBe(`${route.method} ${route.path}`);
      expect(seen.at(-1)?.event.requestContext.http.method).toBe(route.method);
    }
    // HEAD is answered only where the description has a HEAD route (404 elsewhere, as in AWS).
    const paths = [...new Set(system.routes.map((route) => route.path))];
    for (const path of paths) {
      const hasHead = system.routes.some((route) => route.path === path && route.method === 'HEAD');
      const response = await fetch(`${base}${concrete(path)}`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, `HEAD ${path}`).toBe(hasHead ? 202 : 404);
      expect(await response.text()).toBe('');
    }
  });

  it('has HEAD routes for the emailed link pages, served by their GET handlers', () => {
    for (const path of ['/approvals/{approvalId}', '/cost-reports/{reportId}']) {
      const get = system.routes.find((route) => route.method === 'GET' && route.path === path);
      const head = system.routes.find((route) => route.method === 'HEAD' && route.path === path);
      expect(head).toEqual({ ...get, method: 'HEAD' });
    }
  });
});
