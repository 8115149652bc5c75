/**
 * The production app's settings: the `jif:*` context keys of cdk.json (each overridable with
 * `-c jif:<key>=<value>`) and the one environment variable of ours, `JIF_REGION`. Every key must
 * be known: a test-only switch (such as building the functions as stubs that throw) is a prop of
 * `JifStack` that tests pass, never a setting a deploy can carry.
 */
import type { App } from 'aws-cdk-lib';
import type { JifStackProps } from './stack.ts';

/** Where JIF runs unless `jif:region` or `JIF_REGION` says otherwise (Paris). */
export const DEFAULT_REGION = 'eu-west-3';

/** Every `jif:*` context key the app reads. */
export const SETTING_KEYS = [
  'region',
  'fundStartDate',
  'emailDomain',
  'emailFrom',
  'ukApproverEmail',
  'ukDeputyEmail',
  'frApproverEmail',
  'frDeputyEmail',
  'roadAuthorityEmail',
  'roadAuthorityDeputyEmail',
  'financeEmail',
  'publicBaseUrl',
  'alarmEmail',
] as const;

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The region: `JIF_REGION`, else `jif:region`, else eu-west-3. Never `CDK_DEFAULT_REGION`: the CLI
 * always sets it (to us-east-1 when the profile names no region), which would move the fund silently.
 */
export function regionSetting(app: App, env: Environment): string {
  const fromEnv = env.JIF_REGION?.trim();
  if (fromEnv) return fromEnv;
  return contextValue(app, 'region') ?? DEFAULT_REGION;
}

function contextValue(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(`jif:${key}`);
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

/** The props of the production stack, from the app's context and the environment. */
export function stackPropsFromSettings(app: App, env: Environment): JifStackProps {
  const known = new Set<string>(SETTING_KEYS);
  const contextKeys = Object.keys({ ...app.node.getAllContext() }).filter((key) => key.startsWith('jif:'));
  const unknown = contextKeys.filter((key) => !known.has(key.slice('jif:'.length)));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown setting ${unknown.join(', ')}: the app reads only jif:${SETTING_KEYS.join(', jif:')}`,
    );
  }
  const context = (key: (typeof SETTING_KEYS)[number]) => contextValue(app, key);
  const required = (key: (typeof SETTING_KEYS)[number]): string => {
    const value = context(key);
    if (value === undefined)
      throw new Error(`Missing setting: set jif:${key} in cdk.json or pass -c jif:${key}=...`);
    return value;
  };
  return {
    env: { account: env.CDK_DEFAULT_ACCOUNT, region: regionSetting(app, env) },
    description: 'JIF: the France/UK joint intervention fund for Calais port security',
    fundStartDate: required('fundStartDate'),
    emailDomain: required('emailDomain'),
    emailFrom: required('emailFrom'),
    approvers: {
      UK: { primary: required('ukApproverEmail'), deputy: required('ukDeputyEmail') },
      FR: { primary: required('frApproverEmail'), deputy: required('frDeputyEmail') },
      ROAD: { primary: required('roadAuthorityEmail'), deputy: required('roadAuthorityDeputyEmail') },
    },
    financeEmail: required('financeEmail'),
    publicBaseUrl: context('publicBaseUrl'),
    alarmEmail: context('alarmEmail'),
  };
}
