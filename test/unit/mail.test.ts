import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '../../functions/platform/config.ts';
import type { sendEmail as SendEmail } from '../../functions/platform/mail.ts';
import { setTestEnv } from './handlers/support.ts';

const ses = mockClient(SESv2Client);
const email = { subject: 'Funds committed', text: 'Committed.', html: '<p>Committed.</p>' };
let sendEmail: typeof SendEmail;

beforeAll(async () => {
  setTestEnv();
  ({ sendEmail } = await import('../../functions/platform/mail.ts'));
});

afterEach(() => {
  ses.reset();
  delete process.env.SES_CONFIGURATION_SET;
  resetConfigForTests();
});

describe('sendEmail', () => {
  it('sends through the SES configuration set the stack names (bounce and complaint metrics)', async () => {
    process.env.SES_CONFIGURATION_SET = 'Jif-mail';
    resetConfigForTests();
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    expect(await sendEmail(['finance@fund.example'], email)).toBe('m-1');
    const [call] = ses.commandCalls(SendEmailCommand);
    expect(call?.args[0].input).toMatchObject({
      ConfigurationSetName: 'Jif-mail',
      Destination: { ToAddresses: ['finance@fund.example'] },
      Content: { Simple: { Subject: { Data: 'Funds committed' } } },
    });
  });

  it('names no configuration set when none is configured (the local cloud)', async () => {
    resetConfigForTests();
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-2' });
    await sendEmail(['finance@fund.example'], email);
    const [call] = ses.commandCalls(SendEmailCommand);
    expect(call?.args[0].input).not.toHaveProperty('ConfigurationSetName');
  });
});
