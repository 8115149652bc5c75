/**
 * The API as its users rely on it (shared/CONTRACT.md §3-4): authentication and roles, the error
 * shape, proposal intake (validation, size and type limits, idempotency), reading one proposal, and
 * listing proposals newest first with filters and cursors.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { type CryptoKey, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../functions/platform/roles.ts';
import { CATEGORIES } from '../../functions/proposals/domain/categories.ts';
import { LOCAL_AUDIENCE } from '../../infra/local/auth.ts';
import { system } from '../../infra/system.ts';
import { sampleProposal, startTestCloud, type TestCloud } from '../support/cloud.ts';
import {
  approvalExecutions,
  proposalCount,
  settle,
  tokenFor,
  waitForMinistryLinks,
  walkPages,
} from '../support/flows.ts';

const ISSUER = 'urn:jif:local';
const CAP = 500_000_000;

interface ErrorBody {
  message: string;
  errors?: { path: string; message: string }[];
}
interface ListedProposal {
  proposalId: string;
  status: string;
  createdAt: string;
  title: string;
}

let cloud: TestCloud;
beforeAll(async () => {
  // Sign-off stages last about four minutes: no reminder or expiry moves a proposal mid-test.
  cloud = await startTestCloud({ timeScale: 0.001 });
});
afterAll(async () => {
  await cloud?.close();
});

/** An error answer: JSON `{message, errors?: [{path, message}]}`; returns the body. */
async function expectError(response: Response, status: number, paths: string[] = []): Promise<ErrorBody> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json\b/);
  const body = (await response.json()) as ErrorBody;
  expect(body.message).toEqual(expect.any(String));
  expect(body.message.length).toBeGreaterThan(0);
  if (body.errors !== undefined) {
    expect(Array.isArray(body.errors)).toBe(true);
    for (const error of body.errors) {
      expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
    }
  }
  if (paths.length > 0) expect((body.errors ?? []).map((e) => e.path)).toEqual(expect.arrayContaining(paths));
  return body;
}

function post(json: unknown, options: { as?: Role; token?: string; headers?: Record<string, string> } = {}) {
  return cloud.api('POST', '/proposals', { as: 'port-authority', ...options, json });
}

function postRaw(body: string | Uint8Array, headers: Record<string, string>) {
  return fetch(`${cloud.baseUrl}/proposals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cloud.tokens['port-authority']}`, ...headers },
    body,
  });
}

/** Every bearer-token route of infra/system.ts, with its path parameters filled in. */
const jwtRoutes = system.routes
  .filter((route) => route.auth === 'jwt')
  .map((route) => ({ ...route, url: route.path.replace(/\{[^}]+\}/g, randomUUID()) }));

function callRoute(route: (typeof jwtRoutes)[number], options: { as?: Role; token?: string }) {
  return cloud.api(route.method, route.url, {
    ...options,
    ...(route.method === 'POST' ? { json: sampleProposal() } : {}),
  });
}

