import { z } from 'zod';
import type { AuthorityDirectory } from '../domain/sign-off.ts';

/**
 * Every setting a handler reads, from its environment, checked once. Both builders set these:
 * the CDK stack from its props, the local cloud from its defaults (see infra/local/config.ts).
 */
const schema = z.object({
  FUND_TABLE_NAME: z.string().min(1),
  IDEMPOTENCY_TABLE_NAME: z.string().min(1).optional(),
  APPROVAL_STATE_MACHINE_ARN: z.string().min(1).optional(),
  EVALUATION_STATE_MACHINE_ARN: z.string().min(1).optional(),
  /** ISO date fund year 1 starts. */
  FUND_START_DATE: z.iso.date().or(z.iso.datetime()),
  /** Base URL links in emails point at, without a trailing slash. */
  PUBLIC_BASE_URL: z.url().optional(),
  EMAIL_FROM: z.email().default('jif@fund.example'),
  /** SES configuration set of every email (bounce and complaint metrics in AWS); unset locally. */
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
  UK_APPROVER_EMAIL: z.email().default('approver@homeoffice.example'),
  UK_DEPUTY_EMAIL: z.email().default('deputy@homeoffice.example'),
  FR_APPROVER_EMAIL: z.email().default('approbateur@interieur.example'),
  FR_DEPUTY_EMAIL: z.email().default('suppleant@interieur.example'),
  ROAD_AUTHORITY_EMAIL: z.email().default('routes@dir-nord.example'),
  ROAD_AUTHORITY_DEPUTY_EMAIL: z.email().default('routes@dir-nord.example'),
  FINANCE_EMAIL: z.email().default('finance@fund.example'),
  /** How long a sign-off link stays valid, in seconds (covers reminders and the deputy). */
  SIGN_OFF_LINK_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 24 * 3600),
});

export type Config = z.infer<typeof schema>;
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof Config)[];

let cached: Config | undefined;

export function config(): Config {
  if (!cached) {
    const result = schema.safeParse(process.env);
    if (!result.success) {
      const fields = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new Error(`Invalid configuration: ${fields.join('; ')}`);
    }
    cached = result.data;
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

export function requirePublicBaseUrl(c: Config = config()): string {
  if (!c.PUBLIC_BASE_URL) throw new Error('Invalid configuration: PUBLIC_BASE_URL is not set');
  return c.PUBLIC_BASE_URL.replace(/\/+$/, '');
}
