// valibot, not zod, here: every handler loads this, and valibot tree-shakes to the few checks used,
// which keeps a DynamoDB-only handler's bundle (its cold start) near a bare DynamoDB client's.
import * as v from 'valibot';
import type { AuthorityDirectory } from '../sign-off/domain/sign-off.ts';
import type { AuthSettings } from './session.ts';

const name = v.pipe(v.string(), v.minLength(1));
const email = (fallback: string) => v.optional(v.pipe(v.string(), v.email()), fallback);

/**
 * Every setting a handler reads, from its environment, checked once. Both builders set these:
 * the CDK stack from its props, the local cloud from its defaults (infra/local/cloud.ts).
 */
const schema = v.object({
  /** Set for the functions bound to the Fund table only (infra/system.ts `tables`). */
  FUND_TABLE_NAME: v.optional(name),
  IDEMPOTENCY_TABLE_NAME: v.optional(name),
  APPROVAL_STATE_MACHINE_ARN: v.optional(name),
  EVALUATION_STATE_MACHINE_ARN: v.optional(name),
  /** ISO date fund year 1 starts. */
  FUND_START_DATE: v.union([v.pipe(v.string(), v.isoDate()), v.pipe(v.string(), v.isoTimestamp())]),
  /** Base URL links in emails point at, without a trailing slash. */
  PUBLIC_BASE_URL: v.optional(v.pipe(v.string(), v.url())),
  EMAIL_FROM: email('jif@fund.example'),
  /** SES configuration set of every email (bounce and complaint metrics in AWS); unset locally. */
  SES_CONFIGURATION_SET: v.optional(name),
  UK_APPROVER_EMAIL: email('approver@homeoffice.example'),
  UK_DEPUTY_EMAIL: email('deputy@homeoffice.example'),
  FR_APPROVER_EMAIL: email('approbateur@interieur.example'),
  FR_DEPUTY_EMAIL: email('suppleant@interieur.example'),
  ROAD_AUTHORITY_EMAIL: email('routes@dir-nord.example'),
  ROAD_AUTHORITY_DEPUTY_EMAIL: email('routes@dir-nord.example'),
  FINANCE_EMAIL: email('finance@fund.example'),
  /** How the pages sign people in: the local dev issuer or Cognito's managed login. */
  AUTH_MODE: v.optional(v.picklist(['local', 'cognito'])),
  AUTH_ISSUER: v.optional(name),
  AUTH_AUDIENCE: v.optional(name),
  AUTH_JWKS_URL: v.optional(v.pipe(v.string(), v.url())),
  /** Cognito only: the managed login's base URL. */
  AUTH_LOGIN_DOMAIN: v.optional(v.pipe(v.string(), v.url())),
  /** The ledger's seal key (funding/ledger-key.ts): a KMS HMAC key id in AWS, or a key file locally. */
  LEDGER_KEY_ID: v.optional(name),
  LEDGER_KEY_FILE: v.optional(name),
  /**
   * Local mode's JIF_TIME_SCALE: the engine shrinks every wait and task timeout by it, so the
   * deadlines the handlers state (sign-off expiry, cost-report due dates) shrink alike. 1 in AWS.
   */
  TIME_SCALE: v.optional(v.pipe(v.string(), v.toNumber(), v.minValue(Number.MIN_VALUE)), '1'),
});

export type Config = v.InferOutput<typeof schema>;
export const CONFIG_KEYS = Object.keys(schema.entries) as (keyof Config)[];

let cached: Config | undefined;

export function config(): Config {
  if (!cached) {
    const result = v.safeParse(schema, process.env);
    if (!result.success) {
      const fields = result.issues.map((issue) => `${v.getDotPath(issue) ?? ''}: ${issue.message}`);
      throw new Error(`Invalid configuration: ${fields.join('; ')}`);
    }
    cached = result.output;
  }
  return cached;
}

/** Tests change the environment between cases. */
export function resetConfigForTests(): void {
  cached = undefined;
}

export function authorityDirectory(c: Config = config()): AuthorityDirectory {
  return {
    UK: { primary: c.UK_APPROVER_EMAIL, deputy: c.UK_DEPUTY_EMAIL },
    FR: { primary: c.FR_APPROVER_EMAIL, deputy: c.FR_DEPUTY_EMAIL },
    ROAD: { primary: c.ROAD_AUTHORITY_EMAIL, deputy: c.ROAD_AUTHORITY_DEPUTY_EMAIL },
  };
}

export function fundStart(c: Config = config()): Date {
  return new Date(c.FUND_START_DATE);
}

/** A duration of the flows (in their seconds) as it really passes here, in milliseconds. */
export function flowDurationMs(seconds: number, c: Config = config()): number {
  return Math.round(seconds * 1000 * c.TIME_SCALE);
}

export function requirePublicBaseUrl(c: Config = config()): string {
  if (!c.PUBLIC_BASE_URL) throw new Error('Invalid configuration: PUBLIC_BASE_URL is not set');
  return c.PUBLIC_BASE_URL.replace(/\/+$/, '');
}

/** A workflow's state machine ARN from the function's configuration, or an error naming the setting. */
export function requireStateMachineArn(
  key: 'APPROVAL_STATE_MACHINE_ARN' | 'EVALUATION_STATE_MACHINE_ARN',
  c: Config = config(),
): string {
  const arn = c[key];
  if (!arn) throw new Error(`Invalid configuration: ${key} is not set`);
  return arn;
}

export function authSettings(c: Config = config()): AuthSettings {
  if (!c.AUTH_MODE || !c.AUTH_ISSUER || !c.AUTH_AUDIENCE || !c.AUTH_JWKS_URL)
    throw new Error(
      'Invalid configuration: AUTH_MODE, AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL are needed',
    );
  if (c.AUTH_MODE === 'cognito' && !c.AUTH_LOGIN_DOMAIN)
    throw new Error('Invalid configuration: AUTH_LOGIN_DOMAIN is needed with Cognito');
  return {
    mode: c.AUTH_MODE,
    issuer: c.AUTH_ISSUER,
    audience: c.AUTH_AUDIENCE,
    jwksUrl: c.AUTH_JWKS_URL,
    ...(c.AUTH_LOGIN_DOMAIN ? { loginDomain: c.AUTH_LOGIN_DOMAIN.replace(/\/+$/, '') } : {}),
  };
}

/** The page where a proposal stands (signed-in pages), when the function knows the public URL. */
export function proposalPageUrl(proposalId: string, c: Config = config()): string | undefined {
  return c.PUBLIC_BASE_URL
    ? `${c.PUBLIC_BASE_URL.replace(/\/+$/, '')}/app/proposals/${encodeURIComponent(proposalId)}`
    : undefined;
}
