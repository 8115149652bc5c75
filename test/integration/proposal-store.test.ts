/**
 * A proposal's reads on a real DynamoDB API (dynalite), counted by request: its partition in one
 * Query (the proposal, its sign-off pointers, commitments and claims), a sign-off request made with
 * its task bound and its first link token in one write, and a status move that starts from what the
 * caller read.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFundStore, type TestDynamo } from '../support/dynalite.ts';

let dynamo: TestDynamo;
let proposals: typeof import('../../functions/proposals/data/proposals.ts');
let signOffs: typeof import('../../functions/sign-off/data/sign-offs.ts');
let envelopes: typeof import('../../functions/funding/data/envelopes.ts');
let documents: typeof import('../../functions/platform/dynamodb.ts').documents;

const NOW = '2026-11-29T12:00:00.000Z';
const WINDOW_MS = 86_400_000;

beforeAll(async () => {
  dynamo = await startFundStore('2024-01-01');
  proposals = await import('../../functions/proposals/data/proposals.ts');
  signOffs = await import('../../functions/sign-off/data/sign-offs.ts');
  envelopes = await import('../../functions/funding/data/envelopes.ts');
  ({ documents } = await import('../../functions/platform/dynamodb.ts'));
});
afterAll(async () => {
  await dynamo?.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The names of the DynamoDB commands `run` sends. */
async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  const send = vi.spyOn(documents, 'send');
  await run();
  const names = send.mock.calls.map(([command]) => command.constructor.name);
  send.mockRestore();
  return names;
}

async function submitted(proposalId: string) {
  const { record } = await proposals.insertProposal(
    proposalId,
    {
      title: 'Ring road fencing, phase 1',
      category: 'PORT_SECURITY_INFRASTRUCTURE',
      description: 'Robust fences along the ring road access to the public area of the port.',
      contactEmail: 'port@port-calais.example',
      funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 1_000 }],
    },
    'port-user-1',
    'AWAITING_SIGN_OFF',
    NOW,
  );
  return record;
}

/** A sign-off request as the first stage's task makes it: its pointer, then the request with the task bound. */
async function requested(proposalId: string, authority: 'UK' | 'FR', taskToken: string) {
  const { approvalId } = await signOffs.pointToRequest('PROPOSAL', proposalId, authority, new Date(NOW));
  return signOffs.makeRequest(
    approvalId,
    { subjectType: 'PROPOSAL', subjectId: proposalId, authority },
    { taskToken, stage: 'REQUEST', tokenHash: signOffs.hashToken(`${taskToken}-link`) },
    new Date(NOW),
    WINDOW_MS,
  );
}

describe("a proposal's partition", () => {
  it('reads the proposal, its sign-off pointers and its commitments in one Query', async () => {
    const proposalId = '11111111-1111-4111-8111-111111111111';
    await submitted(proposalId);
    const uk = await requested(proposalId, 'UK', 't-uk');
    const fr = await requested(proposalId, 'FR', 't-fr');
    await envelopes.commitFundYear(proposalId, 1, 1_000, NOW);

    let partition: Awaited<ReturnType<typeof proposals.proposalPartition>> | undefined;
    expect(
      await commandsOf(async () => {
        partition = await proposals.proposalPartition(proposalId);
      }),
    ).toEqual(['QueryCommand']);
    expect(partition?.proposal).toMatchObject({ proposalId, status: 'AWAITING_SIGN_OFF' });
    expect(partition?.signOffs.map((p) => [p.authority, p.approvalId]).sort()).toEqual([
      ['FR', fr.request.approvalId],
      ['UK', uk.request.approvalId],
    ]);
    expect(partition?.commitments).toMatchObject([{ fundYear: 1, status: 'COMMITTED' }]);

    // Their requests in one BatchGet, the reader's own left out when it does not need it.
    const requests = await signOffs.requestsOf(partition?.signOffs ?? []);
    expect(requests.map((r) => r.authority).sort()).toEqual(['FR', 'UK']);
    const others = await signOffs.requestsOf(partition?.signOffs ?? [], 'UK');
    expect(others.map((r) => r.approvalId)).toEqual([fr.request.approvalId]);
    expect(await commandsOf(() => signOffs.requestsOf(partition?.signOffs ?? []))).toEqual([
      'BatchGetCommand',
    ]);
    expect(await signOffs.requestsForSubject('PROPOSAL', proposalId)).toEqual(
      expect.arrayContaining(requests),
    );
  });
});

