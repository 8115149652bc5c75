/**
 * Nothing stays committed without a purpose, and a proposal's life ends:
 * - a proposal whose grant is all paid at approval is COMPLETED right after FUNDED;
 * - a rejected evaluation leaves the running cost committed, for the next round;
 * - an approved evaluation pays each tranche and gives what was committed beyond it back to the
 *   year's envelope (GET /fund shows it), once however often the step runs; a project with nothing
 *   left to pay or release is COMPLETED, one with a year still to evaluate stays FUNDED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '../../functions/platform/config.ts';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import {
  costReportLink,
  dateAgo,
  evaluationReaches,
  fundParkingProjects,
  postCostReport,
  running,
} from '../support/evaluations.ts';
import { PORT } from '../support/executions.ts';
import { approveAll, FR_APPROVER, settle, UK_APPROVER } from '../support/flows.ts';

let cloud: TestCloud;

// Fund year 1 ended a month ago; fund year 2 is the current one.
beforeAll(async () => {
  cloud = await startTestCloud({ fundStartDate: dateAgo(13) });
});
afterAll(async () => {
  await cloud?.close();
});

interface View {
  status: string;
  timeline: { event: string; detail: Record<string, unknown> }[];
  commitments: { fundYear: number; status: string; runningCostReleasedEurCents?: number }[];
  disbursements: { fundYear: number; purpose: string; amountEurCents: number }[];
}

async function view(proposalId: string): Promise<View> {
  return (await (await cloud.api('GET', `/proposals/${proposalId}`, { as: 'admin' })).json()) as View;
}

async function committed(fundYear: number): Promise<number> {
  const fund = (await (await cloud.api('GET', '/fund', { as: 'finance' })).json()) as {
    years: { fundYear: number; committedEurCents: number }[];
  };
  return fund.years.find((y) => y.fundYear === fundYear)?.committedEurCents ?? Number.NaN;
}

async function signOff(evaluationId: string, decisions: Record<string, 'approve' | 'reject'>) {
  for (const [to, decision] of Object.entries(decisions)) {
    await cloud.waitForEmail((e) => e.to.includes(to) && e.text.includes(evaluationId), 30_000);
    const [link] = await cloud.linksFor(to, evaluationId);
    if (!link) throw new Error(`no ${evaluationId} link for ${to}`);
    const answer = await cloud.decide(link, decision, decision === 'reject' ? 'Invoices missing' : undefined);
    expect(answer.status).toBe(200);
  }
}

describe('commitments and the end of a proposal', () => {
  const ids = { paidAtOnce: '', guards: '', cctv: '', dogs: '' };

  it('a grant paid in full at approval ends COMPLETED, after FUNDED, and a re-run changes nothing', async () => {
    const { proposalId } = await cloud.submit(
      sampleProposal({
        title: 'Gate barriers',
        funding: [{ fundYear: 2, purpose: 'INVESTMENT', amountEurCents: 3_000_000 }],
      }),
    );
    ids.paidAtOnce = proposalId;
    await approveAll(cloud, [proposalId]);
    await settle(cloud, proposalId, ['COMPLETED']);
    const statuses = (await view(proposalId)).timeline
      .filter((t) => t.event === 'STATUS_CHANGED')
      .map((t) => t.detail.status);
    expect(statuses.slice(-3)).toEqual(['APPROVED', 'FUNDED', 'COMPLETED']);
    const listed = (await (
      await cloud.api('GET', '/proposals?status=COMPLETED', { as: 'finance' })
    ).json()) as {
      items: { proposalId: string }[];
    };
    expect(listed.items.map((p) => p.proposalId)).toContain(proposalId);

    // A retried or redriven step finds the proposal past FUNDED: no error, no second email, no payment.
    const emails = cloud.outbox.list().length;
    const again = (await cloud.functions.invoke('recordProposalOutcome', {
      proposalId,
      status: 'FUNDED',
    })) as {
      status: string;
    };
    expect(again.status).toBe('COMPLETED');
    const paid = (await cloud.functions.invoke('disburseFunds', { proposalId })) as {
      disbursed: { created: boolean }[];
    };
    expect(paid.disbursed.map((d) => d.created)).toEqual([false]);
    expect(cloud.outbox.list().length).toBe(emails);
    // A reader that keeps its place (the bench's poller) reads from there: nothing new, the last one as it was.
    expect(cloud.outbox.list(emails)).toEqual([]);
    expect(cloud.outbox.list(emails - 1)).toEqual(cloud.outbox.list().slice(-1));
    expect((await view(proposalId)).disbursements).toHaveLength(1);
  });

  it('funds three parking-area projects with running costs', async () => {
    [ids.guards, ids.cctv, ids.dogs] = await fundParkingProjects(cloud, {
      guards: [running(2, 15_000_000), running(3, 15_000_000)],
      cctv: [running(3, 8_000_000)],
      dogs: [running(3, 4_000_000)],
    });
  });

  it('a rejected evaluation leaves the running cost committed for the next round', async () => {
    const before = await committed(2);
    expect(before).toBe(15_000_000 + 3_000_000);
    const started = await cloud.api('POST', '/evaluations', { as: 'admin', json: { fundYear: 1 } });
    expect(started.status).toBe(202);
    const guards = await costReportLink(cloud, ids.guards, 1);
    expect((await postCostReport(cloud, guards, { actualCostEur: '100000.00' })).status).toBe(200);
    await evaluationReaches(cloud, 1, ['AWAITING_SIGN_OFF']);
    await signOff('EVAL-FY1', { [UK_APPROVER]: 'reject' });
    await evaluationReaches(cloud, 1, ['REJECTED']);

    expect(await committed(2)).toBe(before);
    const guardsView = await view(ids.guards);
    expect(guardsView.status).toBe('FUNDED');
    expect(guardsView.commitments.find((c) => c.fundYear === 2)).toMatchObject({ status: 'COMMITTED' });
    expect(guardsView.commitments.find((c) => c.fundYear === 2)?.runningCostReleasedEurCents).toBeUndefined();
  });

  it('an approved evaluation gives back what was committed beyond each reported tranche, once; a project without a report keeps its commitment for the next round', async () => {
    const before = await committed(3);
    expect(before).toBe(15_000_000 + 8_000_000 + 4_000_000);
    // Fund year 2 ends in 15 days: its evaluation opens (the schedule or the admin starts it).
    process.env.FUND_START_DATE = dateAgo(24, -15);
    resetConfigForTests();
    // The handlers run in sandboxes: a configuration change, as UpdateFunctionConfiguration makes it.
    cloud.functions.updateEnvironment({ FUND_START_DATE: process.env.FUND_START_DATE });
    const started = await cloud.api('POST', '/evaluations', { as: 'admin', json: { fundYear: 2 } });
    expect(started.status).toBe(202);
    // Guards cost less than committed, CCTV more (capped), the dogs never report (tranche 0).
    const guards = await costReportLink(cloud, ids.guards, 2);
    const cctv = await costReportLink(cloud, ids.cctv, 2);
    await costReportLink(cloud, ids.dogs, 2);
    expect((await postCostReport(cloud, guards, { actualCostEur: '100000.00' })).status).toBe(200);
    expect((await postCostReport(cloud, cctv, { actualCostEur: '90000.00' })).status).toBe(200);
    await evaluationReaches(cloud, 2, ['AWAITING_SIGN_OFF'], 90_000);
    await signOff('EVAL-FY2', { [UK_APPROVER]: 'approve', [FR_APPROVER]: 'approve' });
    // The dogs sent no report: their line is not decided by this round (a later round decides it).
    await evaluationReaches(cloud, 2, ['PARTLY_APPROVED']);

    // Beyond the tranches: guards 15,000,000 - 10,000,000; CCTV nothing; the dogs keep all of theirs.
    expect(await committed(3)).toBe(before - 5_000_000);
    const guardsView = await view(ids.guards);
    expect(guardsView.commitments.find((c) => c.fundYear === 3)).toMatchObject({
      status: 'COMMITTED',
      runningCostReleasedEurCents: 5_000_000,
    });
    expect(guardsView.timeline).toContainEqual(
      expect.objectContaining({
        event: 'COMMITMENT_RELEASED',
        detail: { fundYear: 3, purpose: 'RUNNING_COST', eurCents: 5_000_000 },
      }),
    );
    // Guards' fund year 2 running cost still waits for a round of fund year 1's evaluation.
    expect(guardsView.status).toBe('FUNDED');
    // CCTV is paid in full: nothing left, its life ends. The dogs' commitment waits for the next round.
    await settle(cloud, ids.cctv, ['COMPLETED']);
    const dogs = await view(ids.dogs);
    expect(dogs.status).toBe('FUNDED');
    expect(dogs.disbursements).toEqual([]);
    expect(dogs.commitments.find((c) => c.fundYear === 3)).toMatchObject({ status: 'COMMITTED' });
    expect(dogs.commitments.find((c) => c.fundYear === 3)?.runningCostReleasedEurCents).toBeUndefined();

    // The step run again (a retry, a redrive) pays nothing twice and gives nothing back twice.
    const emails = cloud.outbox.list().filter((e) => e.to.includes(PORT)).length;
    const again = (await cloud.functions.invoke('releaseRunningCostTranches', { fundYear: 2, round: 1 })) as {
      released: { created: boolean }[];
    };
    expect(again.released.map((r) => r.created)).toEqual([false, false]);
    expect(await committed(3)).toBe(before - 5_000_000);
    expect((await view(ids.guards)).disbursements.filter((d) => d.fundYear === 3)).toHaveLength(1);
    expect(cloud.outbox.list().filter((e) => e.to.includes(PORT)).length).toBe(emails);
    const verify = (await (await cloud.api('GET', '/ledger/verify', { as: 'finance' })).json()) as {
      ok: boolean;
    };
    expect(verify.ok).toBe(true);
  }, 120_000);
});