describe('authentication (401)', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const privateJwk = () =>
    (JSON.parse(readFileSync(join(cloud.dataDir, 'jwt-key.json'), 'utf8')) as { privateJwk: JWK }).privateJwk;
  const claims = { sub: 'local-finance', 'cognito:groups': ['finance', 'admin', 'port-authority'] };

  async function badTokens(): Promise<Record<string, string | undefined>> {
    const realKey = await importJWK(privateJwk(), 'RS256');
    const otherKey = (await generateKeyPair('RS256')).privateKey;
    const sign = (key: CryptoKey | Uint8Array, options: { iss?: string; aud?: string; exp?: string } = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'local' })
        .setIssuer(options.iss ?? ISSUER)
        .setAudience(options.aud ?? LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(options.exp ?? '1h')
        .sign(key);
    const [header, , signature] = cloud.tokens.finance.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, 20)}${signature[20] === 'A' ? 'B' : 'A'}${signature.slice(21)}`;
    return {
      'no Authorization header': undefined,
      'a garbage token': 'not-a-jwt',
      'a payload swapped under a genuine signature': `${header}.${b64({ ...claims, iss: ISSUER, aud: LOCAL_AUDIENCE, exp: 4102444800 })}.${signature}`,
      'an altered signature': [cloud.tokens.finance.split('.').slice(0, 2).join('.'), flipped].join('.'),
      'an unsigned token (alg none)': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iss: ISSUER, aud: LOCAL_AUDIENCE, exp: 4102444800 })}.`,
      'an expired token': await tokenFor(cloud, 'local-finance', ['finance'], '-1h'),
      'a token signed with another key': await sign(otherKey),
      'a token for another audience': await sign(realKey, { aud: 'someone-else' }),
      'a token from another issuer': await sign(realKey, { iss: 'urn:elsewhere' }),
    };
  }

  it('refuses every bearer-token route without a valid token, before anything runs', async () => {
    const before = { proposals: await proposalCount(cloud), executions: approvalExecutions(cloud).length };
    const tokens = await badTokens();
    for (const route of jwtRoutes) {
      for (const [what, token] of Object.entries(tokens)) {
        const response = await cloud.api(route.method, route.url, {
          ...(token === undefined ? {} : { token }),
          ...(route.method === 'POST' ? { json: sampleProposal() } : {}),
        });
        expect(response.status, `${route.method} ${route.path} with ${what}`).toBe(401);
        await expectError(response, 401);
      }
    }
    // The same calls with a "Bearer" scheme but nothing after it, or another scheme.
    for (const authorization of ['Bearer', 'Bearer ', `Basic ${cloud.tokens.finance}`]) {
      const response = await fetch(`${cloud.baseUrl}/fund`, { headers: { authorization } });
      await expectError(response, 401);
    }
    expect(await proposalCount(cloud)).toBe(before.proposals);
    expect(approvalExecutions(cloud)).toHaveLength(before.executions);
  });

  it('accepts a genuine token signed by the local issuer for another subject', async () => {
    const token = await tokenFor(cloud, 'someone-from-finance', ['finance']);
    expect((await cloud.api('GET', '/fund', { token })).status).toBe(200);
  });
});

describe('roles (403)', () => {
  it('answers 403 to every role a route does not allow, and lets the allowed roles through', async () => {
    const before = { proposals: await proposalCount(cloud), executions: approvalExecutions(cloud).length };
    for (const route of jwtRoutes) {
      for (const role of ROLES) {
        const allowed = route.roles?.includes(role) ?? true;
        if (route.method === 'POST' && allowed) continue; // would create a proposal; covered below
        const response = await callRoute(route, { as: role });
        const what = `${role} ${route.method} ${route.path}`;
        if (allowed) {
          expect([200, 404], what).toContain(response.status);
        } else {
          expect(response.status, what).toBe(403);
          await expectError(response, 403);
        }
      }
    }
    expect(await proposalCount(cloud)).toBe(before.proposals);
    expect(approvalExecutions(cloud)).toHaveLength(before.executions);
  });

  it('spells out the cases users meet most', async () => {
    await expectError(await post(sampleProposal(), { as: 'finance' }), 403);
    await expectError(await post(sampleProposal(), { as: 'admin' }), 403);
    await expectError(await cloud.api('GET', '/fund', { as: 'port-authority' }), 403);
    await expectError(await cloud.api('GET', '/disbursements', { as: 'admin' }), 403);
    await expectError(await cloud.api('GET', '/disbursements', { as: 'port-authority' }), 403);
    await expectError(await cloud.api('GET', '/ledger/verify', { as: 'admin' }), 403);
  });

  it('answers 403 to a valid token that carries no known role', async () => {
    const none = await tokenFor(cloud, 'nobody', []);
    const stranger = await tokenFor(cloud, 'stranger', ['auditors']);
    for (const token of [none, stranger]) {
      await expectError(await cloud.api('GET', '/proposals', { token }), 403);
      await expectError(await post(sampleProposal(), { token }), 403);
    }
  });
});

