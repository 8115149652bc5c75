/**
 * Faults on demand (contract section 8), as a user rehearses them over HTTP: `/local/faults` and
 * `JIF_FAULTS` make DynamoDB, SES and Lambda fail with AWS's error names; a transient fault is
 * absorbed, a permanent one fails the flow visibly, and a redrive after it is cleared carries on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Faults, invokeWithFaults, parseFaults } from '../../infra/local/faults.ts';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { FR, UK, until } from '../support/executions.ts';

describe('fault specs', () => {
  it('parses service:ErrorName:count|always and refuses a bad entry, saying which and why', () => {
    expect(
      parseFaults('ses:TooManyRequestsException:3, dynamodb:ProvisionedThroughputExceededException:always'),
    ).toEqual([
      { service: 'ses', error: 'TooManyRequestsException', remaining: 3 },
      { service: 'dynamodb', error: 'ProvisionedThroughputExceededException', remaining: 'always' },
    ]);
    expect(() => parseFaults('sqs:Throttling:1')).toThrow(/unknown service 'sqs'/);
    expect(() => parseFaults('ses:NoSuchError:1')).toThrow(/ses has no error 'NoSuchError'/);
    expect(() => parseFaults('ses:MessageRejected:0')).toThrow(/neither a positive integer nor 'always'/);
    expect(() => parseFaults('ses:MessageRejected:1:commitFunds')).toThrow(
      /only a lambda fault names a function/,
    );
    expect(() => parseFaults('lambda:Sandbox.Timedout:1:payEveryone')).toThrow(/no function 'payEveryone'/);
    // The Lambda API's name of an invocation failure, or the one Step Functions reports: the same fault.
    expect(parseFaults('lambda:TooManyRequestsException:2,lambda:Lambda.ServiceException:1')).toEqual([
      { service: 'lambda', error: 'Lambda.TooManyRequestsException', remaining: 2 },
      { service: 'lambda', error: 'Lambda.ServiceException', remaining: 1 },
    ]);
    expect(() => parseFaults('lambda:Timedout:1')).toThrow(/lambda has no error 'Timedout'/);
  });

  it('a Lambda fault naming a function fails only that function, by either of its names', async () => {
    const faults = new Faults();
    faults.set('lambda:Lambda.TooManyRequestsException:2:commitFunds');
    const calls: string[] = [];
    const call = (name: string) => invokeWithFaults(faults, async () => calls.push(name), name);
    await expect(call('disburseFunds')).resolves.toBe(1);
    await expect(call('commitFunds')).rejects.toMatchObject({ name: 'Lambda.TooManyRequestsException' });
    await expect(call('jif-commitFunds')).rejects.toMatchObject({ name: 'Lambda.TooManyRequestsException' });
    await expect(call('jif-commitFunds')).resolves.toBe(2);
    expect(calls).toEqual(['disburseFunds', 'jif-commitFunds']);
    expect(faults.list()).toEqual([]);
  });

  it('counts down, then lets calls through; a Lambda timeout still runs the handler', async () => {
    const faults = new Faults();
    faults.set('lambda:Lambda.ServiceException:1,lambda:Sandbox.Timedout:1');
    let ran = 0;
    const call = () => invokeWithFaults(faults, async () => ++ran);
    await expect(call()).rejects.toMatchObject({ name: 'Lambda.ServiceException' });
    expect(ran).toBe(0);
    await expect(call()).rejects.toMatchObject({ name: 'Sandbox.Timedout' });
    expect(ran).toBe(1);
    await expect(call()).resolves.toBe(2);
    expect(faults.list()).toEqual([]);
  });
});

describe('faults on demand over HTTP', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({ timeScale: 0.0001, faults: '' });
  });
  afterAll(async () => {
    await cloud?.close();
  });

  const faultsApi = (method: string, body?: string) =>
    fetch(`${cloud.baseUrl}/local/faults`, { method, ...(body === undefined ? {} : { body }) });

  it('a bad spec is 400 naming the entry, and changes nothing', async () => {
    await faultsApi('POST', 'ses:TooManyRequestsException:2');
    const bad = await faultsApi('POST', 'dynamodb:Nope:1');
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { errors: { path: string; message: string }[] };
    expect(body.errors[0]?.path).toBe('faults');
    expect(body.errors[0]?.message).toMatch(/dynamodb has no error 'Nope'/);
    expect(await (await faultsApi('GET')).json()).toEqual([
      { service: 'ses', error: 'TooManyRequestsException', remaining: 2 },
    ]);
    expect((await faultsApi('DELETE')).status).toBe(200);
    expect(await (await faultsApi('GET')).json()).toEqual([]);
  });

  it('DynamoDB throttled for good: the API answers 5xx; cleared, it answers again', async () => {
    await faultsApi('POST', 'dynamodb:ProvisionedThroughputExceededException:always');
    const failing = await cloud.api('GET', '/fund', { as: 'finance' });
    expect(failing.status).toBeGreaterThanOrEqual(500);
    await faultsApi('DELETE');
    expect((await cloud.api('GET', '/fund', { as: 'finance' })).status).toBe(200);
  });

  it('SES throttled twice: absorbed by retries, each sign-off email sent once', async () => {
    await faultsApi('POST', 'ses:TooManyRequestsException:2');
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Throttled mail' }));
    await until(async () => {
      const emails = (await cloud.emails()).filter((e) => e.text.includes(proposalId));
      return (emails.some((e) => e.to.includes(UK)) && emails.some((e) => e.to.includes(FR))) || undefined;
    }, 'both sign-off requests sent');
    const requests = (await cloud.emails()).filter(
      (e) => e.text.includes(proposalId) && (e.to.includes(UK) || e.to.includes(FR)),
    );
    expect(requests).toHaveLength(2);
    expect(await (await faultsApi('GET')).json()).toEqual([]);
  });

  it('SES rejecting mail for good: workflow FAILED on the proposal; cleared and redriven, the requests go out', async () => {
    await faultsApi('POST', 'ses:MessageRejected:always');
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Rejected mail' }));
    const failed = await until(async () => {
      const view = (await (await cloud.api('GET', `/proposals/${proposalId}`, { as: 'admin' })).json()) as {
        workflow?: { status: string; error?: { error: string } };
      };
      return view.workflow?.status === 'FAILED' ? view : undefined;
    }, 'the workflow FAILED');
    expect(JSON.stringify(failed.workflow?.error)).toMatch(/MessageRejected/);
    await faultsApi('DELETE');
    expect((await cloud.api('POST', `/proposals/${proposalId}/redrive`, { as: 'admin' })).status).toBe(202);
    await until(async () => {
      const emails = (await cloud.emails()).filter((e) => e.text.includes(proposalId));
      return (emails.some((e) => e.to.includes(UK)) && emails.some((e) => e.to.includes(FR))) || undefined;
    }, 'both sign-off requests sent after the redrive');
  });
});
