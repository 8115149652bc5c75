/**
 * The CDK app (`cdk.json`: `npx tsx infra/aws/app.ts`): one stack, `Jif`, checked by cdk-nag's
 * AwsSolutions rules at synthesis. Its settings are read by `settings.ts` (the `jif:*` context
 * keys of cdk.json and `JIF_REGION`); it always bundles the real handlers.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackPropsFromSettings } from './settings.ts';
import { JifStack } from './stack.ts';

const app = new App();
new JifStack(app, 'Jif', stackPropsFromSettings(app, process.env));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