describe('POST /proposals', () => {
  it('answers 201 with the proposal id, its status and a Location that reads it back', async () => {
    const response = await post(sampleProposal());
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json\b/);
    const body = (await response.json()) as { proposalId: string; status: string };
    expect(body).toEqual({ proposalId: expect.any(String), status: 'AWAITING_SIGN_OFF' });
    expect(body.proposalId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(response.headers.get('location')).toBe(`/proposals/${body.proposalId}`);
    const read = await cloud.api('GET', response.headers.get('location') ?? '', { as: 'port-authority' });
    expect(read.status).toBe(200);
    const { funding, ...fields } = sampleProposal();
    expect(await read.json()).toMatchObject({
      proposalId: body.proposalId,
      status: 'AWAITING_SIGN_OFF',
      ...fields,
      funding: funding.map((line) => ({ ...line, amountGbpPence: (line.amountEurCents * 4) / 5 })),
    });
    expect(approvalExecutions(cloud).filter((e) => e.name === body.proposalId)).toHaveLength(1);
  });

  it('starts temporary measures at the road authority (AWAITING_AGREEMENT)', async () => {
    const response = await post(sampleProposal({ category: 'TEMPORARY_SECURITY_MEASURE' }));
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ status: 'AWAITING_AGREEMENT' });
  });

  it('accepts JSON with a charset parameter', async () => {
    const response = await postRaw(JSON.stringify(sampleProposal()), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(response.status).toBe(201);
  });

  it('answers 415 to anything but JSON, and stores nothing', async () => {
    const before = await proposalCount(cloud);
    const body = JSON.stringify(sampleProposal());
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      await expectError(await postRaw(body, { 'content-type': contentType }), 415);
    }
    // No Content-Type at all.
    await expectError(await postRaw(new TextEncoder().encode(body), {}), 415);
    expect(await proposalCount(cloud)).toBe(before);
  });

  it('takes a body of exactly 64 KiB and answers 413 to one byte more', async () => {
    const json = JSON.stringify(sampleProposal());
    const exact = json + ' '.repeat(64 * 1024 - Buffer.byteLength(json));
    expect(Buffer.byteLength(exact)).toBe(65_536);
    const before = await proposalCount(cloud);
    await expectError(await postRaw(`${exact} `, { 'content-type': 'application/json' }), 413);
    const huge = JSON.stringify(sampleProposal({ description: 'x'.repeat(200_000) }));
    await expectError(await postRaw(huge, { 'content-type': 'application/json' }), 413);
    expect(await proposalCount(cloud)).toBe(before);
    expect((await postRaw(exact, { 'content-type': 'application/json' })).status).toBe(201);
  });

  it('answers 400 to a body that is not JSON', async () => {
    for (const body of ['{"title":', '', 'undefined', "{'title': 'x'}"]) {
      const error = await expectError(await postRaw(body, { 'content-type': 'application/json' }), 400);
      expect(error.errors?.length).toBeGreaterThan(0);
    }
  });

  it('answers 400 to JSON that is not an object', async () => {
    for (const json of [null, [], 'a proposal', 42, true]) {
      await expectError(await post(json), 400, ['(body)']);
    }
  });

  it('lists every offending field by its path', async () => {
    const { title: _title, ...untitled } = sampleProposal();
    const response = await post({
      ...untitled,
      category: 'BEACH_SECURITY',
      contactEmail: 'not an email',
      budgetCode: 'X-1',
      funding: [
        { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 1.5 },
        { fundYear: 4, purpose: 'INVESTMENT', amountEurCents: 100 },
        { fundYear: 2, purpose: 'INVESTMENT', amountEurCents: CAP + 1 },
        { fundYear: 3, purpose: 'INVESTMENT', amountEurCents: -100 },
        { fundYear: 1, purpose: 'RUNNING_COST', amountEurCents: 0, note: 'unknown' },
        { fundYear: 2, purpose: 'SALARIES', amountEurCents: '100' },
      ],
    });
    const error = await expectError(response, 400);
    const paths = (error.errors ?? []).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'title',
        'category',
        'contactEmail',
        'budgetCode',
        'funding.0.amountEurCents',
        'funding.1.fundYear',
        'funding.2.amountEurCents',
        'funding.3.amountEurCents',
        'funding.4.amountEurCents',
        'funding.4.note',
        'funding.5.purpose',
        'funding.5.amountEurCents',
      ]),
    );
    // Nothing listed that was fine.
    for (const fine of [
      'description',
      'funding.0.fundYear',
      'funding.2.fundYear',
      'funding.1.amountEurCents',
    ])
      expect(paths).not.toContain(fine);
  });

  it('takes an amount of exactly the cap and refuses a year asking above it in all', async () => {
    const atCap = await post(
      sampleProposal({ funding: [{ fundYear: 3, purpose: 'INVESTMENT', amountEurCents: CAP }] }),
    );
    expect(atCap.status).toBe(201);
    const above = await post(
      sampleProposal({
        funding: [
          { fundYear: 3, purpose: 'INVESTMENT', amountEurCents: CAP },
          { fundYear: 3, purpose: 'RUNNING_COST', amountEurCents: 1 },
        ],
      }),
    );
    await expectError(above, 400, ['funding']);
    const duplicate = await post(
      sampleProposal({
        funding: [
          { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 100 },
          { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 200 },
        ],
      }),
    );
    await expectError(duplicate, 400, ['funding.1']);
  });

  it('refuses every generated malformed proposal with 400 naming the fields, and stores nothing', async () => {
    const knownTop = new Set(['title', 'category', 'description', 'contactEmail', 'funding']);
    const knownLine = new Set(['fundYear', 'purpose', 'amountEurCents']);
    const unknownKey = (known: Set<string>) =>
      fc
        .stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,15}$/)
        .filter((key) => !known.has(key) && key !== '__proto__');

    const validLine = fc.record({
      fundYear: fc.constantFrom(1, 2, 3),
      purpose: fc.constantFrom('INVESTMENT', 'RUNNING_COST'),
      amountEurCents: fc.integer({ min: 1, max: 1_000_000 }),
    });
    const badNumber = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
      fc.string(),
      fc.constant(null),
      fc.boolean(),
    );
    /** [field, value] pairs that make one funding line wrong at `funding.i.field`. */
    const lineCorruption = fc.oneof(
      fc.tuple(fc.constant('amountEurCents'), fc.integer({ max: 0 })),
      fc.tuple(fc.constant('amountEurCents'), fc.integer({ min: CAP + 1, max: Number.MAX_SAFE_INTEGER })),
      fc.tuple(fc.constant('amountEurCents'), badNumber),
      fc.tuple(
        fc.constant('fundYear'),
        fc.oneof(fc.integer({ min: -1000, max: 0 }), fc.integer({ min: 4, max: 1000 }), badNumber),
      ),
      fc.tuple(
        fc.constant('purpose'),
        fc.oneof(
          fc.string().filter((s) => s !== 'INVESTMENT' && s !== 'RUNNING_COST'),
          fc.constant(null),
        ),
      ),
      fc.tuple(unknownKey(knownLine), fc.jsonValue()),
    );
    /** [field, value or undefined to remove it] pairs that make a top-level field wrong. */
    const topCorruption = fc.oneof(
      fc.tuple(fc.constant('title'), fc.constantFrom(undefined, '', '   ', 42, 'x'.repeat(201))),
      fc.tuple(fc.constant('description'), fc.constantFrom(undefined, '', null)),
      fc.tuple(
        fc.constant('category'),
        fc.oneof(
          fc.string().filter((s) => !(CATEGORIES as readonly string[]).includes(s)),
          fc.constant(undefined),
        ),
      ),
      fc.tuple(fc.constant('contactEmail'), fc.constantFrom(undefined, 'nobody', 'a@', '@b.example', 7)),
      fc.tuple(unknownKey(knownTop), fc.jsonValue()),
    );
    const malformed = fc
      .record({
        lines: fc.array(validLine, { minLength: 1, maxLength: 6 }),
        lineCorruptions: fc.uniqueArray(fc.tuple(fc.nat(5), lineCorruption), {
          maxLength: 3,
          selector: ([index]) => index,
        }),
        topCorruptions: fc.uniqueArray(topCorruption, { maxLength: 3, selector: ([field]) => field }),
        withKey: fc.boolean(),
      })
      .filter((c) => c.lineCorruptions.length + c.topCorruptions.length > 0)
      .map(({ lines, lineCorruptions, topCorruptions, withKey }) => {
        const funding: Record<string, unknown>[] = lines.map((line) => ({ ...line }));
        const body: Record<string, unknown> = { ...sampleProposal(), funding };
        const expected: string[] = [];
        for (const [at, [field, value]] of lineCorruptions) {
          const index = at % funding.length;
          if (expected.some((p) => p.startsWith(`funding.${index}.`))) continue;
          (funding[index] as Record<string, unknown>)[field] = value;
          expected.push(`funding.${index}.${field}`);
        }
        for (const [field, value] of topCorruptions) {
          if (value === undefined) delete body[field];
          else body[field] = value;
          expected.push(field);
        }
        return { body, expected, withKey };
      });

    const proposalsBefore = await proposalCount(cloud);
    const executionsBefore = approvalExecutions(cloud).length;
    const keys: string[] = [];
    await fc.assert(
      fc.asyncProperty(malformed, async ({ body, expected, withKey }) => {
        const key = `malformed-${randomUUID()}`;
        if (withKey) keys.push(key);
        const response = await post(body, withKey ? { headers: { 'idempotency-key': key } } : {});
        const error = await expectError(response, 400);
        const paths = (error.errors ?? []).map((e) => e.path);
        for (const path of expected) expect(paths).toContain(path);
        expect(approvalExecutions(cloud)).toHaveLength(executionsBefore);
      }),
      { numRuns: 60 },
    );
    expect(await proposalCount(cloud)).toBe(proposalsBefore);
    expect(approvalExecutions(cloud)).toHaveLength(executionsBefore);
    // Nothing was remembered under the keys either: a valid proposal can use one afterwards.
    const [key] = keys;
    if (key) {
      const response = await post(sampleProposal(), { headers: { 'idempotency-key': key } });
      expect(response.status).toBe(201);
    }
  }, 120_000);
});

