/**
 * The fund's money (shared/CONTRACT.md §1, §4; issue 4): envelopes never overshoot their cap under
 * concurrent commits, a proposal is funded all or nothing, re-running the money steps changes
 * nothing, and the hash-chained ledger verifies, answers its filters (JSON and CSV) and detects an
 * edit made behind its back.
 *
 * Fund year 1 starts two years and a month ago here, so fund years 1 to 3 have all opened and
 * investment of each is disbursed at once.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../functions/funding/domain/ledger.ts';
import { resetConfigForTests } from '../../functions/platform/config.ts';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { approvalExecutions, approveAll, waitUntil, walkPages } from '../support/flows.ts';

const MILLION_EUR = 100_000_000;
const CAP = 500_000_000;

interface FundYearView {
  fundYear: number;
  capEurCents: number;
  capGbpPence: number;
  committedEurCents: number;
  committedGbpPence: number;
  disbursedEurCents: number;
  disbursedGbpPence: number;
  remainingEurCents: number;
  remainingGbpPence: number;
}
interface ProposalView {
  proposalId: string;
  status: string;
  commitments: { fundYear: number; status: string; amountEurCents: number; amountGbpPence: number }[];
  disbursements: { fundYear: number; amountEurCents: number; amountGbpPence: number; ledgerSeq: number }[];
  timeline: { event: string; detail: Record<string, unknown> }[];
}
interface Totals {
  count: number;
  amountEurCents: number;
  amountGbpPence: number;
}

let cloud: TestCloud;
let fundStartDate = '';

/**
 * Intake refuses lines for fund years that have ended, and every year's money is paid here: the
 * proposals are taken in as on the fund's first day (the functions' configuration is updated, as
 * UpdateFunctionConfiguration does), then decided and paid two years on, every year open.
 */
async function submittedWhenTheFundBegan(proposals: unknown[]) {
  process.env.FUND_START_DATE = new Date().toISOString().slice(0, 10);
  resetConfigForTests();
  // The handlers run in sandboxes: a configuration change, as UpdateFunctionConfiguration makes it.
  cloud.functions.updateEnvironment({ FUND_START_DATE: process.env.FUND_START_DATE });
  try {
    return await Promise.all(proposals.map((p) => cloud.submit(p)));
  } finally {
    process.env.FUND_START_DATE = fundStartDate;
    resetConfigForTests();
    cloud.functions.updateEnvironment({ FUND_START_DATE: fundStartDate });
  }
}

beforeAll(async () => {
  const start = new Date();
  start.setUTCFullYear(start.getUTCFullYear() - 2);
  start.setUTCDate(start.getUTCDate() - 30);
  fundStartDate = start.toISOString().slice(0, 10);
  // Sign-off stages last about four minutes: slow concurrent steps never meet a reminder or expiry.
  cloud = await startTestCloud({ timeScale: 0.001, fundStartDate: start.toISOString().slice(0, 10) });
});
afterAll(async () => {
  await cloud?.close();
});

function proposal(title: string, category: string, funding: [number, number][]) {
  return sampleProposal({
    title,
    category,
    funding: funding.map(([fundYear, amountEurCents]) => ({
      fundYear,
      purpose: 'INVESTMENT',
      amountEurCents,
    })),
  });
}

async function fund(): Promise<Record<number, FundYearView>> {
  const response = await cloud.api('GET', '/fund', { as: 'finance' });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { years: FundYearView[] };
  return Object.fromEntries(body.years.map((year) => [year.fundYear, year]));
}

async function proposalView(proposalId: string): Promise<ProposalView> {
  const response = await cloud.api('GET', `/proposals/${proposalId}`, { as: 'finance' });
  expect(response.status).toBe(200);
  return (await response.json()) as ProposalView;
}

/** Waits until every approval workflow of these proposals has finished, and checks they succeeded. */
async function workflowsFinished(proposalIds: string[]): Promise<void> {
  await waitUntil(
    async () => {
      const executions = approvalExecutions(cloud).filter((e) => proposalIds.includes(e.name));
      return executions.length === proposalIds.length && executions.every((e) => e.status !== 'RUNNING')
        ? true
        : undefined;
    },
    `the approval workflows of ${proposalIds.length} proposal(s) to finish`,
    240_000,
  );
  const executions = approvalExecutions(cloud).filter((e) => proposalIds.includes(e.name));
  expect(executions.map((e) => e.status)).toEqual(executions.map(() => 'SUCCEEDED'));
}

