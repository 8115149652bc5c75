/** Who may call the API: the `cognito:groups` a bearer token carries. */
export const ROLES = ['port-authority', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * API Gateway's JWT authorizer hands array claims over as a string such as `[a b]`;
 * a Lambda invoked directly, or our local gateway, may give a real array. Accept both.
 */
export function rolesFromGroupsClaim(claim: unknown): Role[] {
  let groups: string[] = [];
  if (Array.isArray(claim)) groups = claim.map(String);
  else if (typeof claim === 'string') {
    const trimmed = claim.trim();
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        groups = Array.isArray(parsed) ? parsed.map(String) : [];
      } catch {
        groups = trimmed.slice(1, -1).split(/[\s,]+/);
      }
    } else groups = trimmed.split(/[\s,]+/);
  }
  return groups.filter(isRole);
}
