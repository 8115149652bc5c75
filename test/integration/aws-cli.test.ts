/**
 * The local endpoints speak the AWS APIs: the real AWS CLI lists executions, reads their history
 * and lists tables against them, with any credentials and region, as it would against AWS.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';

const run = promisify(execFile);
let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: 0.001 });
});
afterAll(async () => {
  await cloud.close();
});

async function aws(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('aws', [...args, '--output', 'json'], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'anything',
      AWS_SECRET_ACCESS_KEY: 'anything',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_PAGER: '',
    },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('the AWS CLI against the local endpoints', () => {
  it('lists the approval executions and reads one history', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Seen from the CLI' }));
    const endpoint = cloud.endpoints.stepfunctions;
    const listed = await aws(
      'stepfunctions',
      'list-executions',
      '--endpoint-url',
      endpoint,
      '--state-machine-arn',
      cloud.stateMachineArn('approval'),
    );
    const executions = listed.executions as { name: string; status: string; executionArn: string }[];
    const execution = executions.find((e) => e.name === proposalId);
    expect(execution?.status).toBe('RUNNING');

    const history = await aws(
      'stepfunctions',
      'get-execution-history',
      '--endpoint-url',
      endpoint,
      '--execution-arn',
      execution?.executionArn ?? '',
    );
    const types = (history.events as { type: string }[]).map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types).toContain('ParallelStateEntered');
  });

  it('stops an execution and redrives it (aws stepfunctions redrive-execution)', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Redriven from the CLI' }));
    const endpoint = cloud.endpoints.stepfunctions;
    const executionArn = `${cloud.stateMachineArn('approval').replace(':stateMachine:', ':execution:')}:${proposalId}`;
    await aws('stepfunctions', 'stop-execution', '--endpoint-url', endpoint, '--execution-arn', executionArn);
    const stopped = await aws(
      'stepfunctions',
      'describe-execution',
      '--endpoint-url',
      endpoint,
      '--execution-arn',
      executionArn,
    );
    expect(stopped).toMatchObject({ status: 'ABORTED', redriveStatus: 'REDRIVABLE', redriveCount: 0 });

    const redriven = await aws(
      'stepfunctions',
      'redrive-execution',
      '--endpoint-url',
      endpoint,
      '--execution-arn',
      executionArn,
    );
    expect(redriven.redriveDate).toBeDefined();
    const described = await aws(
      'stepfunctions',
      'describe-execution',
      '--endpoint-url',
      endpoint,
      '--execution-arn',
      executionArn,
    );
    expect(described).toMatchObject({ status: 'RUNNING', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE' });
    const history = await aws(
      'stepfunctions',
      'get-execution-history',
      '--endpoint-url',
      endpoint,
      '--execution-arn',
      executionArn,
    );
    const types = (history.events as { type: string }[]).map((e) => e.type);
    expect(types.slice(types.indexOf('ExecutionAborted'), types.indexOf('ExecutionAborted') + 2)).toEqual([
      'ExecutionAborted',
      'ExecutionRedriven',
    ]);
    await aws('stepfunctions', 'stop-execution', '--endpoint-url', endpoint, '--execution-arn', executionArn);
  }, 120_000); // seven runs of the Python CLI on a busy machine

  it('lists the tables the description declares', async () => {
    const tables = await aws('dynamodb', 'list-tables', '--endpoint-url', cloud.endpoints.dynamodb);
    expect(tables.TableNames).toEqual(expect.arrayContaining(['jif-Fund', 'jif-Idempotency']));
  });
});