/** Submits proposals, approves them all (both ministries, every link at once) and waits for the end. */
async function submitApproveAndSettle(proposals: unknown[]): Promise<ProposalView[]> {
  const ids = (await submittedWhenTheFundBegan(proposals)).map((s) => s.proposalId);
  await approveAll(cloud, ids);
  await workflowsFinished(ids);
  return Promise.all(ids.map(proposalView));
}

async function ledger(query = ''): Promise<LedgerRecord[]> {
  const path = `/disbursements?limit=1000${query ? `&${query}` : ''}`;
  return (await walkPages<LedgerRecord>(cloud, path, { as: 'finance' })).items;
}

async function verify(): Promise<{ ok: boolean; records: number; head: string; problems?: unknown[] }> {
  const response = await cloud.api('GET', '/ledger/verify', { as: 'finance' });
  expect(response.status).toBe(200);
  return (await response.json()) as { ok: boolean; records: number; head: string; problems?: unknown[] };
}

function sumOf(items: LedgerRecord[]): Totals {
  return {
    count: items.length,
    amountEurCents: items.reduce((sum, r) => sum + r.amountEurCents, 0),
    amountGbpPence: items.reduce((sum, r) => sum + r.amountGbpPence, 0),
  };
}

const seqs = (items: { seq: number }[]) => items.map((r) => r.seq).sort((a, b) => a - b);

const ids: { filler: string; multiYear: string; funded: string[]; unavailable: string[]; csv: string[] } = {
  filler: '',
  multiYear: '',
  funded: [],
  unavailable: [],
  csv: [],
};

describe('all or nothing', () => {
  it('leaves the first fund year untouched when a later year of the proposal lacks room', async () => {
    // Fund year 2 is nearly full.
    const [filler] = await submitApproveAndSettle([
      proposal('Filler, fund year 2', 'VULNERABLE_PERSONS_SUPPORT', [[2, 450_000_000]]),
    ]);
    // Every fund year has opened here: each investment is paid at approval, so the grant ends COMPLETED.
    expect(filler?.status).toBe('COMPLETED');
    ids.filler = filler?.proposalId ?? '';
    const before = await fund();
    expect(before[2]?.committedEurCents).toBe(450_000_000);

    // Fund year 1 has room for EUR 1m; fund year 2 has not.
    const [multi] = await submitApproveAndSettle([
      proposal('Two years, second one full', 'PORT_SECURITY_INFRASTRUCTURE', [
        [1, MILLION_EUR],
        [2, MILLION_EUR],
      ]),
    ]);
    if (!multi) throw new Error('no proposal');
    ids.multiYear = multi.proposalId;
    expect(multi.status).toBe('FUNDS_UNAVAILABLE');
    expect(await fund()).toEqual(before);
    // Year 1 was committed, then released again by the compensation step.
    const events = multi.timeline.map((t) => `${t.event} FY${String(t.detail.fundYear ?? '')}`);
    expect(events).toContain('FUNDS_COMMITTED FY1');
    expect(events).toContain('COMMITMENT_RELEASED FY1');
    // Nothing is committed (the contract): what compensation gave back is not listed as a commitment.
    expect(multi.commitments).toEqual([]);
    expect(multi.disbursements).toEqual([]);
    expect(await ledger(`proposalId=${multi.proposalId}`)).toEqual([]);
  }, 300_000);
});

