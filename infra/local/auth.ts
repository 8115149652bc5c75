/**
 * Local stand-in for the Cognito user pool: an RS256 key kept in the data directory signs dev
 * tokens whose `cognito:groups` claim carries the role, as Cognito's ID tokens do.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { isRole, ROLES, type Role } from '../../functions/platform/roles.ts';
import { sessionCookie } from '../../functions/platform/session.ts';

export const LOCAL_AUDIENCE = 'jif-local';
export const LOCAL_ISSUER = 'urn:jif:local';
const ALG = 'RS256';

export interface LocalIssuer {
  issuer: string;
  tokens(): Promise<Record<Role, string>>;
  sign(claims: Record<string, unknown>, options?: { expiresIn?: string }): Promise<string>;
  verify(token: string): Promise<Record<string, unknown>>;
  /** The public key as a JWKS, as Cognito publishes its own (`/.well-known/jwks.json`). */
  jwks: { keys: JWK[] };
}

export async function localIssuer(dataDir: string, issuer: string): Promise<LocalIssuer> {
  const file = join(dataDir, 'jwt-key.json');
  let privateJwk: JWK;
  let publicJwk: JWK;
  if (existsSync(file)) {
    ({ privateJwk, publicJwk } = JSON.parse(readFileSync(file, 'utf8')) as {
      privateJwk: JWK;
      publicJwk: JWK;
    });
  } else {
    const pair = await generateKeyPair(ALG, { extractable: true });
    privateJwk = await exportJWK(pair.privateKey);
    publicJwk = await exportJWK(pair.publicKey);
    writeFileSync(file, JSON.stringify({ privateJwk, publicJwk }), { mode: 0o600 });
  }
  const privateKey = await importJWK(privateJwk, ALG);
  const publicKey = await importJWK(publicJwk, ALG);

  const sign: LocalIssuer['sign'] = (claims, options = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, kid: 'local' })
      .setIssuer(issuer)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '30d')
      .sign(privateKey);

  return {
    issuer,
    sign,
    jwks: { keys: [{ ...publicJwk, kid: 'local', alg: ALG, use: 'sig' }] },
    async tokens() {
      const entries = await Promise.all(
        ROLES.map(async (role) => [
          role,
          await sign({
            sub: `local-${role}`,
            'cognito:groups': [role],
            'cognito:username': `local-${role}`,
            email: `${role}@local.example`,
          }),
        ]),
      );
      return Object.fromEntries(entries) as Record<Role, string>;
    },
    async verify(token) {
      const { payload } = await jwtVerify(token, publicKey, {
        issuer,
        audience: LOCAL_AUDIENCE,
        algorithms: [ALG],
      });
      return payload as Record<string, unknown>;
    },
  };
}

const SESSION_SECONDS = 8 * 3600;

/**
 * The dev sign-in page's POST (local mode only): a token for the chosen role, as Cognito's managed
 * login would hand one over, in the same session cookie. Only from this origin (no login CSRF).
 */
export async function localSignIn(
  issuer: LocalIssuer,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8').slice(0, 4096));
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  const sameOrigin = site ? site === 'same-origin' : origin?.endsWith(`//${req.headers.host}`);
  const role = form.get('role') ?? '';
  if (!sameOrigin || !isRole(role)) {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Choose a role on the sign-in page.');
    return;
  }
  const token = await issuer.sign(
    {
      sub: `local-${role}`,
      'cognito:groups': [role],
      'cognito:username': `local-${role}`,
      email: `${role}@local.example`,
    },
    { expiresIn: `${SESSION_SECONDS}s` },
  );
  const next = form.get('next') ?? '/app';
  res.writeHead(303, {
    Location: /^\/(?!\/)[^\s\\]*$/.test(next) ? next : '/app',
    'Set-Cookie': sessionCookie(token, SESSION_SECONDS),
    'Cache-Control': 'no-store',
  });
  res.end();
}
