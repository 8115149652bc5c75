import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Email } from '../pages/emails.ts';
import { config } from './config.ts';
import { ses } from './ses.ts';

/** Sends one email through SES (v2), with both a plain-text and an HTML part. */
export async function sendEmail(to: string[], email: Email): Promise<string | undefined> {
  const { EMAIL_FROM, SES_CONFIGURATION_SET } = config();
  const { MessageId } = await ses.send(
    new SendEmailCommand({
      FromEmailAddress: EMAIL_FROM,
      ...(SES_CONFIGURATION_SET ? { ConfigurationSetName: SES_CONFIGURATION_SET } : {}),
      Destination: { ToAddresses: to },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: email.text, Charset: 'UTF-8' },
            Html: { Data: email.html, Charset: 'UTF-8' },
          },
        },
      },
    }),
  );
  return MessageId;
}
