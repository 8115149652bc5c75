/**
 * The approval workflow (workflows/approval.ts) on the local stack, one test per path:
 * both approve, either side rejects, the road authority first for temporary measures (refuses,
 * agrees, never answers), a sign-off expiring, and an envelope without room. Each test asserts the
 * execution history (states entered, in order, per Parallel branch) and what users see: the
 * proposal over the API, the sign-off requests, the emails and the fund.
 */
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { approval } from '../../workflows/index.ts';
import { startTestCloud, type TestCloud } from '../support/cloud.ts';
import {
  detailsOf,
  emailAbout,
  emailsAbout,
  entered,
  FR,
  finished,
  linkIn,
  PORT,
  ROAD,
  signOffOf,
  smallProposal,
  UK,
  viewOf,
} from '../support/executions.ts';

interface AslState {
  Branches?: { States: Record<string, unknown> }[];
}
/** The ASL as both builders serialise it. */
const definition = JSON.parse(JSON.stringify(approval)) as { States: Record<string, AslState> };
const TOP = Object.keys(definition.States);
const [UK_BRANCH = [], FR_BRANCH = []] = (definition.States.BilateralSignOff?.Branches ?? []).map((b) =>
  Object.keys(b.States),
);

/**
 * One sign-off stage lasts 259200 s x this: about 7.8 s; a request expires after four stages (31 s),
 * and a link answers 410 from then on: decisions here must land well within that on a busy machine.
 */
const TIME_SCALE = 0.00003;
const LONG = 120_000;

let cloud: TestCloud;

/** A sign-off flow's Expire step held back, as a slow Lambda would be: `reached` once it is called. */
interface HeldExpiry {
  reached: Promise<void>;
  release(): void;
  /** Settles once the held function has run (after `release`). */
  done: Promise<void>;
}
const heldExpiries = new Map<string, { reached(): void; gate: Promise<void>; ran(): void }>();

function holdExpiry(proposalId: string, authority: string): HeldExpiry {
  let reached = () => {};
  let release = () => {};
  const reachedPromise = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let ran = () => {};
  const done = new Promise<void>((resolve) => {
    ran = resolve;
  });
  heldExpiries.set(`${proposalId}#${authority}`, { reached, gate, ran });
  return { reached: reachedPromise, release, done };
}

beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: TIME_SCALE });
  const invoke = cloud.functions.invoke.bind(cloud.functions);
  vi.spyOn(cloud.functions, 'invoke').mockImplementation(async (name, payload) => {
    const input = (payload ?? {}) as Record<string, unknown>;
    const held =
      name.endsWith('closeSignOff') && input.outcome === 'EXPIRED'
        ? heldExpiries.get(`${String(input.subjectId)}#${String(input.authority)}`)
        : undefined;
    if (held) {
      held.reached();
      await held.gate;
      return invoke(name, payload).finally(() => held.ran());
    }
    return invoke(name, payload);
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await cloud?.close();
});

async function fund(): Promise<{ fundYear: number; committedEurCents: number; disbursedEurCents: number }[]> {
  const response = await cloud.api('GET', '/fund', { as: 'finance' });
  return ((await response.json()) as { years: [] }).years;
}

function statuses(view: { timeline: { event: string; detail: Record<string, unknown> }[] }): unknown[] {
  return view.timeline
    .filter((entry) => entry.event === 'SUBMITTED' || entry.event === 'STATUS_CHANGED')
    .map((entry) => entry.detail.status);
}

async function approveBoth(proposalId: string): Promise<void> {
  for (const to of [UK, FR]) {
    const response = await cloud.decide(linkIn(await emailAbout(cloud, proposalId, to)), 'approve');
    if (response.status !== 200) throw new Error(`approving as ${to} answered ${response.status}`);
  }
}

