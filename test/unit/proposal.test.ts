import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENVELOPE_CAP_EUR_CENTS, FUND_YEARS } from '../../functions/funding/domain/fund.ts';
import { CATEGORIES, FUNDING_PURPOSES } from '../../functions/proposals/domain/categories.ts';
import {
  commitmentSchedule,
  type FieldError,
  parseProposal,
  proposalIdFor,
} from '../../functions/proposals/domain/proposal.ts';

/** The example body from the contract (CONTRACT.md section 4). */
const contractExample = {
  title: 'Ring road fencing, phase 1',
  category: 'PORT_SECURITY_INFRASTRUCTURE',
  description: 'Robust fences along the ring road access to the public area of the port.',
  contactEmail: 'port@port-calais.example',
  funding: [
    { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 120000000 },
    { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 15000000 },
  ],
};

type Body = Record<string, unknown> & { funding: Record<string, unknown>[] };

const example = (): Body => structuredClone(contractExample) as Body;

function errorsOf(body: unknown): FieldError[] {
  const result = parseProposal(body);
  if (result.ok) throw new Error(`expected ${JSON.stringify(body)} to be refused`);
  return result.errors;
}
const pathsOf = (body: unknown) => errorsOf(body).map((error) => error.path);

describe('parseProposal', () => {
  it('accepts the contract example as it is', () => {
    expect(parseProposal(contractExample)).toEqual({ ok: true, value: contractExample });
  });

  it('trims the title and the description', () => {
    const result = parseProposal({ ...example(), title: '  Fences  ', description: '\nWhy\n' });
    expect(result.ok && [result.value.title, result.value.description]).toEqual(['Fences', 'Why']);
  });

  it('accepts every category and purpose, and a line at exactly the cap', () => {
    for (const category of CATEGORIES) {
      for (const purpose of FUNDING_PURPOSES) {
        const body = {
          ...example(),
          category,
          funding: [{ fundYear: 3, purpose, amountEurCents: ENVELOPE_CAP_EUR_CENTS }],
        };
        expect(parseProposal(body).ok).toBe(true);
      }
    }
  });

  it.each([
    ['a missing title', { title: undefined }, 'title'],
    ['a blank title', { title: '   ' }, 'title'],
    ['a title too long', { title: 'x'.repeat(201) }, 'title'],
    ['a numeric title', { title: 42 }, 'title'],
    ['an unknown category', { category: 'COFFEE' }, 'category'],
    ['a lower-case category', { category: 'port_security_infrastructure' }, 'category'],
    ['a blank description', { description: '' }, 'description'],
    ['a bad email', { contactEmail: 'port at calais' }, 'contactEmail'],
    ['no funding', { funding: [] }, 'funding'],
    ['funding not a list', { funding: { fundYear: 1 } }, 'funding'],
    ['an unknown field', { budget: 5 }, 'budget'],
  ])('refuses %s at its path', (_name, change, path) => {
    const body: Record<string, unknown> = { ...example(), ...change };
    if ('title' in change && change.title === undefined) delete body.title;
    expect(pathsOf(body)).toEqual([path]);
  });

  it.each([
    ['a fund year outside 1-3', { fundYear: 4 }, 'funding.1.fundYear'],
    ['fund year 0', { fundYear: 0 }, 'funding.1.fundYear'],
    ['a fractional fund year', { fundYear: 1.5 }, 'funding.1.fundYear'],
    ['a fund year as text', { fundYear: '2' }, 'funding.1.fundYear'],
    ['an unknown purpose', { purpose: 'TRAVEL' }, 'funding.1.purpose'],
    ['a fractional amount', { amountEurCents: 1500.5 }, 'funding.1.amountEurCents'],
    ['a zero amount', { amountEurCents: 0 }, 'funding.1.amountEurCents'],
    ['a negative amount', { amountEurCents: -100 }, 'funding.1.amountEurCents'],
    ['an amount as text', { amountEurCents: '15000000' }, 'funding.1.amountEurCents'],
    ['an unknown field in a line', { currency: 'EUR' }, 'funding.1.currency'],
  ])('refuses %s with a dotted path into the line', (_name, change, path) => {
    const body = example();
    body.funding[1] = { ...body.funding[1], ...change };
    expect(pathsOf(body)).toEqual([path]);
  });

  it("refuses a line above the cap, naming the line and the year's total", () => {
    const body = example();
    body.funding[1] = { ...body.funding[1], amountEurCents: ENVELOPE_CAP_EUR_CENTS + 1 };
    expect(errorsOf(body)).toEqual([
      {
        path: 'funding.1.amountEurCents',
        message: "must not exceed the fund year's cap of 500000000 euro cents",
      },
      {
        path: 'funding',
        message: "fund year 2 asks for 500000001 euro cents in all, above the year's cap of 500000000",
      },
    ]);
  });

  it('says what is wrong in words', () => {
    const body = example();
    body.funding[0] = { ...body.funding[0], amountEurCents: 0.5 };
    expect(errorsOf({ ...body, extra: true })).toEqual([
      {
        path: 'funding.0.amountEurCents',
        message: 'must be an integer number of euro cents, not a fraction',
      },
      { path: 'extra', message: 'is not a known field' },
    ]);
  });

  it('reports every error together', () => {
    const body = {
      title: '',
      category: 'NOPE',
      description: 'Fences',
      contactEmail: 'nobody',
      funding: [
        { fundYear: 4, purpose: 'INVESTMENT', amountEurCents: 1.5 },
        { fundYear: 1, purpose: 'GIFT', amountEurCents: 100, colour: 'red' },
      ],
      budget: 1,
      owner: 'me',
    };
    expect(pathsOf(body).sort()).toEqual(
      [
        'title',
        'category',
        'contactEmail',
        'funding.0.fundYear',
        'funding.0.amountEurCents',
        'funding.1.purpose',
        'funding.1.colour',
        'budget',
        'owner',
      ].sort(),
    );
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, [], 'proposal', 42]) expect(pathsOf(body)).toEqual(['(body)']);
    // zod's English messages where the schema gives none (zod/mini loads no locale by itself).
    expect(errorsOf('proposal')).toEqual([
      { path: '(body)', message: 'Invalid input: expected object, received string' },
    ]);
  });

  it('refuses two lines for the same year and purpose, naming the second', () => {
    const body = example();
    body.funding.push({ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 100 });
    expect(errorsOf(body)).toEqual([
      { path: 'funding.2', message: 'duplicates line 0: one line per fund year and purpose' },
    ]);
  });

  it('accepts investment and running cost in the same year', () => {
    const body = example();
    body.funding.push({ fundYear: 2, purpose: 'INVESTMENT', amountEurCents: 100 });
    expect(parseProposal(body).ok).toBe(true);
  });

  it("refuses lines of one year that together exceed the year's cap", () => {
    const half = ENVELOPE_CAP_EUR_CENTS / 2;
    const atCap = {
      ...example(),
      funding: [
        { fundYear: 2, purpose: 'INVESTMENT', amountEurCents: half },
        { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: half },
      ],
    };
    expect(parseProposal(atCap).ok).toBe(true);
    const over = structuredClone(atCap);
    over.funding[1] = { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: half + 1 };
    const errors = errorsOf(over);
    expect(errors).toEqual([
      {
        path: 'funding',
        message: "fund year 2 asks for 500000001 euro cents in all, above the year's cap of 500000000",
      },
    ]);
  });

  it('refuses more than one line per fund year and purpose in all', () => {
    const funding = FUND_YEARS.flatMap((fundYear) =>
      FUNDING_PURPOSES.map((purpose) => ({ fundYear, purpose, amountEurCents: 1 })),
    ).filter((line) => !(line.fundYear === 1 && line.purpose === 'RUNNING_COST'));
    expect(parseProposal({ ...example(), funding }).ok).toBe(true);
    const again = { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 1 };
    expect(pathsOf({ ...example(), funding: [...funding, again, again] })).toEqual(
      expect.arrayContaining(['funding']),
    );
  });

  it('refuses running costs in fund year 1, naming the line', () => {
    expect(
      pathsOf({ ...example(), funding: [{ fundYear: 1, purpose: 'RUNNING_COST', amountEurCents: 1 }] }),
    ).toEqual(['funding.0.purpose']);
    // Listed beside every other offending field, also of another line.
    expect(
      pathsOf({
        ...example(),
        title: '',
        funding: [
          { fundYear: 1, purpose: 'RUNNING_COST', amountEurCents: 5 },
          { fundYear: '2', purpose: 'INVESTMENT', amountEurCents: 100 },
        ],
      }).sort(),
    ).toEqual(['funding.0.purpose', 'funding.1.fundYear', 'title']);
  });

  it('refuses control and bidi-override characters in the title, not line breaks in the description', () => {
    expect(pathsOf({ ...example(), title: 'Fence\u202E' })).toEqual(['title']);
    expect(pathsOf({ ...example(), title: 'Fence\u0000' })).toEqual(['title']);
    expect(pathsOf({ ...example(), description: 'Fence \u2067x' })).toEqual(['description']);
    expect(parseProposal({ ...example(), description: 'One\n\ttwo\r\nthree' }).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const text = (max: number) => fc.string({ minLength: 1, maxLength: max }).filter((s) => s.trim().length > 0);
const label = fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/);
const email = fc
  .tuple(label, label, fc.constantFrom('example', 'fr', 'gov.uk'))
  .map(([l, d, t]) => `${l}@${d}.${t}`);

/**
 * Distinct (year, purpose) pairs, never running costs in year 1; two lines per year at most half the
 * cap each, so a year never overflows.
 */
const funding = fc
  .uniqueArray(
    fc
      .tuple(fc.constantFrom(...FUND_YEARS), fc.constantFrom(...FUNDING_PURPOSES))
      .filter(([year, purpose]) => !(year === 1 && purpose === 'RUNNING_COST')),
    {
      minLength: 1,
      maxLength: FUND_YEARS.length * FUNDING_PURPOSES.length - 1,
      selector: ([year, purpose]) => `${year}/${purpose}`,
    },
  )
  .chain((pairs) =>
    fc.tuple(
      ...pairs.map(([fundYear, purpose]) =>
        fc.integer({ min: 1, max: ENVELOPE_CAP_EUR_CENTS / 2 }).map((amountEurCents) => ({
          fundYear,
          purpose,
          amountEurCents,
        })),
      ),
    ),
  );

const validProposal = fc.record({
  title: text(200),
  category: fc.constantFrom(...CATEGORIES),
  description: text(500),
  contactEmail: email,
  funding,
});

type Corruption = { path: string; apply: (body: Body) => void };

/** One field made wrong, and the path its error must carry. */
const corruption = (body: Body): fc.Arbitrary<Corruption> => {
  const field = (name: string, bad: fc.Arbitrary<unknown>) =>
    bad.map(
      (value): Corruption => ({
        path: name,
        apply: (b) => {
          b[name] = value;
        },
      }),
    );
  const lineField = (name: string, bad: fc.Arbitrary<unknown>) =>
    fc.tuple(fc.nat({ max: body.funding.length - 1 }), bad).map(
      ([index, value]): Corruption => ({
        path: `funding.${index}.${name}`,
        apply: (b) => {
          const line = b.funding[index];
          if (line) line[name] = value;
        },
      }),
    );
  return fc.oneof(
    field('title', fc.constantFrom('', '   ', 'x'.repeat(201), 7, null, undefined)),
    field('category', fc.constantFrom('OTHER', '', 'port_security_infrastructure', 1)),
    field('description', fc.constantFrom('', ' \n ', 'x'.repeat(10_001), false)),
    field('contactEmail', fc.constantFrom('', 'no-at-sign', 'a@', '@b.example', 'a b@c.example', 3)),
    field('funding', fc.constantFrom([], 'lots', null, {})),
    fc.constantFrom('budget', 'status', 'proposalId', 'ownerSub').map(
      (name): Corruption => ({
        path: name,
        apply: (b) => {
          b[name] = 'injected';
        },
      }),
    ),
    lineField('fundYear', fc.constantFrom(0, 4, -1, 1.5, '1', null, undefined)),
    lineField('purpose', fc.constantFrom('OTHER', 'investment', '', 0)),
    lineField(
      'amountEurCents',
      fc.oneof(
        fc.constantFrom(0, -1, 0.5, ENVELOPE_CAP_EUR_CENTS + 1, Number.NaN, '100', null),
        fc.double({ min: 1, max: 1e6, noInteger: true, noNaN: true }),
        fc.integer({ max: 0 }),
      ),
    ),
    fc.nat({ max: body.funding.length - 1 }).map(
      (index): Corruption => ({
        path: `funding.${index}.note`,
        apply: (b) => {
          const line = b.funding[index];
          if (line) line.note = 'injected';
        },
      }),
    ),
  );
};

describe('parseProposal properties', () => {
  it('accepts any valid proposal, unchanged but for trimming', () => {
    fc.assert(
      fc.property(validProposal, (body) => {
        const result = parseProposal(body);
        expect(result.ok).toBe(true);
        if (result.ok) {
          expect(result.value.funding).toEqual(body.funding);
          expect(result.value.title).toBe(body.title.trim());
        }
      }),
      { numRuns: 200 },
    );
  });

  it("refuses a proposal with one field corrupted, naming that field's path", () => {
    const cases = validProposal.chain((body) =>
      corruption(body as Body).map((c) => ({ body: body as Body, corruption: c })),
    );
    fc.assert(
      fc.property(cases, ({ body, corruption: c }) => {
        const corrupted = structuredClone(body);
        c.apply(corrupted);
        const result = parseProposal(corrupted);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.errors.map((e) => e.path)).toContain(c.path);
      }),
      { numRuns: 300 },
    );
  });
});

describe('what intake derives from a proposal', () => {
  it('commits one entry per fund year, investment and running cost together, in year order', () => {
    expect(
      commitmentSchedule([
        { fundYear: 3, purpose: 'RUNNING_COST', amountEurCents: 5 },
        { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 100 },
        { fundYear: 3, purpose: 'INVESTMENT', amountEurCents: 7 },
      ]),
    ).toEqual([
      { fundYear: 1, amountEurCents: 100 },
      { fundYear: 3, amountEurCents: 12 },
    ]);
  });

  it('names a proposal by its idempotency key: the same key the same UUID, another key another', () => {
    const id = proposalIdFor('owner\nkey-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(proposalIdFor('owner\nkey-1')).toBe(id);
    expect(proposalIdFor('owner\nkey-2')).not.toBe(id);
  });
});
