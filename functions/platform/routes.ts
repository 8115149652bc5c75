/**
 * What a handler knows of the routes it serves, handed over by the builders in `ROUTES` (from
 * infra/routes.ts): the runtime never imports the infrastructure's description. An API function is
 * handed its own routes (roles checked at the edge); the API's documentation, every API route.
 */
import * as v from 'valibot';
import { ROLES } from './roles.ts';

const routeSchema = v.object({
  method: v.string(),
  path: v.string(),
  function: v.string(),
  /** `jwt`: bearer token, one of `roles` needed; `public`: anyone with the link. */
  auth: v.picklist(['jwt', 'public']),
  roles: v.optional(v.array(v.picklist(ROLES))),
});
export type Route = v.InferOutput<typeof routeSchema>;

export const routeKey = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;

const schema = v.optional(v.pipe(v.string(), v.parseJson(), v.array(routeSchema)), '[]');
let cached: Route[] | undefined;

/** The routes handed over (none for a workflow task); a malformed `ROUTES` is a deployment error. */
export function handedRoutes(): Route[] {
  if (!cached) {
    const result = v.safeParse(schema, process.env.ROUTES);
    if (!result.success) throw new Error(`Invalid configuration: ROUTES: ${result.issues[0].message}`);
    cached = result.output;
  }
  return cached;
}
