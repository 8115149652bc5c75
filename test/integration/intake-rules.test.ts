/**
 * Intake as the port authority meets it (issue 9, items 5 and 12; shared/CONTRACT.md §4): the fund's
 * calendar (no line for a year that has ended, running costs only in years 2-3), the envelope's room
 * (a warning at intake), text hygiene (UTF-8 only, no control or bidi-override characters in one-line
 * fields), ids that name nothing (404, never 500), and the list's filters and GBP figures.
 * The fund started 13 months ago: fund year 1 has ended, fund year 2 is under way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import { dateAgo } from '../support/evaluations.ts';
import { approveAll } from '../support/flows.ts';

interface ErrorBody {
  message: string;
  errors: { path: string; message: string }[];
}

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await startTestCloud({ timeScale: 0.001, fundStartDate: dateAgo(13) });
});
afterAll(async () => {
  await cloud?.close();
});

async function refused(response: Response, paths: string[]): Promise<ErrorBody> {
  expect(response.status).toBe(400);
  const body = (await response.json()) as ErrorBody;
  expect(body.errors.map((e) => e.path).sort()).toEqual([...paths].sort());
  return body;
}

/** The sample proposal, with lines in the fund years still open. */
function proposal(overrides: Record<string, unknown> = {}) {
  return sampleProposal({
    funding: [line(2, 'INVESTMENT', 120_000_000), line(3, 'RUNNING_COST', 15_000_000)],
    ...overrides,
  });
}

function post(json: unknown) {
  return cloud.api('POST', '/proposals', { as: 'port-authority', json });
}

function line(fundYear: number, purpose: string, amountEurCents: number) {
  return { fundYear, purpose, amountEurCents };
}

describe('the fund calendar at intake', () => {
  it('refuses a line for a fund year that has ended, naming it', async () => {
    const body = await refused(
      await post(
        sampleProposal({ funding: [line(1, 'INVESTMENT', 100_000), line(2, 'INVESTMENT', 100_000)] }),
      ),
      ['funding.0.fundYear'],
    );
    expect(body.errors[0]?.message).toMatch(/^fund year 1 ended on \d{4}-\d{2}-\d{2}/);
  });

  it('refuses RUNNING_COST in fund year 1, takes it in years 2 and 3', async () => {
    // Both rules broken at once: both listed.
    await refused(await post(sampleProposal({ funding: [line(1, 'RUNNING_COST', 100_000)] })), [
      'funding.0.purpose',
      'funding.0.fundYear',
    ]);
    await refused(
      await post(
        sampleProposal({ title: '', funding: [line(2, 'INVESTMENT', 1), line(1, 'INVESTMENT', 1)] }),
      ),
      ['title', 'funding.1.fundYear'],
    );
    const accepted = await post(
      sampleProposal({ funding: [line(2, 'RUNNING_COST', 100_000), line(3, 'RUNNING_COST', 100_000)] }),
    );
    expect(accepted.status).toBe(201);
  });

  it("warns, at intake, when a year's envelope has less room left than the proposal asks", async () => {
    const filler = await cloud.submit(
      sampleProposal({ title: 'Fills most of fund year 3', funding: [line(3, 'INVESTMENT', 450_000_000)] }),
    );
    await approveAll(cloud, [filler.proposalId]);
    await cloud.waitForStatus(filler.proposalId, ['FUNDED']);

    const response = await post(
      sampleProposal({
        title: 'More than year 3 has left',
        funding: [line(2, 'INVESTMENT', 100_000), line(3, 'INVESTMENT', 60_000_000)],
      }),
    );
    // Taken in (201): room may come back before both sign-offs; the commit step decides.
    expect(response.status).toBe(201);
    const body = (await response.json()) as { proposalId: string; warnings: ErrorBody['errors'] };
    expect(body.warnings).toEqual([
      {
        path: 'funding.1.amountEurCents',
        message: expect.stringContaining(
          'fund year 3 has EUR 500,000.00 left and this proposal asks for EUR 600,000.00 in that year',
        ),
      },
    ]);
    const fits = (await (
      await post(sampleProposal({ funding: [line(3, 'INVESTMENT', 100_000)] }))
    ).json()) as {
      warnings?: unknown;
    };
    expect(fits.warnings).toBeUndefined();
  }, 60_000);
});

