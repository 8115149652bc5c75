import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { OPERATIONS, openApiDocument } from '../../functions/pages/openapi.ts';
import type { Route } from '../../functions/platform/routes.ts';
import { evaluationStartSchema, proposalInputSchema } from '../../functions/proposals/domain/proposal.ts';
import { routesEnvironment } from '../../infra/routes.ts';
import { system } from '../../infra/system.ts';

// What the builders hand the docs function: every route of the description.
const handed = JSON.parse(routesEnvironment(system.routes)) as Route[];
const document = openApiDocument(handed);
const paths = document.paths as Record<
  string,
  Record<string, { security: unknown[]; requestBody?: unknown }>
>;

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1', () => {
    expect(document.openapi).toBe('3.1.0');
  });

  it('has exactly the API routes of infra/system.ts (not the signed-in pages)', () => {
    const documented = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const described = system.routes.filter((r) => r.auth !== 'session').map((r) => `${r.method} ${r.path}`);
    expect(documented.sort()).toEqual(described.sort());
    expect(handed.length).toBe(described.length);
    // No description of a route that no longer exists.
    expect(Object.keys(OPERATIONS).sort()).toEqual(described.sort());
  });

  it('marks bearer routes as secured and link routes as open', () => {
    for (const route of system.routes.filter((r) => r.auth !== 'session')) {
      const op = paths[route.path]?.[route.method.toLowerCase()];
      expect(op?.security.length, `${route.method} ${route.path}`).toBe(route.auth === 'jwt' ? 1 : 0);
    }
  });

  it('takes the request bodies from the zod schemas the handlers validate with', () => {
    const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
    const { $schema: _a, ...proposal } = z.toJSONSchema(proposalInputSchema, {
      io: 'input',
      unrepresentable: 'any',
    });
    const { $schema: _b, ...evaluation } = z.toJSONSchema(evaluationStartSchema, { io: 'input' });
    expect(schemas.ProposalInput).toEqual(proposal);
    expect(schemas.EvaluationStart).toEqual(evaluation);
    expect(JSON.stringify(paths['/proposals']?.post?.requestBody)).toContain(
      '#/components/schemas/ProposalInput',
    );
    expect(JSON.stringify(schemas.ProposalInput)).toContain('TEMPORARY_SECURITY_MEASURE');
  });
});