describe('Idempotency-Key', () => {
  const withKey = (key: string) => ({ headers: { 'idempotency-key': key } });

  it('answers a retry with the first answer and creates nothing more', async () => {
    const proposalsBefore = await proposalCount(cloud);
    const key = `retry-${randomUUID()}`;
    const first = await post(sampleProposal({ title: 'Retried' }), withKey(key));
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as { proposalId: string };
    for (let retry = 0; retry < 3; retry += 1) {
      const again = await post(sampleProposal({ title: 'Retried' }), withKey(key));
      expect(again.status).toBe(201);
      expect(await again.json()).toEqual(firstBody);
      expect(again.headers.get('location')).toBe(first.headers.get('location'));
    }
    // Same proposal, formatted differently on the wire, is the same request.
    const reformatted = await postRaw(JSON.stringify(sampleProposal({ title: 'Retried' }), null, 2), {
      'content-type': 'application/json',
      'idempotency-key': key,
    });
    expect(reformatted.status).toBe(201);
    expect(await reformatted.json()).toEqual(firstBody);
    expect(await proposalCount(cloud)).toBe(proposalsBefore + 1);
    expect(approvalExecutions(cloud).filter((e) => e.name === firstBody.proposalId)).toHaveLength(1);
  });

  it('answers 422 when a key is reused with a different proposal, and stores nothing', async () => {
    const key = `reuse-${randomUUID()}`;
    expect((await post(sampleProposal({ title: 'First use' }), withKey(key))).status).toBe(201);
    const proposalsBefore = await proposalCount(cloud);
    const executionsBefore = approvalExecutions(cloud).length;
    await expectError(await post(sampleProposal({ title: 'Second use' }), withKey(key)), 422, [
      'Idempotency-Key',
    ]);
    expect(await proposalCount(cloud)).toBe(proposalsBefore);
    expect(approvalExecutions(cloud)).toHaveLength(executionsBefore);
  });

  it('makes different proposals for different keys, and for the same key from another owner', async () => {
    const proposalsBefore = await proposalCount(cloud);
    const body = sampleProposal({ title: 'Same body' });
    const key = `shared-${randomUUID()}`;
    const a = (await (await post(body, withKey(`${key}-a`))).json()) as { proposalId: string };
    const b = (await (await post(body, withKey(`${key}-b`))).json()) as { proposalId: string };
    const other = await tokenFor(cloud, 'port-authority-dunkirk', ['port-authority']);
    const c = (await (await post(body, { token: other, ...withKey(`${key}-a`) })).json()) as {
      proposalId: string;
    };
    expect(new Set([a.proposalId, b.proposalId, c.proposalId]).size).toBe(3);
    expect(await proposalCount(cloud)).toBe(proposalsBefore + 3);
    for (const id of [a.proposalId, b.proposalId, c.proposalId])
      expect(approvalExecutions(cloud).filter((e) => e.name === id)).toHaveLength(1);
  });

  it('creates one proposal when the same request arrives several times at once', async () => {
    const proposalsBefore = await proposalCount(cloud);
    const key = `burst-${randomUUID()}`;
    const body = sampleProposal({ title: 'Double click' });
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(body, withKey(key))));
    // Retries that arrive while the first is in progress wait for it and get its answer.
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    const created = await Promise.all(answers.map(async (a) => (await a.json()) as { proposalId: string }));
    expect(new Set(created.map((c) => c.proposalId)).size).toBe(1);
    // A later retry gets the same answer.
    const retry = await post(body, withKey(key));
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual(created[0]);
    expect(await proposalCount(cloud)).toBe(proposalsBefore + 1);
    expect(approvalExecutions(cloud).filter((e) => e.name === created[0]?.proposalId)).toHaveLength(1);
  });

  it('answers 400 to an empty or overlong key', async () => {
    const before = await proposalCount(cloud);
    await expectError(await post(sampleProposal(), withKey('x'.repeat(256))), 400, ['Idempotency-Key']);
    await expectError(await post(sampleProposal(), withKey('   ')), 400, ['Idempotency-Key']);
    expect(await proposalCount(cloud)).toBe(before);
  });
});