describe('concurrent commits', () => {
  it('funds exactly five of twenty EUR 1m proposals racing for one EUR 5m envelope', async () => {
    const before = await fund();
    expect(before[1]?.committedEurCents).toBe(0);
    const views = await submitApproveAndSettle(
      Array.from({ length: 20 }, (_, i) =>
        proposal(`Race ${i + 1}`, 'PORT_SECURITY_INFRASTRUCTURE', [[1, MILLION_EUR]]),
      ),
    );
    const funded = views.filter((v) => v.status === 'COMPLETED');
    const unavailable = views.filter((v) => v.status === 'FUNDS_UNAVAILABLE');
    expect(funded).toHaveLength(5);
    expect(unavailable).toHaveLength(15);
    ids.funded = funded.map((v) => v.proposalId);
    ids.unavailable = unavailable.map((v) => v.proposalId);

    const after = await fund();
    expect(after[1]).toMatchObject({
      capEurCents: CAP,
      capGbpPence: 400_000_000,
      committedEurCents: CAP,
      committedGbpPence: 400_000_000,
      disbursedEurCents: CAP,
      disbursedGbpPence: 400_000_000,
      remainingEurCents: 0,
      remainingGbpPence: 0,
    });
    expect(after[2]).toEqual(before[2]);
    expect(after[3]).toEqual(before[3]);

    for (const view of funded) {
      expect(view.commitments).toEqual([
        expect.objectContaining({
          fundYear: 1,
          status: 'COMMITTED',
          amountEurCents: MILLION_EUR,
          amountGbpPence: 80_000_000,
        }),
      ]);
      expect(view.disbursements).toEqual([
        expect.objectContaining({ fundYear: 1, amountEurCents: MILLION_EUR, amountGbpPence: 80_000_000 }),
      ]);
    }
    // Nothing half-committed: a proposal that lost the race holds nothing.
    for (const view of unavailable) {
      for (const commitment of view.commitments) expect(commitment.status).toBe('RELEASED');
      expect(view.disbursements).toEqual([]);
    }
    const yearOne = await ledger('fundYear=1');
    expect(yearOne).toHaveLength(5);
    expect(yearOne.map((r) => r.proposalId).sort()).toEqual([...ids.funded].sort());
  }, 300_000);
});

describe('re-running the money steps', () => {
  async function snapshot(proposalIds: string[]) {
    const { checkedAt: _checkedAt, ...check } = (await verify()) as Record<string, unknown>;
    const emails = (await cloud.emails()).filter((e) => proposalIds.some((id) => e.text.includes(id)));
    return { fund: await fund(), ledger: await ledger(), check, emails: emails.length };
  }

  it('commits and pays a funded proposal once, however often commit and disburse run again', async () => {
    const proposalId = ids.funded[0] as string;
    const before = await snapshot([proposalId]);
    expect(before.check).toMatchObject({ ok: true });
    for (let run = 0; run < 2; run += 1) {
      const committed = await cloud.functions.invoke('commitFunds', {
        proposalId,
        fundYear: 1,
        amountEurCents: MILLION_EUR,
      });
      expect(committed).toMatchObject({ fundYear: 1, amountEurCents: MILLION_EUR });
      const disbursed = (await cloud.functions.invoke('disburseFunds', { proposalId })) as {
        disbursed: { created: boolean }[];
      };
      expect(disbursed.disbursed).toEqual([expect.objectContaining({ created: false })]);
    }
    expect(await snapshot([proposalId])).toEqual(before);
    const view = await proposalView(proposalId);
    expect(view.commitments).toHaveLength(1);
    expect(view.disbursements).toHaveLength(1);
  });

  it('never commits or pays a proposal that ended FUNDS_UNAVAILABLE', async () => {
    const loser = ids.unavailable[0] as string;
    const before = await snapshot([loser, ids.multiYear]);
    // The race loser, and the multi-year proposal whose first year was committed then released.
    const reruns: [string, number][] = [
      [loser, 1],
      [ids.multiYear, 1],
      [ids.multiYear, 2],
    ];
    for (const [proposalId, fundYear] of reruns) {
      await expect(
        cloud.functions.invoke('commitFunds', { proposalId, fundYear, amountEurCents: MILLION_EUR }),
      ).rejects.toMatchObject({ name: expect.stringMatching(/^Funds\./) });
    }
    for (const proposalId of [loser, ids.multiYear]) {
      await expect(cloud.functions.invoke('disburseFunds', { proposalId })).rejects.toMatchObject({
        name: 'Funds.NotFunded',
      });
    }
    expect(await snapshot([loser, ids.multiYear])).toEqual(before);
  });
});