describe.concurrent('the approval workflow', () => {
  it('both approve: FUNDED, committed, and the open year’s investment disbursed', async ({ expect }) => {
    const { proposalId, status } = await cloud.submit(smallProposal('Both approve'));
    expect(status).toBe('AWAITING_SIGN_OFF');
    await approveBoth(proposalId);

    const run = await finished(cloud, 'approval', proposalId);
    expect(run.status).toBe('SUCCEEDED');
    expect(entered(run.history, TOP)).toEqual([
      'NeedsRoadAuthority',
      'BilateralSignOff',
      'CommitFunds',
      'DisburseAndRecordFunded',
      'Done',
    ]);
    expect(entered(run.history, UK_BRANCH)).toEqual(['UKSignOff', 'UKDecided', 'UKApproved']);
    expect(entered(run.history, FR_BRANCH)).toEqual(['FRSignOff', 'FRDecided', 'FRApproved']);
    expect(entered(run.history, ['CommitFundYear'])).toEqual(['CommitFundYear']);
    expect(run.history.map((e) => e.type)).toEqual(
      expect.arrayContaining(['MapIterationStarted', 'MapIterationSucceeded']),
    );
    expect(run.output).toMatchObject({
      signOffs: [
        { authority: 'UK', decision: 'APPROVED' },
        { authority: 'FR', decision: 'APPROVED' },
      ],
      committed: [{ fundYear: 1, amountEurCents: 2_500_000, committed: true, alreadyCommitted: false }],
      // Paid by this step, or a moment before by the daily release (so `created` is not asserted);
      // the same step recorded FUNDED, then COMPLETED (its one line paid).
      disbursement: { disbursed: [{ fundYear: 1, amountEurCents: 2_500_000 }], status: 'COMPLETED' },
    });

    // Its one line is paid at once: everything granted is paid, so its life ends right after FUNDED.
    const view = await viewOf(cloud, proposalId);
    expect(view.status).toBe('COMPLETED');
    expect(statuses(view)).toEqual(['AWAITING_SIGN_OFF', 'APPROVED', 'FUNDED', 'COMPLETED']);
    expect(signOffOf(view, 'UK')).toMatchObject({ status: 'APPROVED', byDeputy: false });
    expect(signOffOf(view, 'FR')).toMatchObject({ status: 'APPROVED', byDeputy: false });
    expect(view.commitments).toEqual([
      expect.objectContaining({ fundYear: 1, status: 'COMMITTED', amountEurCents: 2_500_000 }),
    ]);
    expect(view.disbursements).toEqual([expect.objectContaining({ fundYear: 1, amountEurCents: 2_500_000 })]);
    // One "Funded" email, to the port authority and finance, French first, carrying the commitment,
    // the payment (with its ledger record) and what is left in the envelope.
    const funded = await emailAbout(cloud, proposalId, PORT, 'Funded');
    expect(funded.to).toEqual([PORT, 'finance@fund.example']);
    expect(funded.subject).toMatch(/^\[JIF\] Financée \/ Funded : /);
    expect(funded.text).toMatch(
      /Fund year 1: EUR 25,000\.00 \(GBP 20,000\.00\); EUR [\d,]+\.\d\d left in the envelope/,
    );
    expect(funded.text).toMatch(
      /Fund year 1, Investment: EUR 25,000\.00 \(GBP 20,000\.00\); payment reference JIF-FY1-\d{6}; ledger record \d+:[0-9a-f]{64}/,
    );
    expect(funded.text.indexOf('Financée')).toBeLessThan(funded.text.indexOf('Funded'));
    // What happened in that second makes one email: no approval, commitment or payment email apart.
    await cloud.waitForStatus(proposalId, ['COMPLETED']);
    const apart = emailsAbout(cloud, proposalId).filter((e) =>
      /Approved|Funds committed|Funds disbursed/.test(e.subject),
    );
    expect(apart.map((e) => e.subject)).toEqual([]);
  });

  it('the UK rejects: REJECTED, the FR request withdrawn and its link answering 409', async ({ expect }) => {
    const { proposalId } = await cloud.submit(smallProposal('UK rejects'));
    const frLink = linkIn(await emailAbout(cloud, proposalId, FR));
    const ukLink = linkIn(await emailAbout(cloud, proposalId, UK));
    expect((await cloud.decide(ukLink, 'reject', 'Not at this price.')).status).toBe(200);

    const run = await finished(cloud, 'approval', proposalId);
    expect(run.status).toBe('SUCCEEDED');
    expect(entered(run.history, TOP)).toEqual([
      'NeedsRoadAuthority',
      'BilateralSignOff',
      'WithdrawAfterRejection',
      'RecordRejected',
      'Done',
    ]);
    expect(entered(run.history, UK_BRANCH)).toEqual(['UKSignOff', 'UKDecided', 'UKRejected']);
    // The FR branch never got an answer: it ends with the Parallel state.
    expect(entered(run.history, FR_BRANCH)).toEqual(['FRSignOff']);
    expect(run.output).toMatchObject({ failure: { Error: 'SignOff.Rejected', Cause: 'UK' } });

    // As in AWS, the failed Parallel stopped the FR branch and the sign-off execution it waited on.
    const fr = await finished(cloud, 'signOff', `${proposalId}-FR`);
    expect(fr.status).toBe('ABORTED');
    expect(fr.history.at(-1)?.type).toBe('ExecutionAborted');

    expect((await cloud.decide(frLink, 'approve')).status).toBe(409);
    const view = await viewOf(cloud, proposalId);
    expect(view.status).toBe('REJECTED');
    expect(statuses(view)).toEqual(['AWAITING_SIGN_OFF', 'REJECTED']);
    expect(signOffOf(view, 'UK')).toMatchObject({ status: 'REJECTED', comment: 'Not at this price.' });
    expect(signOffOf(view, 'FR').status).toBe('WITHDRAWN');
    expect(view.commitments).toEqual([]);
    const outcome = await emailAbout(cloud, proposalId, PORT, 'Rejected :');
    expect(outcome.text).toContain('Rejected by: UK Home Office.');
    expect(outcome.text).toContain('Not at this price.');
  });

  it('France rejects: REJECTED, the UK request withdrawn', async ({ expect }) => {
    const { proposalId } = await cloud.submit(smallProposal('FR rejects'));
    const ukLink = linkIn(await emailAbout(cloud, proposalId, UK));
    const frLink = linkIn(await emailAbout(cloud, proposalId, FR));
    expect((await cloud.decide(frLink, 'reject', 'Hors du champ de la déclaration.')).status).toBe(200);

    const run = await finished(cloud, 'approval', proposalId);
    expect(entered(run.history, TOP)).toEqual([
      'NeedsRoadAuthority',
      'BilateralSignOff',
      'WithdrawAfterRejection',
      'RecordRejected',
      'Done',
    ]);
    expect(entered(run.history, FR_BRANCH)).toEqual(['FRSignOff', 'FRDecided', 'FRRejected']);
    expect(entered(run.history, UK_BRANCH)).toEqual(['UKSignOff']);
    expect(run.output).toMatchObject({ failure: { Error: 'SignOff.Rejected', Cause: 'FR' } });
    await finished(cloud, 'signOff', `${proposalId}-UK`);

    expect((await cloud.decide(ukLink, 'approve')).status).toBe(409);
    const view = await viewOf(cloud, proposalId);
    expect(view.status).toBe('REJECTED');
    expect(signOffOf(view, 'FR').status).toBe('REJECTED');
    expect(signOffOf(view, 'UK').status).toBe('WITHDRAWN');
    const outcome = await emailAbout(cloud, proposalId, PORT, 'Rejected :');
    expect(outcome.text).toContain('Rejected by: French Ministry of the Interior.');
  });

  it('a temporary measure the road authority refuses: REJECTED, the ministries never asked', async ({
    expect,
  }) => {
    const { proposalId, status } = await cloud.submit(
      smallProposal('Road authority refuses', { category: 'TEMPORARY_SECURITY_MEASURE' }),
    );
    expect(status).toBe('AWAITING_AGREEMENT');
    const road = await emailAbout(cloud, proposalId, ROAD);
    expect(road.subject).toContain('Accord demandé');
    expect(emailsAbout(cloud, proposalId, UK)).toEqual([]);
    expect(emailsAbout(cloud, proposalId, FR)).toEqual([]);
    expect((await viewOf(cloud, proposalId)).status).toBe('AWAITING_AGREEMENT');
    expect((await cloud.decide(linkIn(road), 'reject', 'Voie trop étroite.')).status).toBe(200);

    const run = await finished(cloud, 'approval', proposalId);
    expect(entered(run.history)).toEqual([
      'NeedsRoadAuthority',
      'AskRoadAuthority',
      'RoadAuthorityAgreed',
      'RecordRefusedByRoadAuthority',
      'Done',
    ]);
    const child = await finished(cloud, 'signOff', `${proposalId}-ROAD`);
    expect(entered(child.history).at(-1)).toBe('Rejected');

    const view = await viewOf(cloud, proposalId);
    expect(view.status).toBe('REJECTED');
    expect(statuses(view)).toEqual(['AWAITING_AGREEMENT', 'REJECTED']);
    expect(view.signOffs.map((s) => [s.authority, s.status])).toEqual([['ROAD', 'REJECTED']]);
    const outcome = await emailAbout(cloud, proposalId, PORT, 'Rejected :');
    expect(outcome.text).toContain('Rejected by: Road authority (DIR Nord).');
    expect(outcome.text).toContain('Rejetée par : Gestionnaire routier (DIR Nord).');
    expect(emailsAbout(cloud, proposalId, UK)).toEqual([]);
    expect(emailsAbout(cloud, proposalId, FR)).toEqual([]);
  });

  it('a temporary measure the road authority agrees to, then both approve: FUNDED', async ({ expect }) => {
    const { proposalId, status } = await cloud.submit(
      smallProposal('Road authority agrees', { category: 'TEMPORARY_SECURITY_MEASURE' }),
    );
    expect(status).toBe('AWAITING_AGREEMENT');
    const road = await emailAbout(cloud, proposalId, ROAD);
    // Nobody else is asked while the road authority has not answered.
    expect(emailsAbout(cloud, proposalId, UK)).toEqual([]);
    expect(emailsAbout(cloud, proposalId, FR)).toEqual([]);
    expect(cloud.engine.listExecutions({}).filter((e) => e.name.startsWith(proposalId))).toHaveLength(2);
    expect((await cloud.decide(linkIn(road), 'approve')).status).toBe(200);

    await cloud.waitForStatus(proposalId, ['AWAITING_SIGN_OFF']);
    await approveBoth(proposalId);
    const run = await finished(cloud, 'approval', proposalId);
    expect(entered(run.history, TOP)).toEqual([
      'NeedsRoadAuthority',
      'AskRoadAuthority',
      'RoadAuthorityAgreed',
      'RecordAwaitingSignOff',
      'BilateralSignOff',
      'CommitFunds',
      'DisburseAndRecordFunded',
      'Done',
    ]);
    expect(entered(run.history, UK_BRANCH)).toEqual(['UKSignOff', 'UKDecided', 'UKApproved']);
    expect(entered(run.history, FR_BRANCH)).toEqual(['FRSignOff', 'FRDecided', 'FRApproved']);
    expect(run.output).toMatchObject({ roadAuthority: { decision: 'APPROVED' } });

    const view = await viewOf(cloud, proposalId);
    expect(view.status).toBe('COMPLETED');
    expect(statuses(view)).toEqual([
      'AWAITING_AGREEMENT',
      'AWAITING_SIGN_OFF',
      'APPROVED',
      'FUNDED',
      'COMPLETED',
    ]);
    expect(view.signOffs.map((s) => [s.authority, s.status]).sort()).toEqual([
      ['FR', 'APPROVED'],
      ['ROAD', 'APPROVED'],
      ['UK', 'APPROVED'],
    ]);
    expect(view.disbursements).toHaveLength(1);
    // The ministries were first asked after the road authority's agreement was recorded.
    const mail = emailsAbout(cloud, proposalId);
    const awaiting = mail.findIndex((e) => e.to.includes(PORT) && e.subject.includes('Awaiting sign-off :'));
    expect(awaiting).toBeGreaterThan(mail.findIndex((e) => e.to.includes(ROAD)));
    expect(mail.findIndex((e) => e.to.includes(UK))).toBeGreaterThan(awaiting);
    expect(mail.findIndex((e) => e.to.includes(FR))).toBeGreaterThan(awaiting);
  });

  it(
    'a temporary measure the road authority never answers: EXPIRED, the ministries never asked',
    async ({ expect }) => {
      const { proposalId } = await cloud.submit(
        smallProposal('Road authority silent', { category: 'TEMPORARY_SECURITY_MEASURE' }),
      );
      const run = await finished(cloud, 'approval', proposalId, LONG);
      expect(entered(run.history)).toEqual([
        'NeedsRoadAuthority',
        'AskRoadAuthority',
        'RoadAuthorityAgreed',
        'RecordRoadAuthorityExpired',
        'Done',
      ]);
      const child = await finished(cloud, 'signOff', `${proposalId}-ROAD`);
      expect(child.output).toEqual({ authority: 'ROAD', decision: 'EXPIRED' });

      const view = await viewOf(cloud, proposalId);
      expect(view.status).toBe('EXPIRED');
      expect(statuses(view)).toEqual(['AWAITING_AGREEMENT', 'EXPIRED']);
      expect(view.signOffs).toEqual([
        expect.objectContaining({ authority: 'ROAD', status: 'EXPIRED', remindersSent: 2 }),
      ]);
      const outcome = await emailAbout(cloud, proposalId, PORT, 'Expired :');
      // The authority named in each language, never its code.
      expect(outcome.text).toContain('No decision in time from: Road authority (DIR Nord).');
      expect(outcome.text).toContain('Pas de décision à temps de : Gestionnaire routier (DIR Nord).');
      expect(emailsAbout(cloud, proposalId, UK)).toEqual([]);
      expect(emailsAbout(cloud, proposalId, FR)).toEqual([]);
    },
    LONG,
  );

  it(
    'the UK never answers while France approved: EXPIRED, the FR approval left as it was',
    async ({ expect }) => {
      const { proposalId } = await cloud.submit(smallProposal('UK silent, FR approves'));
      expect((await cloud.decide(linkIn(await emailAbout(cloud, proposalId, FR)), 'approve')).status).toBe(
        200,
      );
      const ukLink = linkIn(await emailAbout(cloud, proposalId, UK));

      const run = await finished(cloud, 'approval', proposalId, LONG);
      expect(entered(run.history, TOP)).toEqual([
        'NeedsRoadAuthority',
        'BilateralSignOff',
        'WithdrawAfterExpiry',
        'RecordExpired',
        'Done',
      ]);
      expect(entered(run.history, UK_BRANCH)).toEqual(['UKSignOff', 'UKDecided', 'UKUnanswered']);
      expect(entered(run.history, FR_BRANCH)).toEqual(['FRSignOff', 'FRDecided', 'FRApproved']);
      expect(run.output).toMatchObject({ failure: { Error: 'SignOff.Expired', Cause: 'UK' } });

      const view = await viewOf(cloud, proposalId);
      expect(view.status).toBe('EXPIRED');
      expect(statuses(view)).toEqual(['AWAITING_SIGN_OFF', 'EXPIRED']);
      expect(signOffOf(view, 'UK')).toMatchObject({
        status: 'EXPIRED',
        remindersSent: 2,
        escalatedToDeputy: true,
      });
      expect(signOffOf(view, 'FR').status).toBe('APPROVED');
      expect(view.commitments).toEqual([]);
      expect((await cloud.decide(ukLink, 'approve')).status).toBe(410);
      const outcome = await emailAbout(cloud, proposalId, PORT, 'Expired :');
      expect(outcome.text).toContain('No decision in time from: UK Home Office.');
    },
    LONG,
  );

  it(
    'both unanswered, the UK expiring first: EXPIRED, the still-pending FR request withdrawn',
    async ({ expect }) => {
      const { proposalId } = await cloud.submit(smallProposal('Nobody answers'));
      // Both requests run out of time within milliseconds of each other. To make the order
      // deterministic, both flows' Expire steps are held (as slow Lambdas would be) until both have
      // reached them; then the UK's runs and ends the proposal while France's request is pending.
      const ukExpiry = holdExpiry(proposalId, 'UK');
      const frExpiry = holdExpiry(proposalId, 'FR');
      try {
        const frLink = linkIn(await emailAbout(cloud, proposalId, FR));
        await Promise.all([ukExpiry.reached, frExpiry.reached]);
        expect(signOffOf(await viewOf(cloud, proposalId), 'FR').status).toBe('PENDING');
        ukExpiry.release();

        const run = await finished(cloud, 'approval', proposalId, LONG);
        expect(entered(run.history, TOP)).toEqual([
          'NeedsRoadAuthority',
          'BilateralSignOff',
          'WithdrawAfterExpiry',
          'RecordExpired',
          'Done',
        ]);
        expect(entered(run.history, UK_BRANCH)).toEqual(['UKSignOff', 'UKDecided', 'UKUnanswered']);
        expect(entered(run.history, FR_BRANCH)).toEqual(['FRSignOff']);
        expect(run.output).toMatchObject({ failure: { Error: 'SignOff.Expired', Cause: 'UK' } });

        const view = await viewOf(cloud, proposalId);
        expect(view.status).toBe('EXPIRED');
        expect(statuses(view)).toEqual(['AWAITING_SIGN_OFF', 'EXPIRED']);
        expect(signOffOf(view, 'UK')).toMatchObject({ status: 'EXPIRED', escalatedToDeputy: true });
        expect(signOffOf(view, 'FR')).toMatchObject({ status: 'WITHDRAWN', escalatedToDeputy: true });
        const outcome = await emailAbout(cloud, proposalId, PORT, 'Expired :');
        expect(outcome.text).toContain('No decision in time from: UK Home Office.');

        // As in AWS, the failed Parallel stopped the FR sign-off in its Expire step (ABORTED); that
        // step's function, already running, then finds its request withdrawn and changes nothing.
        const fr = await finished(cloud, 'signOff', `${proposalId}-FR`);
        expect(fr.status).toBe('ABORTED');
        expect(entered(fr.history).slice(-2)).toEqual(['EscalateToDeputy', 'Expire']);
        frExpiry.release();
        await frExpiry.done;
        expect(signOffOf(await viewOf(cloud, proposalId), 'FR').status).toBe('WITHDRAWN');
        // Withdrawn because the UK's request expired: the proposal expired, so its link answers 410.
        expect((await cloud.decide(frLink, 'approve')).status).toBe(410);
        // Nothing more is recorded on the proposal's execution once it has ended.
        expect(cloud.engine.getExecutionHistory(run.executionArn).at(-1)?.type).toBe('ExecutionSucceeded');
      } finally {
        ukExpiry.release();
        frExpiry.release();
        heldExpiries.delete(`${proposalId}#UK`);
        heldExpiries.delete(`${proposalId}#FR`);
      }
    },
    LONG,
  );

  it('an envelope without room: FUNDS_UNAVAILABLE, and nothing stays committed', async ({ expect }) => {
    // Only this test touches fund years 2 and 3 (every other proposal here asks for year 1 only).
    const before = await fund();
    const filler = await cloud.submit(
      smallProposal('Fills year 3', {
        funding: [{ fundYear: 3, purpose: 'INVESTMENT', amountEurCents: 450_000_000 }],
      }),
    );
    await approveBoth(filler.proposalId);
    expect((await finished(cloud, 'approval', filler.proposalId)).status).toBe('SUCCEEDED');
    expect((await viewOf(cloud, filler.proposalId)).status).toBe('FUNDED');
    const filled = await fund();
    expect(filled[2]?.committedEurCents).toBe((before[2]?.committedEurCents ?? 0) + 450_000_000);

    // Year 2 has room and is committed first; year 3 lacks room, so year 2 is released again.
    const { proposalId } = await cloud.submit(
      smallProposal('No room in year 3', {
        funding: [
          { fundYear: 2, purpose: 'INVESTMENT', amountEurCents: 50_000_000 },
          { fundYear: 3, purpose: 'INVESTMENT', amountEurCents: 100_000_000 },
        ],
      }),
    );
    await approveBoth(proposalId);
    const run = await finished(cloud, 'approval', proposalId);
    expect(run.status).toBe('SUCCEEDED');
    expect(entered(run.history, TOP)).toEqual([
      'NeedsRoadAuthority',
      'BilateralSignOff',
      'CommitFunds',
      'ReleaseCommitments',
      'ReadEnvelopeFailure',
      'RecordFundsUnavailable',
      'Done',
    ]);
    expect(entered(run.history, ['CommitFundYear'])).toEqual(['CommitFundYear', 'CommitFundYear']);
    expect(run.history.map((e) => e.type).filter((t) => t.startsWith('MapIteration'))).toEqual([
      'MapIterationStarted',
      'MapIterationSucceeded',
      'MapIterationStarted',
      'MapIterationFailed',
    ]);
    expect(detailsOf<{ error: string }>(run.history, 'TaskFailed').map((d) => d.error)).toEqual([
      'Funds.EnvelopeFull',
    ]);
    expect(run.output).toMatchObject({ failure: { Error: 'Funds.EnvelopeFull' } });

    const view = await viewOf(cloud, proposalId);
    expect(view.status).toBe('FUNDS_UNAVAILABLE');
    expect(statuses(view)).toEqual(['AWAITING_SIGN_OFF', 'APPROVED', 'FUNDS_UNAVAILABLE']);
    // Nothing is committed: the two years committed and given back by compensation are in the
    // timeline, not among the commitments.
    expect(view.commitments).toEqual([]);
    expect(
      view.timeline
        .filter((e) => e.event === 'COMMITMENT_RELEASED')
        .map((e) => (e.detail as { fundYear?: number }).fundYear)
        .sort(),
    ).toEqual([2, 3]);
    expect(view.disbursements).toEqual([]);
    const after = await fund();
    expect(after[1]).toEqual(filled[1]);
    expect(after[2]).toEqual(filled[2]);
    const outcome = await emailAbout(cloud, proposalId, PORT, 'Funds unavailable');
    // The email names the year without room in euros, in French then English, and no internals (the
    // Lambda error's stack trace) nor cents.
    const text = outcome.text.replace(/[\u202f\u00a0]/g, ' ');
    expect(text).toContain('Fund year 3: EUR 500,000.00 left in its envelope, EUR 1,000,000.00 asked for.');
    expect(text).toContain(
      'Année 3 du fonds : il reste 500 000,00 € dans son enveloppe, 1 000 000,00 € demandés.',
    );
    expect(text.indexOf('Fonds indisponibles')).toBeLessThan(text.indexOf('Funds unavailable'));
    expect(outcome.text).not.toMatch(/trace|errorType|\.ts:\d+|cents|50000000/);
    const reason = `An envelope lacked room: Fund year 3 has EUR 500,000.00 left; ${proposalId} needs EUR 1,000,000.00`;
    expect(view.timeline.find((e) => e.detail.status === 'FUNDS_UNAVAILABLE')?.detail).toEqual({
      status: 'FUNDS_UNAVAILABLE',
      reason,
    });
    expect(emailsAbout(cloud, proposalId).filter((e) => e.subject.includes('Funds disbursed'))).toEqual([]);
  });
});
