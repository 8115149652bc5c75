/**
 * `npm start` as a user runs it, in a child process: ready on the port it is given, state kept in
 * the data directory across a Ctrl-C and a restart, and a proposal waiting for sign-off when the
 * system stopped carries on afterwards without a second email (its tasks re-bind to the requests
 * already sent). Killed with SIGKILL (no shutdown hook) while sign-offs wait, the same holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { REGION, stateMachineArn } from '../../infra/local/names.ts';
import { sampleProposal } from '../support/cloud.ts';
import { type Email, freePort, NpmStart } from '../support/npm-start.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'jif-restart-'));
const npmStart = new NpmStart(dataDir);
const start = (port: number) => npmStart.start(port);
const stop = () => npmStart.stop();
const kill = () => npmStart.kill();
const waitFor = <T>(probe: () => Promise<T | undefined>, what: string) => npmStart.waitFor(probe, what);
afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start across a restart', () => {
  it('prints its URLs and tokens, stops on Ctrl-C, and resumes a waiting proposal after a restart', async () => {
    const port = await freePort();
    let base = await start(port);
    expect(npmStart.output).toContain(`http://localhost:${port}`);
    expect(npmStart.output).toContain('/local/outbox.html');
    expect(npmStart.output).toMatch(/port-authority\s+eyJ/);

    const tokens = (await (await fetch(`${base}/local/tokens`)).json()) as Record<string, string>;
    const submitted = await fetch(`${base}/proposals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens['port-authority']}`, 'content-type': 'application/json' },
      body: JSON.stringify(sampleProposal({ title: 'Across a restart' })),
    });
    expect(submitted.status).toBe(201);
    const { proposalId } = (await submitted.json()) as { proposalId: string };
    const outbox = async () => (await (await fetch(`${base}/local/outbox`)).json()) as Email[];
    const requests = () =>
      outbox().then((emails) =>
        emails.filter((e) => e.text.includes(proposalId) && e.text.includes('/approvals/')),
      );
    await waitFor(async () => ((await requests()).length === 2 ? true : undefined), 'both sign-off emails');

    expect(await stop()).toBe(0);
    base = await start(port);

    // The outbox, the tokens and the proposal survived; the waiting sign-offs were not re-sent.
    const again = (await (await fetch(`${base}/local/tokens`)).json()) as Record<string, string>;
    const view = await fetch(`${base}/proposals/${proposalId}`, {
      headers: { authorization: `Bearer ${again['port-authority']}` },
    });
    expect(view.status).toBe(200);
    expect(((await view.json()) as { status: string }).status).toBe('AWAITING_SIGN_OFF');
    const links = (await requests()).map((e) => /https?:\/\/\S+\/approvals\/\S+/.exec(e.text)?.[0] ?? '');
    expect(links).toHaveLength(2);

    for (const link of links) {
      const url = new URL(link);
      const decided = await waitFor(async () => {
        const response = await fetch(`${base}${url.pathname}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: url.searchParams.get('token') ?? '', decision: 'approve' }),
        });
        return response.status === 200 ? response : undefined;
      }, 'the decision to be accepted');
      expect(decided.status).toBe(200);
    }
    const funded = await waitFor(async () => {
      const response = await fetch(`${base}/proposals/${proposalId}`, {
        headers: { authorization: `Bearer ${again.finance}` },
      });
      const body = (await response.json()) as { status: string };
      return body.status === 'FUNDED' ? body : undefined;
    }, 'FUNDED after the restart');
    expect(funded.status).toBe('FUNDED');
    expect((await requests()).length).toBe(2);
  }, 120_000); // two cold starts of the whole stack on a busy machine

  it('killed with SIGKILL while sign-offs wait: every execution resumes, nothing is sent or paid twice', async () => {
    await stop(); // one process per data directory
    const port = await freePort();
    let base = await start(port);
    const tokens = (await (await fetch(`${base}/local/tokens`)).json()) as Record<string, string>;
    const submitted = await fetch(`${base}/proposals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens['port-authority']}`, 'content-type': 'application/json' },
      body: JSON.stringify(sampleProposal({ title: 'Across a kill -9' })),
    });
    expect(submitted.status).toBe(201);
    const { proposalId } = (await submitted.json()) as { proposalId: string };
    const requests = async () =>
      ((await (await fetch(`${base}/local/outbox`)).json()) as Email[]).filter(
        (e) => e.text.includes(proposalId) && e.text.includes('/approvals/'),
      );
    await waitFor(async () => ((await requests()).length === 2 ? true : undefined), 'both sign-off emails');
    // Waiting means each request's email is recorded as sent (its task submitted, its token out):
    // killed between the send and that record, a resumed task sends again, as Lambda would retry.
    const { endpoints } = (await (await fetch(`${base}/local/health`)).json()) as {
      endpoints: { stepfunctions: string };
    };
    const sfn = new SFNClient({
      region: REGION,
      endpoint: endpoints.stepfunctions,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const signOffArn = (authority: string) =>
      `${stateMachineArn('signOff').replace(':stateMachine:', ':execution:')}:${proposalId}-${authority}`;
    await waitFor(async () => {
      for (const authority of ['UK', 'FR']) {
        const history = await sfn
          .send(new GetExecutionHistoryCommand({ executionArn: signOffArn(authority) }))
          .catch(() => ({ events: [] }));
        if (!history.events?.some((e) => e.type === 'TaskSubmitted')) return undefined;
      }
      return true;
    }, 'both sign-off requests to wait');

    await kill();
    base = await start(port);
    const again = (await (await fetch(`${base}/local/tokens`)).json()) as Record<string, string>;
    const links = (await requests()).map((e) => /https?:\/\/\S+\/approvals\/\S+/.exec(e.text)?.[0] ?? '');
    expect(links).toHaveLength(2);
    for (const link of links) {
      const url = new URL(link);
      await waitFor(async () => {
        const response = await fetch(`${base}${url.pathname}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: url.searchParams.get('token') ?? '', decision: 'approve' }),
        });
        return response.status === 200 ? true : undefined;
      }, 'the decision to be accepted after the kill');
    }
    const funded = await waitFor(async () => {
      const response = await fetch(`${base}/proposals/${proposalId}`, {
        headers: { authorization: `Bearer ${again.finance}` },
      });
      const body = (await response.json()) as {
        status: string;
        disbursements: unknown[];
        workflow: { status: string } | null;
      };
      return body.status === 'FUNDED' && body.workflow?.status === 'SUCCEEDED' ? body : undefined;
    }, 'FUNDED after the kill');
    expect(funded.disbursements).toHaveLength(1);
    expect(await requests()).toHaveLength(2);
  }, 120_000);
});