describe('the ledger', () => {
  beforeAll(async () => {
    // Two fund-year-3 payments whose titles a spreadsheet would run as formulas.
    const views = await submitApproveAndSettle([
      proposal('=HYPERLINK("x")', 'PARKING_AREA_SECURITY', [[3, 2 * MILLION_EUR]]),
      proposal('@SUM(A1)', 'VULNERABLE_PERSONS_SUPPORT', [[3, MILLION_EUR / 2]]),
    ]);
    for (const view of views) expect(view.status).toBe('COMPLETED');
    ids.csv = views.map((v) => v.proposalId);
  }, 300_000);

  it('verifies: every record chained, the head naming the last one', async () => {
    const all = await ledger();
    expect(all).toHaveLength(8); // the filler, five race winners, the two above
    expect(seqs(all)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const check = await verify();
    const last = all.find((r) => r.seq === 8);
    expect(check).toMatchObject({ ok: true, records: 8, head: last?.hash });
    expect(check.problems).toBeUndefined();
    const perFundYear = new Map<number, number>();
    for (const record of all) {
      expect(record.amountGbpPence * 5).toBe(record.amountEurCents * 4);
      expect(record.rate.gbpPerEur).toBe('0.80');
      // Numbered per fund year, in ledger order.
      const number = (perFundYear.get(record.fundYear) ?? 0) + 1;
      perFundYear.set(record.fundYear, number);
      expect(record.paymentReference).toBe(`JIF-FY${record.fundYear}-${String(number).padStart(6, '0')}`);
    }
    expect(all.filter((r) => r.amountEurCents === MILLION_EUR).map((r) => r.amountGbpPence)).toEqual(
      Array(5).fill(80_000_000),
    );
  });

  it('filters by fund year, category, proposal and time, with totals that add up', async () => {
    const all = await ledger();
    const byTime = [...all].sort((a, b) => a.recordedAt.localeCompare(b.recordedAt) || a.seq - b.seq);
    const pivot = (byTime[3] as LedgerRecord).recordedAt;
    const later = (byTime[6] as LedgerRecord).recordedAt;
    const day = pivot.slice(0, 10);
    const dayBefore = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const pivotPlusOne = new Date(Date.parse(pivot) + 3_600_000).toISOString().replace('Z', '+01:00');
    const hyperlink = ids.csv[0] as string;
    const cases: [string, (r: LedgerRecord) => boolean][] = [
      ['fundYear=1', (r) => r.fundYear === 1],
      ['fundYear=2', (r) => r.fundYear === 2],
      ['fundYear=3', (r) => r.fundYear === 3],
      ['category=VULNERABLE_PERSONS_SUPPORT', (r) => r.category === 'VULNERABLE_PERSONS_SUPPORT'],
      ['category=PARKING_AREA_SECURITY', (r) => r.category === 'PARKING_AREA_SECURITY'],
      ['category=TEMPORARY_SECURITY_MEASURE', () => false],
      ['purpose=INVESTMENT', (r) => r.purpose === 'INVESTMENT'],
      ['purpose=RUNNING_COST', () => false],
      ['fundYear=2&purpose=INVESTMENT', (r) => r.fundYear === 2 && r.purpose === 'INVESTMENT'],
      [
        'fundYear=3&category=VULNERABLE_PERSONS_SUPPORT',
        (r) => r.fundYear === 3 && r.category === 'VULNERABLE_PERSONS_SUPPORT',
      ],
      [`proposalId=${hyperlink}`, (r) => r.proposalId === hyperlink],
      [`proposalId=${hyperlink}&fundYear=2`, () => false],
      [`proposalId=${ids.unavailable[0]}`, () => false],
      [`from=${pivot}`, (r) => r.recordedAt >= pivot],
      [`to=${pivot}`, (r) => r.recordedAt <= pivot],
      [`from=${pivot}&to=${later}`, (r) => r.recordedAt >= pivot && r.recordedAt <= later],
      [`from=${encodeURIComponent(pivotPlusOne)}`, (r) => r.recordedAt >= pivot],
      [`fundYear=1&from=${pivot}`, (r) => r.fundYear === 1 && r.recordedAt >= pivot],
      [
        `category=PORT_SECURITY_INFRASTRUCTURE&to=${pivot}`,
        (r) => r.category === 'PORT_SECURITY_INFRASTRUCTURE' && r.recordedAt <= pivot,
      ],
      [`proposalId=${hyperlink}&from=${later}`, (r) => r.proposalId === hyperlink && r.recordedAt >= later],
      [`from=${day}&to=${day}`, (r) => r.recordedAt.startsWith(day)],
      [`to=${dayBefore}`, (r) => r.recordedAt.slice(0, 10) <= dayBefore],
      [`fundYear=1&from=${day}`, (r) => r.fundYear === 1 && r.recordedAt.slice(0, 10) >= day],
    ];
    for (const [query, predicate] of cases) {
      const expected = all.filter(predicate);
      const response = await cloud.api('GET', `/disbursements?${query}`, { as: 'finance' });
      expect(response.status, query).toBe(200);
      const body = (await response.json()) as {
        items: LedgerRecord[];
        totals: Totals;
        nextCursor: string | null;
      };
      expect(seqs(body.items), query).toEqual(seqs(expected));
      expect(body.totals, query).toEqual(sumOf(expected));
      expect(body.nextCursor, query).toBeNull();
    }
    // The fund-year-1 totals: five times EUR 1m, GBP 800,000 each.
    const yearOne = (await (
      await cloud.api('GET', '/disbursements?fundYear=1', { as: 'finance' })
    ).json()) as {
      totals: Totals;
    };
    expect(yearOne.totals).toEqual({ count: 5, amountEurCents: CAP, amountGbpPence: 400_000_000 });
  });

  it("walks every page with limit and cursor, without duplicates or gaps, every page giving the whole selection's totals", async () => {
    const all = await ledger();
    const pivot = [...all].sort((a, b) => a.recordedAt.localeCompare(b.recordedAt))[2]?.recordedAt ?? '';
    for (const query of [
      '',
      'fundYear=1',
      'category=VULNERABLE_PERSONS_SUPPORT',
      'purpose=INVESTMENT',
      `from=${pivot}`,
    ]) {
      const whole = await ledger(query);
      for (const limit of [1, 2, 3]) {
        const path = `/disbursements?limit=${limit}${query ? `&${query}` : ''}`;
        const pages: LedgerRecord[][] = [];
        let cursor: string | null = null;
        do {
          const url: string = cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path;
          const body = (await (await cloud.api('GET', url, { as: 'finance' })).json()) as {
            items: LedgerRecord[];
            totals: Totals;
            nextCursor: string | null;
          };
          expect(body.items.length).toBeLessThanOrEqual(limit);
          expect(body.totals).toEqual(sumOf(whole));
          pages.push(body.items);
          cursor = body.nextCursor;
        } while (cursor && pages.length < 100);
        const walked = pages.flat();
        expect(
          walked.map((r) => r.seq),
          path,
        ).toEqual(whole.map((r) => r.seq));
        expect(new Set(walked.map((r) => r.seq)).size).toBe(walked.length);
      }
    }
  });

  it('answers 400 to filters it does not understand, naming each', async () => {
    const bad: [string, string[]][] = [
      ['fundYear=4', ['fundYear']],
      ['fundYear=one', ['fundYear']],
      ['category=BEACHES', ['category']],
      ['proposalId=bad%20id!', ['proposalId']],
      ['from=yesterday', ['from']],
      ['to=2026-13-45', ['to']],
      ['from=2026-02-01&to=2026-01-01', ['to']],
      ['limit=0', ['limit']],
      ['limit=1001', ['limit']],
      ['limit=2.5', ['limit']],
      ['format=xml', ['format']],
      ['purpose=SALARIES', ['purpose']],
      ['format=csv&sep=%7C', ['sep']],
      ['format=csv&lang=de', ['lang']],
      ['fundyear=1', ['fundyear']],
      ['cursor=garbage', ['cursor']],
      ['fundYear=0&category=X&limit=-1&format=pdf', ['fundYear', 'category', 'limit', 'format']],
    ];
    for (const [query, paths] of bad) {
      const response = await cloud.api('GET', `/disbursements?${query}`, { as: 'finance' });
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { message: string; errors: { path: string }[] };
      expect(
        body.errors.map((e) => e.path),
        query,
      ).toEqual(expect.arrayContaining(paths));
    }
    // A cursor from one filter is not a cursor for another.
    const page = (await (
      await cloud.api('GET', '/disbursements?fundYear=1&limit=1', { as: 'finance' })
    ).json()) as {
      nextCursor: string;
    };
    const elsewhere = await cloud.api(
      'GET',
      `/disbursements?category=PARKING_AREA_SECURITY&cursor=${page.nextCursor}`,
      {
        as: 'finance',
      },
    );
    expect(elsewhere.status).toBe(400);
    // Nor for the same filter on another value, or outside the time range asked for: 400, not 500.
    const latest = [...(await ledger('fundYear=1'))].sort((a, b) =>
      b.recordedAt.localeCompare(a.recordedAt),
    )[0];
    const outside = [
      `fundYear=3&cursor=${page.nextCursor}`,
      `fundYear=2&cursor=${page.nextCursor}`,
      `fundYear=1&from=${latest?.recordedAt}&cursor=${page.nextCursor}`,
      `category=VULNERABLE_PERSONS_SUPPORT&cursor=${
        (
          (await (
            await cloud.api('GET', '/disbursements?category=PORT_SECURITY_INFRASTRUCTURE&limit=1', {
              as: 'finance',
            })
          ).json()) as { nextCursor: string }
        ).nextCursor
      }`,
    ];
    for (const query of outside) {
      const response = await cloud.api('GET', `/disbursements?${query}`, { as: 'finance' });
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { errors: { path: string }[] };
      expect(body.errors.map((e) => e.path)).toEqual(['cursor']);
    }
    expect(
      (await cloud.api('GET', `/disbursements?fundYear=1&cursor=${page.nextCursor}`, { as: 'finance' }))
        .status,
    ).toBe(200);
  });

  it('gives the same records as CSV, ready for a spreadsheet, with formula-like cells neutralised', async () => {
    const all = await ledger();
    const csvByQuery = await cloud.api('GET', '/disbursements?format=csv&limit=1000', { as: 'finance' });
    const csvByAccept = await cloud.api('GET', '/disbursements?limit=1000', {
      as: 'finance',
      headers: { accept: 'text/csv' },
    });
    const today = new Date().toISOString().slice(0, 10);
    for (const response of [csvByQuery, csvByAccept]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe(
        `attachment; filename="jif-disbursements-${today}.csv"`,
      );
      expect(response.headers.get('x-total-eur-cents')).toBe(String(sumOf(all).amountEurCents));
      expect(response.headers.get('x-total-gbp-pence')).toBe(String(sumOf(all).amountGbpPence));
    }
    const bytes = Buffer.from(await csvByQuery.arrayBuffer());
    // UTF-8 with a byte-order mark, so spreadsheets read accents.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(await csvByAccept.text()).toBe(text.slice(1));
    const rows = parse(text, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows).toHaveLength(all.length);
    const neutral = (cell: string) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);
    for (const record of all) {
      const row = rows.find((r) => r.seq === String(record.seq));
      expect(row, `seq ${record.seq}`).toEqual({
        date: record.recordedAt.slice(0, 10),
        paymentReference: record.paymentReference,
        seq: String(record.seq),
        recordedAt: record.recordedAt,
        fundYear: String(record.fundYear),
        category: record.category,
        categoryLabel: expect.any(String),
        purpose: record.purpose,
        purposeLabel: 'Investment',
        proposalId: record.proposalId,
        title: neutral(record.title),
        amountEur: (record.amountEurCents / 100).toFixed(2),
        amountGbp: (record.amountGbpPence / 100).toFixed(2),
        amountEurCents: String(record.amountEurCents),
        amountGbpPence: String(record.amountGbpPence),
        gbpPerEur: '0.80',
        rateSource: record.rate.source,
        hash: record.hash,
      });
    }
    expect(rows.find((r) => r.category === 'VULNERABLE_PERSONS_SUPPORT')?.categoryLabel).toBe(
      'Support for vulnerable persons',
    );
    // For a French spreadsheet: `;` and decimal commas, French labels; `sep=;` alone gives the separator.
    for (const query of ['lang=fr', 'sep=%3B&lang=fr']) {
      const french = await cloud.api('GET', `/disbursements?format=csv&fundYear=1&${query}`, {
        as: 'finance',
      });
      const frenchRows = parse(await french.text(), { columns: true, bom: true, delimiter: ';' }) as Record<
        string,
        string
      >[];
      expect(frenchRows).toHaveLength(5);
      for (const row of frenchRows) {
        expect(row).toMatchObject({ amountEur: '1000000,00', amountGbp: '800000,00', gbpPerEur: '0,80' });
        expect(row.purposeLabel).toBe('Investissement');
      }
    }
    const semicolon = await cloud.api('GET', '/disbursements?format=csv&fundYear=1&sep=%3B', {
      as: 'finance',
    });
    const semicolonRows = parse(await semicolon.text(), {
      columns: true,
      bom: true,
      delimiter: ';',
    }) as Record<string, string>[];
    expect(semicolonRows[0]).toMatchObject({ amountEur: '1000000,00', purposeLabel: 'Investment' });
    const titles = rows.map((r) => r.title);
    expect(titles).toContain(`'=HYPERLINK("x")`);
    expect(titles).toContain(`'@SUM(A1)`);
    expect(titles.some((t) => /^[=+\-@]/.test(t ?? ''))).toBe(false);
    const million = rows.filter((r) => r.amountEurCents === String(MILLION_EUR));
    expect(million.map((r) => [r.amountEur, r.amountGbp])).toEqual(
      Array(5).fill(['1000000.00', '800000.00']),
    );

    // Filters and pagination apply to CSV as to JSON; an explicit format=json wins over Accept.
    const filtered = await cloud.api('GET', '/disbursements?fundYear=1', {
      as: 'finance',
      headers: { accept: 'text/csv' },
    });
    const filteredRows = parse(await filtered.text(), { columns: true, bom: true }) as Record<
      string,
      string
    >[];
    expect(filteredRows.map((r) => Number(r.seq)).sort((a, b) => a - b)).toEqual(
      seqs(await ledger('fundYear=1')),
    );
    expect(filtered.headers.get('x-total-eur-cents')).toBe(String(CAP));
    const walked: Record<string, string>[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/disbursements?format=csv&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const response = await cloud.api('GET', url, { as: 'finance' });
      walked.push(
        ...(parse(await response.text(), { columns: true, bom: true }) as Record<string, string>[]),
      );
      cursor = response.headers.get('x-next-cursor');
    } while (cursor && walked.length < 100);
    expect(walked.map((r) => Number(r.seq))).toEqual(all.map((r) => r.seq));
    const json = await cloud.api('GET', '/disbursements?format=json', {
      as: 'finance',
      headers: { accept: 'text/csv' },
    });
    expect(json.headers.get('content-type')).toMatch(/^application\/json\b/);
  });

  // Last: it breaks the ledger on purpose.
  it('fails to verify once a record is altered in the database', async () => {
    expect((await verify()).ok).toBe(true);
    const dynamodb = new DynamoDBClient({
      endpoint: cloud.endpoints.dynamodb,
      region: 'eu-west-3',
      credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
    });
    try {
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: 'jif-Fund',
          Key: { pk: { S: 'LEDGER' }, sk: { S: 'SEQ#000000000001' } },
          UpdateExpression: 'SET amountEurCents = :amount',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':amount': { N: '1' } },
        }),
      );
      // A field of the wrong type: a finding of the check, not a failure of it (a 500).
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: 'jif-Fund',
          Key: { pk: { S: 'LEDGER' }, sk: { S: 'SEQ#000000000002' } },
          UpdateExpression: 'SET amountEurCents = :amount',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':amount': { S: 'a great deal' } },
        }),
      );
    } finally {
      dynamodb.destroy();
    }
    const check = await verify();
    expect(check.ok).toBe(false);
    expect(check.records).toBe(8);
    expect(check.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ seq: 1, problem: expect.stringMatching(/hash/) }),
        expect.objectContaining({ seq: 2, problem: expect.stringMatching(/cannot be read.*amountEurCents/) }),
      ]),
    );
  });
});