describe('text hygiene', () => {
  it('refuses a body that is not UTF-8, naming the field the bad bytes are in', async () => {
    const json = JSON.stringify(proposal({ title: 'Clôture XX' }));
    const bytes = Buffer.from(json, 'utf8');
    const at = bytes.indexOf(Buffer.from('XX'));
    bytes[at] = 0xff; // never valid in UTF-8
    bytes[at + 1] = 0xfe;
    const response = await fetch(`${cloud.baseUrl}/proposals`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${cloud.tokens['port-authority']}`,
        'content-type': 'application/json',
      },
      body: bytes,
    });
    const body = await refused(response, ['title']);
    expect(body.message).toMatch(/UTF-8/);
    // A Latin-1 body: the é of the description is one byte 0xE9 there.
    const latin1 = Buffer.from(JSON.stringify(proposal({ description: 'Clôture du périmètre' })), 'latin1');
    await refused(
      await fetch(`${cloud.baseUrl}/proposals`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${cloud.tokens['port-authority']}`,
          'content-type': 'application/json',
        },
        body: latin1,
      }),
      ['description'],
    );
  });

  it('refuses control and bidi-override characters in one-line fields, naming each field', async () => {
    for (const title of [
      'Ring road\u0007fencing',
      'Invoice \u202Egpj.exe',
      'Two\nlines',
      'Isolate \u2066x\u2069',
    ]) {
      const body = await refused(await post(proposal({ title })), ['title']);
      expect(body.errors[0]?.message).toMatch(/control or bidi-override/);
    }
    await refused(await post(proposal({ contactEmail: 'port@port-calais.example\u202E' })), ['contactEmail']);
    await refused(await post(proposal({ description: 'Fences \u202Ereversed' })), ['description']);
    // Line breaks and tabs belong in a description.
    expect((await post(proposal({ description: 'Phase 1:\n\tfences\r\nPhase 2: gates' }))).status).toBe(201);
  });

  it('answers 404, never 500, for ids that name no proposal, however long', async () => {
    for (const id of [
      'x'.repeat(3000),
      'é'.repeat(1500),
      'not-a-uuid',
      '00000000-0000-4000-8000-000000000000',
    ]) {
      const response = await cloud.api('GET', `/proposals/${encodeURIComponent(id)}`, { as: 'admin' });
      expect(response.status).toBe(404);
      expect(((await response.json()) as ErrorBody).message.length).toBeLessThan(200);
    }
  });
});

describe('GET /proposals filters', () => {
  it('filters by category and fund year, and shows GBP beside EUR', async () => {
    const vulnerable = await cloud.submit(
      sampleProposal({
        title: 'Support, fund year 3 only',
        category: 'VULNERABLE_PERSONS_SUPPORT',
        funding: [line(3, 'INVESTMENT', 1_000_000)],
      }),
    );
    const parking = await cloud.submit(
      sampleProposal({
        title: 'Parking, year 2',
        category: 'PARKING_AREA_SECURITY',
        funding: [line(2, 'INVESTMENT', 1_000_001), line(3, 'RUNNING_COST', 2_000_000)],
      }),
    );
    type Listed = {
      proposalId: string;
      category: string;
      funding: { fundYear: number; amountEurCents: number; amountGbpPence: number }[];
      totalEurCents: number;
      totalGbpPence: number;
    };
    const list = async (query: string) => {
      const response = await cloud.api('GET', `/proposals?limit=100&${query}`, { as: 'finance' });
      expect(response.status).toBe(200);
      return ((await response.json()) as { items: Listed[] }).items;
    };
    const byCategory = await list('category=VULNERABLE_PERSONS_SUPPORT');
    expect(byCategory.map((p) => p.proposalId)).toEqual([vulnerable.proposalId]);

    const year2 = await list('fundYear=2');
    expect(year2.map((p) => p.proposalId)).toContain(parking.proposalId);
    expect(year2.map((p) => p.proposalId)).not.toContain(vulnerable.proposalId);
    for (const item of year2) expect(item.funding.some((l) => l.fundYear === 2)).toBe(true);

    const both = await list('category=PARKING_AREA_SECURITY&fundYear=3');
    expect(both.map((p) => p.proposalId)).toEqual([parking.proposalId]);
    expect(both[0]?.funding).toEqual([
      { fundYear: 2, purpose: 'INVESTMENT', amountEurCents: 1_000_001, amountGbpPence: 800_001 },
      { fundYear: 3, purpose: 'RUNNING_COST', amountEurCents: 2_000_000, amountGbpPence: 1_600_000 },
    ]);
    expect(both[0]).toMatchObject({ totalEurCents: 3_000_001, totalGbpPence: 2_400_001 });
  });

  it('refuses unknown filters and bad values with 400, naming each', async () => {
    await refused(await cloud.api('GET', '/proposals?catgory=PARKING_AREA_SECURITY', { as: 'finance' }), [
      'catgory',
    ]);
    await refused(await cloud.api('GET', '/proposals?category=FENCES&fundYear=4', { as: 'finance' }), [
      'category',
      'fundYear',
    ]);
  });
});