describe('GET /proposals/{id}', () => {
  it('shows a port authority its own proposal, with sign-offs, money and a timeline', async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Mine' }));
    await waitForMinistryLinks(cloud, [proposalId]);
    const response = await cloud.api('GET', `/proposals/${proposalId}`, { as: 'port-authority' });
    expect(response.status).toBe(200);
    const view = (await response.json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      proposalId,
      title: 'Mine',
      status: 'AWAITING_SIGN_OFF',
      commitments: [],
      disbursements: [],
      funding: [
        { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 120_000_000, amountGbpPence: 96_000_000 },
        { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 15_000_000, amountGbpPence: 12_000_000 },
      ],
    });
    const signOffs = view.signOffs as { authority: string; status: string }[];
    expect(signOffs.map((s) => [s.authority, s.status]).sort()).toEqual([
      ['FR', 'PENDING'],
      ['UK', 'PENDING'],
    ]);
    const timeline = view.timeline as { event: string; at: string }[];
    expect(timeline[0]?.event).toBe('SUBMITTED');
    expect(timeline.filter((t) => t.event === 'SIGN_OFF_REQUESTED')).toHaveLength(2);
    expect(timeline.map((t) => t.at)).toEqual(timeline.map((t) => t.at).sort());
    // Nothing internal leaks.
    expect(view).not.toHaveProperty('ownerSub');
    expect(JSON.stringify(view)).not.toMatch(/taskToken|tokens|pk|gsi/);
  });

  it("answers 404 to another port authority's proposal, and finance and admin see every one", async () => {
    const { proposalId } = await cloud.submit(sampleProposal({ title: 'Calais only' }));
    const other = await tokenFor(cloud, 'port-authority-boulogne', ['port-authority']);
    const hidden = await cloud.api('GET', `/proposals/${proposalId}`, { token: other });
    const unknown = await cloud.api('GET', `/proposals/${randomUUID()}`, { token: other });
    await expectError(hidden, 404);
    await expectError(unknown, 404);
    const theirs = (await (await post(sampleProposal({ title: 'Boulogne' }), { token: other })).json()) as {
      proposalId: string;
    };
    expect((await cloud.api('GET', `/proposals/${theirs.proposalId}`, { token: other })).status).toBe(200);
    await expectError(
      await cloud.api('GET', `/proposals/${theirs.proposalId}`, { as: 'port-authority' }),
      404,
    );
    for (const role of ['finance', 'admin'] as const) {
      for (const id of [proposalId, theirs.proposalId]) {
        const response = await cloud.api('GET', `/proposals/${id}`, { as: role });
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ proposalId: id });
      }
    }
  });

  it('answers 404 to an unknown or malformed id', async () => {
    for (const id of [randomUUID(), 'nope', '..%2Ffund', 'PROPOSAL%23x']) {
      for (const role of ['port-authority', 'admin'] as const) {
        await expectError(await cloud.api('GET', `/proposals/${id}`, { as: role }), 404);
      }
    }
  });
});