describe('a sign-off request bound to its task', () => {
  it('is made in one write with the task bound and the link token stored; a later stage binds the same request', async () => {
    const proposalId = '22222222-2222-4222-8222-222222222222';
    await submitted(proposalId);
    let pointer: { approvalId: string; created: boolean } | undefined;
    let made: Awaited<ReturnType<typeof signOffs.makeRequest>> | undefined;
    const tokenHash = signOffs.hashToken('first-link');
    expect(
      await commandsOf(async () => {
        pointer = await signOffs.pointToRequest('PROPOSAL', proposalId, 'UK', new Date(NOW));
        made = await signOffs.makeRequest(
          pointer.approvalId,
          { subjectType: 'PROPOSAL', subjectId: proposalId, authority: 'UK' },
          { taskToken: 't1', stage: 'REQUEST', tokenHash },
          new Date(NOW),
          WINDOW_MS,
        );
      }),
    ).toEqual(['PutCommand', 'PutCommand']);
    expect(pointer?.created).toBe(true);
    const approvalId = pointer?.approvalId ?? '';
    expect(made).toMatchObject({ created: true, request: { approvalId, status: 'PENDING' } });
    expect(await signOffs.getRequest(approvalId)).toMatchObject({
      taskToken: 't1',
      taskStage: 'REQUEST',
      tokens: { [tokenHash]: 'REQUEST' },
    });

    // The pointer is found again, never made twice; its request is made once.
    expect(await signOffs.pointToRequest('PROPOSAL', proposalId, 'UK', new Date(NOW))).toEqual({
      approvalId,
      created: false,
    });
    const twice = await signOffs.makeRequest(
      approvalId,
      { subjectType: 'PROPOSAL', subjectId: proposalId, authority: 'UK' },
      { taskToken: 't-race', stage: 'REQUEST', tokenHash: signOffs.hashToken('other') },
      new Date(NOW),
      WINDOW_MS,
    );
    expect(twice).toMatchObject({
      created: false,
      request: { taskToken: 't1', tokens: { [tokenHash]: 'REQUEST' } },
    });

    expect(await signOffs.bindTaskToken(approvalId, 't2', 'REMINDER_1')).toMatchObject({
      bound: true,
      request: { approvalId, taskToken: 't2', taskStage: 'REMINDER_1' },
    });
    // Decided meanwhile: the new task is not bound, and the request comes back as decided.
    await signOffs.decideRequest(approvalId, 'APPROVED', 'REQUEST', undefined, new Date(NOW));
    expect(await signOffs.bindTaskToken(approvalId, 't3', 'REMINDER_1')).toMatchObject({
      bound: false,
      request: { approvalId, status: 'APPROVED', taskToken: 't2' },
    });
    // A pointer whose run stopped before its request: nothing to bind.
    const { approvalId: orphan } = await signOffs.pointToRequest('PROPOSAL', proposalId, 'FR', new Date(NOW));
    expect(await signOffs.bindTaskToken(orphan, 't4', 'REQUEST')).toBeUndefined();
  });
});

describe('a status move from what the caller read', () => {
  it('writes once without reading again, and decides a refusal on a fresh read', async () => {
    const proposalId = '33333333-3333-4333-8333-333333333333';
    const read = await submitted(proposalId);
    expect(
      await commandsOf(() => proposals.transitionProposal(proposalId, 'APPROVED', NOW, undefined, { read })),
    ).toEqual(['UpdateCommand']);
    // `read` is behind now (AWAITING_SIGN_OFF): FUNDED is allowed from APPROVED, and is recorded.
    const funded = await proposals.transitionProposal(proposalId, 'FUNDED', NOW, undefined, { read });
    expect(funded).toMatchObject({ changed: true, record: { status: 'FUNDED' } });
    // FUNDED's notice was sent: COMPLETED (nobody emailed) clears it in the same write; without
    // `clearNotice` a move nobody is emailed about leaves it alone.
    expect(funded.record.pendingNotice).toBe('FUNDED');
    const { commands, completed } = await (async () => {
      let completed: Awaited<ReturnType<typeof proposals.transitionProposal>> | undefined;
      const commands = await commandsOf(async () => {
        completed = await proposals.transitionProposal(proposalId, 'COMPLETED', NOW, undefined, {
          notify: false,
          read: funded.record,
          clearNotice: true,
        });
      });
      return { commands, completed };
    })();
    expect(commands).toEqual(['UpdateCommand']);
    expect(completed?.record.status).toBe('COMPLETED');
    expect(completed?.record.pendingNotice).toBeUndefined();
    const other = await submitted('44444444-4444-4444-8444-444444444444');
    const approved = await proposals.transitionProposal(other.proposalId, 'APPROVED', NOW);
    const quiet = await proposals.transitionProposal(other.proposalId, 'FUNDED', NOW, undefined, {
      notify: false,
      read: approved.record,
    });
    expect(quiet.record.pendingNotice).toBe('APPROVED');
    // And a move that is not allowed is still refused.
    await expect(
      proposals.transitionProposal(proposalId, 'REJECTED', NOW, undefined, { read }),
    ).rejects.toMatchObject({ name: 'Proposal.InvalidTransition' });
  });
});
