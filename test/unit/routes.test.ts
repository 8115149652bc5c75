/** The routes a function is handed by the builders (ROUTES), and the roles its edge checks against them. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { routesEnvironment } from '../../infra/routes.ts';
import { system } from '../../infra/system.ts';

const saved = process.env.ROUTES;
afterEach(() => {
  if (saved === undefined) delete process.env.ROUTES;
  else process.env.ROUTES = saved;
});

/** The HTTP edge, loaded afresh with `ROUTES` as given (it reads them once). */
async function edgeWith(routes: string | undefined) {
  vi.resetModules();
  if (routes === undefined) delete process.env.ROUTES;
  else process.env.ROUTES = routes;
  return import('../../functions/platform/http.ts');
}

describe('routes handed over', () => {
  it('a bearer route needs the roles infra/routes.ts gives it', async () => {
    const { rolesForRoute } = await edgeWith(routesEnvironment(system.routes));
    expect(rolesForRoute('POST /proposals')).toEqual(['port-authority']);
    expect(rolesForRoute('GET /fund')).toEqual(['finance', 'admin']);
  });

  it('leaves the pages out: their handler checks the session itself', () => {
    const handed = JSON.parse(routesEnvironment(system.routes)) as { path: string }[];
    expect(handed.some((route) => route.path === '/app' || route.path.startsWith('/app/'))).toBe(false);
    expect(handed.length).toBe(system.routes.filter((route) => route.auth !== 'session').length);
  });

  it('a route the function was not handed, or handed as public, needs a role no caller has', async () => {
    const own = system.routes.filter(
      (route) => route.function === 'submitProposal' || route.auth === 'public',
    );
    const { rolesForRoute } = await edgeWith(routesEnvironment(own));
    expect(rolesForRoute('POST /proposals')).toEqual(['port-authority']);
    expect(rolesForRoute('GET /fund')).toEqual([]);
    expect(rolesForRoute('GET /approvals/{approvalId}')).toEqual([]);
  });

  it('without ROUTES no role passes, and a malformed ROUTES is a configuration error', async () => {
    expect((await edgeWith(undefined)).rolesForRoute('POST /proposals')).toEqual([]);
    const broken = await edgeWith('[{"method":"GET"}]');
    expect(() => broken.rolesForRoute('GET /fund')).toThrow(/Invalid configuration: ROUTES/);
  });
});
