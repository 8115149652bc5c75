/** The stack starts on a free port, reports healthy, and a proposal goes from intake to FUNDED. */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { approveAll } from '../support/flows.ts';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await startTestCloud();
});
afterAll(async () => {
  await cloud.close();
});

describe('the local stack', () => {
  it('answers /local/health with the endpoints of every part', async () => {
    const response = await fetch(`${cloud.baseUrl}/local/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ok: boolean; endpoints: Record<string, string> };
    expect(body.ok).toBe(true);
    expect(Object.keys(body.endpoints).sort()).toEqual(['dynamodb', 'ses', 'stepfunctions']);
    // Any AWS client works against them, with any credentials.
    const dynamo = new DynamoDBClient({
      endpoint: body.endpoints.dynamodb,
      region: 'us-east-1',
      credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
    });
    const tables = await dynamo.send(new ListTablesCommand({}));
    expect(tables.TableNames).toEqual(expect.arrayContaining(['jif-Fund', 'jif-Idempotency']));
    dynamo.destroy();
  });

  it('hands out a dev token per role', async () => {
    const tokens = (await (await fetch(`${cloud.baseUrl}/local/tokens`)).json()) as Record<string, string>;
    expect(Object.keys(tokens).sort()).toEqual(['admin', 'finance', 'port-authority']);
  });

  it('takes a proposal through both sign-offs to FUNDED, with its disbursement in the ledger', async () => {
    const { proposalId, status } = await cloud.submit(sampleProposal());
    expect(status).toBe('AWAITING_SIGN_OFF');
    const uk = await cloud.waitForEmail(
      (e) => e.to.includes('approver@homeoffice.example') && e.text.includes(proposalId),
    );
    const fr = await cloud.waitForEmail(
      (e) => e.to.includes('approbateur@interieur.example') && e.text.includes(proposalId),
    );
    expect(uk.subject).toContain('Ring road fencing, phase 1');
    expect(fr.subject).toContain(proposalId);
    await approveAll(cloud, [proposalId]);
    await cloud.waitForStatus(proposalId, ['FUNDED']);
    await cloud.waitForEmail(
      (e) =>
        e.subject.includes('Funded') && e.to.includes('finance@fund.example') && e.text.includes(proposalId),
    );
    const view = (await (
      await cloud.api('GET', `/proposals/${proposalId}`, { as: 'port-authority' })
    ).json()) as {
      disbursements: unknown[];
    };
    expect(view.disbursements).toHaveLength(1);
    const ledger = await cloud.api('GET', `/disbursements?proposalId=${proposalId}`, { as: 'finance' });
    const body = (await ledger.json()) as { items: { amountEurCents: number; amountGbpPence: number }[] };
    expect(body.items).toEqual([
      expect.objectContaining({ amountEurCents: 120_000_000, amountGbpPence: 96_000_000 }),
    ]);
  });

  it('lets an admin start the evaluation of fund year 1 on a fresh fund with {fundYear} alone, and refuses a year not begun', async () => {
    const early = await cloud.api('POST', '/evaluations', { as: 'admin', json: { fundYear: 2 } });
    expect(early.status).toBe(400);
    expect(((await early.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'fundYear',
    ]);
    // Fund year 1 has just begun: its evaluation window opens 30 days before it ends; the contract's
    // call starts it all the same, recorded as an early start.
    const started = await cloud.api('POST', '/evaluations', { as: 'admin', json: { fundYear: 1 } });
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe('/evaluations/1');
    expect(await started.json()).toMatchObject({ fundYear: 1 });
    const report = await cloud.api('GET', '/evaluations/1', { as: 'finance' });
    expect(report.status).toBe(200);
  });

  it('takes a decision sent as multipart form data, and answers HEAD on a link without deciding', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Decided by a script' }));
    await cloud.waitForEmail(
      (e) => e.to.includes('approver@homeoffice.example') && e.text.includes(proposalId),
    );
    const [link] = await cloud.linksFor('approver@homeoffice.example', proposalId);
    if (!link) throw new Error('no link');
    const head = await fetch(link.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('referrer-policy')).toBe('no-referrer');
    const form = new FormData();
    form.set('token', link.token);
    form.set('decision', 'reject');
    form.set('comment', 'Sent with curl -F');
    const decided = await fetch(`${cloud.baseUrl}/approvals/${link.approvalId}`, {
      method: 'POST',
      body: form,
    });
    expect(decided.status).toBe(200);
    const view = await cloud.waitForStatus(proposalId, ['REJECTED']);
    expect(view.signOffs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ authority: 'UK', status: 'REJECTED', comment: 'Sent with curl -F' }),
      ]),
    );
  });

  it('gives a cursor only when there is more to read, and exports the whole selection as CSV', async () => {
    const all = (await (await cloud.api('GET', '/disbursements?limit=1000', { as: 'finance' })).json()) as {
      items: unknown[];
      nextCursor: string | null;
    };
    expect(all.items.length).toBeGreaterThan(0);
    expect(all.nextCursor).toBeNull();
    const exact = (await (
      await cloud.api('GET', `/disbursements?limit=${all.items.length}`, { as: 'finance' })
    ).json()) as { items: unknown[]; nextCursor: string | null };
    expect(exact.items).toHaveLength(all.items.length);
    expect(exact.nextCursor).toBeNull();
    const csv = await cloud.api('GET', '/disbursements', { as: 'finance', headers: { accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).trim().split('\n')).toHaveLength(all.items.length + 1);
    expect(csv.headers.get('x-next-cursor')).toBeNull();

    const proposals = (await (await cloud.api('GET', '/proposals?limit=100', { as: 'admin' })).json()) as {
      items: unknown[];
    };
    const exactProposals = (await (
      await cloud.api('GET', `/proposals?limit=${proposals.items.length}`, { as: 'admin' })
    ).json()) as { items: unknown[]; nextCursor: string | null };
    expect(exactProposals.items).toHaveLength(proposals.items.length);
    expect(exactProposals.nextCursor).toBeNull();
  });
});
