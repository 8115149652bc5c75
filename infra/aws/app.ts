/**
 * The CDK app (`cdk.json`: `npx tsx infra/aws/app.ts`): one stack, `Jif`, checked by cdk-nag's
 * AwsSolutions rules at synthesis. Settings come from the `jif:*` context keys of cdk.json,
 * each overridable with `-c jif:<key>=<value>` (e.g. `-c jif:bundling=false` to synthesize
 * without bundling the handlers).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { JifStack } from './stack.ts';

const app = new App();

function context(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(`jif:${key}`);
  return value === undefined || value === null || value === '' ? undefined : String(value);
}
function required(key: string): string {
  const value = context(key);
  if (value === undefined)
    throw new Error(`Missing setting: set jif:${key} in cdk.json or pass -c jif:${key}=...`);
  return value;
}
function integer(key: string): number | undefined {
  const value = context(key);
  return value === undefined ? undefined : Number(value);
}

new JifStack(app, 'Jif', {
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-3',
  },
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
  signOffResponseTimeoutSeconds: integer('signOffResponseTimeoutSeconds'),
  signOffLinkTtlSeconds: integer('signOffLinkTtlSeconds'),
  publicBaseUrl: context('publicBaseUrl'),
  bundling: context('bundling') !== 'false',
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
