import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REGION, regionSetting, stackPropsFromSettings } from '../../infra/aws/settings.ts';
import { JifStack } from '../../infra/aws/stack.ts';

const CDK_JSON = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The production app's context: cdk.json's, plus `-c` overrides; CDK's own switch skips bundling. */
function productionApp(overrides: Record<string, unknown> = {}): App {
  return new App({
    context: { ...CDK_JSON.context, ...overrides, 'aws:cdk:bundling-stacks': [] },
  });
}

/** What the CLI sets when the profile names no region. */
const CLI_ENV = { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'us-east-1' };

describe('the production app', () => {
  let stack: JifStack;
  let template: Template;
  beforeAll(() => {
    const app = productionApp();
    stack = new JifStack(app, 'Jif', stackPropsFromSettings(app, CLI_ENV));
    template = Template.fromStack(stack);
  }, 180_000);

  it('deploys to Paris by default, whatever region the CLI reports', () => {
    expect(CDK_JSON.context['jif:region']).toBe(DEFAULT_REGION);
    expect(DEFAULT_REGION).toBe('eu-west-3');
    expect(stack.region).toBe('eu-west-3');
    expect(stack.account).toBe('123456789012');
    // The region is in the template itself, not left to the deploying profile.
    const issuer = JSON.stringify(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    expect(issuer).toContain('cognito-idp.eu-west-3.');
    expect(issuer).not.toContain('us-east-1');
  });

  it('takes the region from jif:region when cdk.json has none', () => {
    const { 'jif:region': _, ...withoutRegion } = CDK_JSON.context;
    const app = new App({ context: withoutRegion });
    expect(regionSetting(app, CLI_ENV)).toBe('eu-west-3');
    expect(regionSetting(productionApp({ 'jif:region': 'eu-west-2' }), CLI_ENV)).toBe('eu-west-2');
  });

  it('lets JIF_REGION override the context, and ignores CDK_DEFAULT_REGION', () => {
    const app = productionApp({ 'jif:region': 'eu-west-2' });
    expect(regionSetting(app, { ...CLI_ENV, JIF_REGION: 'eu-west-1' })).toBe('eu-west-1');
    expect(regionSetting(app, { ...CLI_ENV, JIF_REGION: '  ' })).toBe('eu-west-2');
    expect(stackPropsFromSettings(app, { ...CLI_ENV, JIF_REGION: 'eu-west-1' }).env).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
    });
  });

  it('refuses the test-only switch that would deploy functions that throw, and any unknown setting', () => {
    expect(() => stackPropsFromSettings(productionApp({ 'jif:bundling': 'false' }), CLI_ENV)).toThrow(
      /Unknown setting jif:bundling/,
    );
    expect(() => stackPropsFromSettings(productionApp({ 'jif:regoin': 'eu-west-1' }), CLI_ENV)).toThrow(
      /Unknown setting jif:regoin/,
    );
    // The sign-off response time is a constant of the domain (the flows and the emailed deadlines
    // both read it); a setting that changed neither would mislead whoever set it.
    expect(() =>
      stackPropsFromSettings(productionApp({ 'jif:signOffResponseTimeoutSeconds': '3600' }), CLI_ENV),
    ).toThrow(/Unknown setting jif:signOffResponseTimeoutSeconds/);
    const props = stackPropsFromSettings(productionApp(), CLI_ENV);
    expect(props.bundling).toBeUndefined();
  });

  it('builds real handlers, never the stubs', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions).length).toBeGreaterThan(0);
    for (const fn of Object.values(functions) as { Properties: { Code: Record<string, unknown> } }[]) {
      expect(fn.Properties.Code.ZipFile).toBeUndefined();
      expect(fn.Properties.Code.S3Key).toBeDefined();
    }
  });

  it('subscribes jif:alarmEmail to the alarms, none when cdk.json leaves it empty', () => {
    expect(stackPropsFromSettings(productionApp(), CLI_ENV).alarmEmail).toBeUndefined();
    const app = productionApp({ 'jif:alarmEmail': 'oncall@fund.example' });
    expect(stackPropsFromSettings(app, CLI_ENV).alarmEmail).toBe('oncall@fund.example');
  });

  it('names a missing setting', () => {
    const { 'jif:financeEmail': _, ...context } = CDK_JSON.context;
    const app = new App({ context });
    expect(() => stackPropsFromSettings(app, CLI_ENV)).toThrow(/Missing setting: set jif:financeEmail/);
  });
});