describe('GET /proposals', () => {
  let lister: string;
  const created: string[] = [];
  let rejected = '';

  beforeAll(async () => {
    lister = await tokenFor(cloud, 'port-authority-lister', ['port-authority']);
    for (let i = 0; i < 7; i += 1) {
      const category = i === 3 ? 'TEMPORARY_SECURITY_MEASURE' : 'PORT_SECURITY_INFRASTRUCTURE';
      const response = await post(sampleProposal({ title: `Listed ${i}`, category }), { token: lister });
      expect(response.status).toBe(201);
      created.push(((await response.json()) as { proposalId: string }).proposalId);
    }
    // One of them is rejected by the UK, so the list holds more than one status.
    rejected = created[1] as string;
    const links = await waitForMinistryLinks(cloud, [rejected]);
    const uk = links.get(rejected)?.uk;
    if (!uk) throw new Error('no UK link');
    expect((await cloud.decide(uk, 'reject', 'Not this year')).status).toBe(200);
    await settle(cloud, rejected, ['REJECTED']);
  }, 180_000);

  it("lists a port authority's own proposals only, newest first", async () => {
    const response = await cloud.api('GET', '/proposals', { token: lister });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: ListedProposal[]; nextCursor: string | null };
    expect(body.items.map((p) => p.proposalId)).toEqual([...created].reverse());
    expect(body.nextCursor).toBeNull();
    for (const item of body.items) {
      expect(item).not.toHaveProperty('ownerSub');
      expect(item).not.toHaveProperty('statusHistory');
    }
    const mine = (await (
      await cloud.api('GET', '/proposals?limit=100', { as: 'port-authority' })
    ).json()) as {
      items: ListedProposal[];
    };
    expect(mine.items.some((p) => created.includes(p.proposalId))).toBe(false);
  });

  it('lists everything newest first for finance and admin', async () => {
    for (const role of ['finance', 'admin'] as const) {
      const { items } = await walkPages<ListedProposal>(cloud, '/proposals?limit=100', { as: role });
      const keys = items.map((p) => `${p.createdAt}#${p.proposalId}`);
      expect(keys).toEqual([...keys].sort().reverse());
      expect(items.map((p) => p.proposalId)).toEqual(expect.arrayContaining(created));
    }
  });

  it('filters by status', async () => {
    const check = async (options: { as?: Role; token?: string }, status: string, expected: string[]) => {
      const { items } = await walkPages<ListedProposal>(cloud, `/proposals?status=${status}`, options);
      for (const item of items) expect(item.status).toBe(status);
      expect(items.map((p) => p.proposalId)).toEqual(expect.arrayContaining(expected));
      return items.map((p) => p.proposalId);
    };
    expect(await check({ token: lister }, 'REJECTED', [rejected])).toEqual([rejected]);
    expect(await check({ token: lister }, 'AWAITING_AGREEMENT', [created[3] as string])).toEqual([
      created[3],
    ]);
    const awaiting = await check({ token: lister }, 'AWAITING_SIGN_OFF', []);
    expect(awaiting).toEqual([...created].reverse().filter((id) => id !== rejected && id !== created[3]));
    await check({ as: 'admin' }, 'REJECTED', [rejected]);
    await check({ as: 'finance' }, 'AWAITING_AGREEMENT', [created[3] as string]);
    expect(await check({ token: lister }, 'FUNDED', [])).toEqual([]);
  });

  it('walks every page with limit and cursor, without duplicates or gaps', async () => {
    const cases: [string, { as?: Role; token?: string }][] = [
      ['/proposals', { token: lister }],
      ['/proposals?status=AWAITING_SIGN_OFF', { token: lister }],
      ['/proposals', { as: 'admin' }],
      ['/proposals?status=AWAITING_SIGN_OFF', { as: 'finance' }],
    ];
    for (const [path, who] of cases) {
      const whole = await walkPages<ListedProposal>(
        cloud,
        `${path}${path.includes('?') ? '&' : '?'}limit=100`,
        who,
      );
      for (const limit of [1, 2, 3]) {
        const paged = await walkPages<ListedProposal>(
          cloud,
          `${path}${path.includes('?') ? '&' : '?'}limit=${limit}`,
          who,
        );
        for (const page of paged.pages) expect(page.length).toBeLessThanOrEqual(limit);
        expect(paged.items.map((p) => p.proposalId)).toEqual(whole.items.map((p) => p.proposalId));
      }
    }
    const own = await walkPages<ListedProposal>(cloud, '/proposals?limit=2', { token: lister });
    expect(own.pages.slice(0, 4).map((p) => p.length)).toEqual([2, 2, 2, 1]);
  });

  it('answers 400 to an unknown status, a bad limit or a cursor it did not hand out for this query', async () => {
    await expectError(await cloud.api('GET', '/proposals?status=DONE', { as: 'admin' }), 400, ['status']);
    await expectError(await cloud.api('GET', '/proposals?status=funded', { as: 'admin' }), 400, ['status']);
    for (const limit of ['0', '101', 'abc', '2.5', '-1', '']) {
      await expectError(await cloud.api('GET', `/proposals?limit=${limit}`, { as: 'admin' }), 400, ['limit']);
    }
    await expectError(await cloud.api('GET', '/proposals?status=DONE&limit=0', { as: 'admin' }), 400, [
      'status',
      'limit',
    ]);
    const garbage = [
      'garbage',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('[]').toString('base64url'),
    ];
    for (const cursor of garbage) {
      await expectError(await cloud.api('GET', `/proposals?cursor=${cursor}`, { as: 'admin' }), 400, [
        'cursor',
      ]);
    }
    // A cursor is only good for the query that handed it out.
    const adminPage = (await (await cloud.api('GET', '/proposals?limit=1', { as: 'admin' })).json()) as {
      nextCursor: string;
    };
    const listerPage = (await (await cloud.api('GET', '/proposals?limit=1', { token: lister })).json()) as {
      nextCursor: string;
    };
    const reuse: [string, { as?: Role; token?: string }][] = [
      [`/proposals?status=AWAITING_SIGN_OFF&cursor=${adminPage.nextCursor}`, { as: 'admin' }],
      [`/proposals?cursor=${adminPage.nextCursor}`, { token: lister }],
      [`/proposals?cursor=${listerPage.nextCursor}`, { as: 'port-authority' }],
    ];
    for (const [path, who] of reuse) await expectError(await cloud.api('GET', path, who), 400, ['cursor']);
    // A forged cursor into another owner's list is refused too.
    const decoded = JSON.parse(Buffer.from(listerPage.nextCursor, 'base64url').toString()) as Record<
      string,
      string
    >;
    const forged = Buffer.from(JSON.stringify({ ...decoded, gsi1pk: 'OWNER#local-port-authority' })).toString(
      'base64url',
    );
    await expectError(await cloud.api('GET', `/proposals?cursor=${forged}`, { token: lister }), 400, [
      'cursor',
    ]);
  });
});
