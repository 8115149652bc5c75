/**
 * Least privilege, locally: each function calls DynamoDB, SES and Step Functions with credentials
 * of its own, and the local cloud refuses what its role in AWS would not allow, with AWS's error.
 */
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_PREFIX } from '../../functions/platform/keys.ts';
import { functionAccessKeyId, localPrincipals, stateMachineAccessKeyId } from '../../infra/local/iam.ts';
import { functionArn, stateMachineArn } from '../../infra/local/names.ts';
import { system } from '../../infra/system.ts';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { finished } from '../support/executions.ts';
import { approveAll, waitUntil } from '../support/flows.ts';

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

  it('lets the link functions write only their own items (dynamodb:LeadingKeys, ForAllValues:StringLike)', async () => {
    const db = new DynamoDBClient({ ...as('decideApproval'), endpoint: cloud.endpoints.dynamodb });
    const put = (pk: string) =>
      db.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk }, sk: { S: 'probe' } } }));
    await expect(put('PROPOSAL#forged')).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
      message:
        'User: arn:aws:sts::000000000000:assumed-role/jif-decideApproval-role/jif-decideApproval is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-3:000000000000:table/jif-Fund because no identity-based policy allows the dynamodb:PutItem action',
    });
    // StringLike is case-sensitive and anchored: a prefix elsewhere in the key is not enough.
    await expect(put(`x${KEY_PREFIX.approval}1`)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(put(`${KEY_PREFIX.approval}probe`)).resolves.toBeDefined();
    await expect(
      db.send(
        new DeleteItemCommand({ TableName: TABLE, Key: { pk: { S: 'ENVELOPE#1' }, sk: { S: 'ENVELOPE' } } }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // ForAllValues: a batch is refused whole when one of its items lies outside; nothing is written.
    const batch = (second: string) =>
      db.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [TABLE]: [
              { PutRequest: { Item: { pk: { S: `${KEY_PREFIX.approval}batch` }, sk: { S: 'probe' } } } },
              { DeleteRequest: { Key: { pk: { S: second }, sk: { S: 'probe' } } } },
            ],
          },
        }),
      );
    await expect(batch('LEDGER#1')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const operator = new DynamoDBClient({ region: 'eu-west-3', endpoint: cloud.endpoints.dynamodb });
    const written = await operator.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { pk: { S: `${KEY_PREFIX.approval}batch` }, sk: { S: 'probe' } },
      }),
    );
    expect(written.Item).toBeUndefined();
    await expect(batch(`${KEY_PREFIX.approval}other`)).resolves.toBeDefined();
    // Reads are not conditioned: the link pages read what they show.
    await expect(
      db.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': { S: 'PROPOSAL#any' } },
        }),
      ),
    ).resolves.toBeDefined();

    const reports = new DynamoDBClient({ ...as('submitCostReport'), endpoint: cloud.endpoints.dynamodb });
    const update = (pk: string) =>
      reports.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { pk: { S: pk }, sk: { S: 'probe' } },
          UpdateExpression: 'SET probe = :p',
          ExpressionAttributeValues: { ':p': { S: 'x' } },
        }),
      );
    await expect(update(`${KEY_PREFIX.approval}probe`)).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        'jif-submitCostReport is not authorized to perform: dynamodb:UpdateItem',
      ),
    });
    await expect(update(`${KEY_PREFIX.costReport}probe`)).resolves.toBeDefined();
  });

  it('authorizes SendTask* on the state machine whose task issued the token', async () => {
    await cloud.submit(sampleProposal({ title: 'Token scope' }));
    const signOffs = `${cloud.stateMachineArn('signOff').replace(':stateMachine:', ':execution:')}:`;
    const waiting = await waitUntil(
      () => cloud.engine.pendingTaskTokens().find((task) => task.executionArn.startsWith(signOffs)),
      'a sign-off request waiting',
    );
    expect(cloud.engine.taskTokenIssuer(waiting.token)).toBe(cloud.stateMachineArn('signOff'));
    // submitCostReport completes only the evaluation's tasks: the denial names the issuing state machine.
    const sfn = new SFNClient({ ...as('submitCostReport'), endpoint: cloud.endpoints.stepfunctions });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: waiting.token, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
      message: expect.stringContaining(
        `jif-submitCostReport is not authorized to perform: states:SendTaskSuccess on resource: ${cloud.stateMachineArn('signOff')}`,
      ),
    });
    expect(cloud.engine.pendingTaskTokens().some((task) => task.token === waiting.token)).toBe(true);
    // A token no task holds names no resource: the service answers, as AWS does for a stale token.
    const decide = new SFNClient({ ...as('decideApproval'), endpoint: cloud.endpoints.stepfunctions });
    await expect(
      decide.send(new SendTaskSuccessCommand({ taskToken: 'no-such-token', output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    // A role whose SendTask* names another state machine is refused that token (a local policy check).
    const elsewhere = localPrincipals(undefined, {
      ...system.functions,
      decideApproval: {
        ...system.functions.decideApproval,
        completesTasks: { workflow: 'evaluation', outcomes: ['success', 'failure'] },
      },
    });
    expect(
      elsewhere.denial(
        functionAccessKeyId('decideApproval'),
        'states:SendTaskSuccess',
        stateMachineArn('signOff'),
      ),
    ).toContain('is not authorized to perform: states:SendTaskSuccess');
    expect(
      localPrincipals(undefined).denial(
        functionAccessKeyId('decideApproval'),
        'states:SendTaskSuccess',
        stateMachineArn('signOff'),
      ),
    ).toBeUndefined();
  }, 60_000);

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

describe('a state machine missing a grant (each state machine has a role of its own)', () => {
  // The approval flow as if infra/system.ts forgot that it nests the sign-off flow: the stack would
  // not let its role start it, although the evaluation flow's role, which nests it too, may.
  const workflows = { ...system.workflows, approval: { ...system.workflows.approval, nested: [] } };
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({ workflows });
  }, 60_000);
  afterAll(() => cloud?.close());

  it('checks each machine against its own role only', () => {
    const principals = localPrincipals(undefined, system.functions, workflows);
    const approval = stateMachineAccessKeyId('approval');
    const evaluation = stateMachineAccessKeyId('evaluation');
    expect(principals.denial(approval, 'states:StartExecution', stateMachineArn('signOff'))).toBe(
      `User: arn:aws:sts::000000000000:assumed-role/jif-approval-states-role/jif-approval-states is not authorized to perform: states:StartExecution on resource: ${stateMachineArn('signOff')} because no identity-based policy allows the states:StartExecution action`,
    );
    expect(
      principals.denial(evaluation, 'states:StartExecution', stateMachineArn('signOff')),
    ).toBeUndefined();
    // What one machine invokes is not the other's to invoke.
    expect(
      principals.denial(evaluation, 'lambda:InvokeFunction', functionArn('prepareEvaluation')),
    ).toBeUndefined();
    expect(principals.denial(approval, 'lambda:InvokeFunction', functionArn('prepareEvaluation'))).toContain(
      'not authorized to perform: lambda:InvokeFunction',
    );
    expect(principals.denial(approval, 'lambda:InvokeFunction', functionArn('commitFunds'))).toBeUndefined();
    // `.sync` needs the child's executions and the managed events rule as well.
    const intact = localPrincipals(undefined);
    const signOffs = `${stateMachineArn('signOff').replace(':stateMachine:', ':execution:')}:x`;
    expect(intact.denial(approval, 'states:DescribeExecution', signOffs)).toBeUndefined();
    expect(intact.denial(approval, 'states:StopExecution', signOffs)).toBeUndefined();
    expect(
      intact.denial(
        approval,
        'events:PutRule',
        'arn:aws:events:eu-west-3:000000000000:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
      ),
    ).toBeUndefined();
    expect(principals.denial(approval, 'states:DescribeExecution', signOffs)).toBeDefined();
  });

  it('fails that machine: its nested start is a task failure with the denial, and no sign-off starts', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Missing nested grant' }));
    const execution = await finished(cloud, 'approval', proposalId, 60_000);
    expect(execution.status).toBe('FAILED');
    const failures = execution.history.filter((event) => event.type === 'TaskFailed');
    expect(failures.length).toBeGreaterThan(0);
    expect(JSON.stringify(failures)).toContain('StepFunctions.AWSStepFunctionsException');
    expect(JSON.stringify(failures)).toContain(
      `jif-approval-states is not authorized to perform: states:StartExecution on resource: ${cloud.stateMachineArn('signOff')}`,
    );
    expect(cloud.engine.listExecutions({ stateMachineArn: cloud.stateMachineArn('signOff') })).toEqual([]);
    const asked = (await cloud.emails()).filter((email) => email.text.includes(proposalId));
    expect(asked.filter((email) => /approvals\//.test(email.text))).toEqual([]);
  }, 120_000);
});
