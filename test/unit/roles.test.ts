import { describe, expect, it } from 'vitest';
import { isRole, rolesFromGroupsClaim } from '../../functions/platform/roles.ts';

describe('rolesFromGroupsClaim', () => {
  it('reads a real array (direct invoke, local gateway)', () => {
    expect(rolesFromGroupsClaim(['finance', 'admin'])).toEqual(['finance', 'admin']);
  });

  it.each([
    ['[finance]', ['finance']],
    ['[port-authority finance]', ['port-authority', 'finance']],
    ['[ admin ]', ['admin']],
    ['[]', []],
  ])("reads API Gateway's flattened %j", (claim, roles) => {
    expect(rolesFromGroupsClaim(claim)).toEqual(roles);
  });

  it.each([
    ['["admin","finance"]', ['admin', 'finance']],
    ['["port-authority"]', ['port-authority']],
    [' ["finance"] ', ['finance']],
  ])('reads JSON text %j', (claim, roles) => {
    expect(rolesFromGroupsClaim(claim)).toEqual(roles);
  });

  it('reads a bare string, space or comma separated', () => {
    expect(rolesFromGroupsClaim('finance')).toEqual(['finance']);
    expect(rolesFromGroupsClaim('finance,admin')).toEqual(['finance', 'admin']);
    expect(rolesFromGroupsClaim('finance admin')).toEqual(['finance', 'admin']);
  });

  it('ignores groups that are not roles, whatever the shape', () => {
    expect(rolesFromGroupsClaim(['superuser', 'finance', 'Finance', 42])).toEqual(['finance']);
    expect(rolesFromGroupsClaim('[superuser admin]')).toEqual(['admin']);
    expect(rolesFromGroupsClaim('["superuser",{"a":1},"port-authority"]')).toEqual(['port-authority']);
    expect(rolesFromGroupsClaim('{"finance":true}')).toEqual([]);
  });

  it.each([undefined, null, 42, true, {}, ''])('gives no role for %j', (claim) => {
    expect(rolesFromGroupsClaim(claim)).toEqual([]);
  });

  it('isRole is exact', () => {
    expect(isRole('port-authority')).toBe(true);
    expect(isRole('port_authority')).toBe(false);
    expect(isRole('ADMIN')).toBe(false);
  });
});
