/**
 * Local stand-in for the Cognito user pool: an RS256 key kept in the data directory signs dev
 * tokens whose `cognito:groups` claim carries the role, as Cognito's ID tokens do.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { ROLES, type Role } from '../../functions/domain/roles.ts';

export const LOCAL_AUDIENCE = 'jif-local';
const ALG = 'RS256';

export interface LocalIssuer {
  issuer: string;
  tokens(): Promise<Record<Role, string>>;
  sign(claims: Record<string, unknown>, options?: { expiresIn?: string }): Promise<string>;
  verify(token: string): Promise<Record<string, unknown>>;
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
