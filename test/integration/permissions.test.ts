/**
 * Least privilege, locally: each function calls DynamoDB, SES and Step Functions with credentials
 * of its own, and the local cloud refuses what its role in AWS would not allow, with AWS's error.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionAccessKeyId } from '../../infra/local/iam.ts';
import { system } from '../../infra/system.ts';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { finished } from '../support/executions.ts';
import { approveAll } from '../support/flows.ts';

const as = (fn: string) => ({
  region: 'eu-west-3',
  credentials: { accessKeyId: functionAccessKeyId(fn), secretAccessKey: 'local', sessionToken: 'local' },
  maxAttempts: 1,
});
const TABLE = 'jif-Fund';

describe('least privilege in the local cloud', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
  }, 60_000);
  afterAll(() => cloud?.close());

  it('refuses a DynamoDB write to a read-only function: AccessDeniedException, 400, AWS words', async () => {
    const db = new DynamoDBClient({ ...as('getProposal'), endpoint: cloud.endpoints.dynamodb });
    const put = db.send(
      new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'forged' }, sk: { S: 'forged' } } }),
    );
    await expect(put).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
      message:
        'User: arn:aws:sts::000000000000:assumed-role/jif-getProposal-role/jif-getProposal is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-3:000000000000:table/jif-Fund because no identity-based policy allows the dynamodb:PutItem action',
    });
    // What it is granted goes through.
    const read = await db.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'forged' }, sk: { S: 'forged' } } }),
    );
    expect(read.Item).toBeUndefined();
    // An operator's own credentials (the AWS CLI, these tests) are not checked.
    const operator = new DynamoDBClient({
      region: 'eu-west-3',
      endpoint: cloud.endpoints.dynamodb,
      credentials: { accessKeyId: 'anything', secretAccessKey: 'x' },
    });
    await expect(
      operator.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'a' }, sk: { S: 'b' } } })),
    ).resolves.toBeDefined();
  });

  it('refuses SendEmail to a function that does not send mail: AccessDeniedException, 403', async () => {
    const ses = new SESv2Client({ ...as('getFund'), endpoint: cloud.endpoints.ses });
    const send = ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'jif@fund.example',
        Destination: { ToAddresses: ['someone@example.org'] },
        Content: { Simple: { Subject: { Data: 'x' }, Body: { Text: { Data: 'x' } } } },
      }),
    );
    await expect(send).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
      message: expect.stringContaining(
        'not authorized to perform: ses:SendEmail on resource: arn:aws:ses:eu-west-3:000000000000:identity/fund.example',
      ),
    });
  });

  it('refuses starting a workflow the function may not start: AccessDeniedException, 400', async () => {
    const sfn = new SFNClient({ ...as('submitProposal'), endpoint: cloud.endpoints.stepfunctions });
    await expect(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: cloud.stateMachineArn('evaluation'), input: '{}' }),
      ),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
      message: expect.stringContaining(
        `states:StartExecution on resource: ${cloud.stateMachineArn('evaluation')}`,
      ),
    });
  });

  it('takes a proposal to FUNDED within the granted permissions', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Granted mail' }));
    await approveAll(cloud, [proposalId]);
    await cloud.waitForStatus(proposalId, ['FUNDED'], 60_000);
  }, 120_000);
});

describe('a missing grant', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    // requestSignOff sends mail; were its entry not to say so, its role could not.
    const { sendsEmail: _, ...requestSignOff } = system.functions.requestSignOff;
    cloud = await startTestCloud({ functions: { ...system.functions, requestSignOff } });
  }, 60_000);
  afterAll(() => cloud?.close());

  it('fails the flow with AccessDeniedException where AWS would', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Missing grant' }));
    const execution = await finished(cloud, 'approval', proposalId, 60_000);
    expect(execution.status).toBe('FAILED');
    expect(JSON.stringify(execution.history)).toContain(
      'jif-requestSignOff is not authorized to perform: ses:SendEmail',
    );
  }, 120_000);
});
