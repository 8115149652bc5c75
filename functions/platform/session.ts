/**
 * The pages' session: the identity provider's ID token (Cognito's, or the local issuer's) kept in a
 * `Secure`, `HttpOnly`, `SameSite=Lax` cookie, verified on every request with `jose` against the
 * issuer's published keys. The API keeps taking bearer tokens; the pages forward this one.
 *
 * Cross-site requests: SameSite=Lax already keeps the cookie off cross-site POSTs; on top of that
 * a form that changes something carries a token derived from the session (the HMAC-free kind: a
 * hash of the cookie, which a cross-site page can neither read nor guess), and the request must
 * come from this origin (`Sec-Fetch-Site`, else `Origin`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { type HttpEvent, header } from './http.ts';
import { type Role, rolesFromGroupsClaim } from './roles.ts';

export const SESSION_COOKIE = 'jif_session';
export const LOGIN_COOKIE = 'jif_login';

export interface AuthSettings {
  mode: 'local' | 'cognito';
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Cognito: the managed login's domain (`https://x.auth.region.amazoncognito.com`). */
  loginDomain?: string;
}

export interface Session {
  token: string;
  sub: string;
  name: string;
  roles: Role[];
  csrf: string;
  expiresAt: number;
}

/** `Set-Cookie` for the session: the attributes are the same in both modes. */
export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${maxAgeSeconds}; Secure; HttpOnly; SameSite=Lax`;
}

export function clearCookie(name: string): string {
  return `${name}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax`;
}

/** The request's cookies (payload 2.0 puts them in `cookies`; a plain `Cookie` header also works). */
export function cookiesOf(event: HttpEvent): Map<string, string> {
  const raw = [...(event.cookies ?? []), ...(header(event, 'cookie') ?? '').split(';')];
  const cookies = new Map<string, string>();
  for (const part of raw) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return cookies;
}

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keySet(url: string): ReturnType<typeof createRemoteJWKSet> {
  let keys = keySets.get(url);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(url));
    keySets.set(url, keys);
  }
  return keys;
}

export function csrfTokenFor(token: string): string {
  return createHash('sha256').update(`csrf:${token}`).digest('base64url');
}

/** The signed-in person, or undefined (no cookie, bad signature, expired, other issuer). */
export async function sessionOf(event: HttpEvent, auth: AuthSettings): Promise<Session | undefined> {
  const token = cookiesOf(event).get(SESSION_COOKIE);
  if (!token) return undefined;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keySet(auth.jwksUrl), {
      issuer: auth.issuer,
      audience: auth.audience,
    }));
  } catch {
    return undefined;
  }
  if (typeof payload.sub !== 'string') return undefined;
  const name = [payload.email, payload['cognito:username'], payload.sub].find(
    (value): value is string => typeof value === 'string',
  );
  return {
    token,
    sub: payload.sub,
    name: name ?? payload.sub,
    roles: rolesFromGroupsClaim(payload['cognito:groups']),
    csrf: csrfTokenFor(token),
    expiresAt: payload.exp ?? 0,
  };
}

/** A state-changing form POST is accepted only from this origin, with the session's token. */
export function isSameOriginForm(event: HttpEvent, session: Session, submitted: string | null): boolean {
  const site = header(event, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = header(event, 'origin');
  const host = header(event, 'host');
  if (site === undefined && (!origin || !host || hostOf(origin) !== host)) return false;
  const expected = Buffer.from(session.csrf);
  const given = Buffer.from(submitted ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
