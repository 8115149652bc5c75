import { describe, expect, it } from 'vitest';
import {
  AUTHORITIES,
  type AuthorityDirectory,
  approvalsMissing,
  approvalsRequired,
  hasExpired,
  isDecision,
  languageOf,
  recipientFor,
  SIGN_OFF_ERRORS,
  SIGN_OFF_STAGES,
  statusForDecision,
} from '../../functions/sign-off/domain/sign-off.ts';

const directory: AuthorityDirectory = {
  UK: { primary: 'approver@homeoffice.example', deputy: 'deputy@homeoffice.example' },
  FR: { primary: 'approbateur@interieur.example', deputy: 'suppleant@interieur.example' },
  ROAD: { primary: 'routes@dir-nord.example', deputy: 'routes-astreinte@dir-nord.example' },
};

describe('languageOf', () => {
  it('writes to the UK in English, to the French ministry and the road authority in French', () => {
    expect(languageOf('UK')).toBe('en');
    expect(languageOf('FR')).toBe('fr');
    expect(languageOf('ROAD')).toBe('fr');
  });
});

describe('recipientFor', () => {
  it('stages run request, two reminders, then the deputy', () => {
    expect(SIGN_OFF_STAGES).toEqual(['REQUEST', 'REMINDER_1', 'REMINDER_2', 'DEPUTY']);
  });

  it.each(AUTHORITIES.flatMap((authority) => SIGN_OFF_STAGES.map((stage) => [authority, stage] as const)))(
    '%s at %s',
    (authority, stage) => {
      const expected = stage === 'DEPUTY' ? directory[authority].deputy : directory[authority].primary;
      expect(recipientFor(directory, authority, stage)).toBe(expected);
    },
  );
});

describe('decisions', () => {
  it('map to request statuses', () => {
    expect(statusForDecision('approve')).toBe('APPROVED');
    expect(statusForDecision('reject')).toBe('REJECTED');
  });

  it.each([
    ['approve', true],
    ['reject', true],
    ['Approve', false],
    ['yes', false],
    ['', false],
    [null, false],
  ])('isDecision(%j) is %s', (value, expected) => {
    expect(isDecision(value)).toBe(expected);
  });

  it('name the workflow errors the Catch clauses match', () => {
    expect(SIGN_OFF_ERRORS).toEqual({
      rejected: 'SignOff.Rejected',
      withdrawn: 'SignOff.Withdrawn',
      expired: 'SignOff.Expired',
    });
  });
});

describe('money follows recorded decisions', () => {
  it('needs UK and FR, and the road authority first for temporary measures', () => {
    expect(approvalsRequired(false)).toEqual(['UK', 'FR']);
    expect(approvalsRequired(true)).toEqual(['ROAD', 'UK', 'FR']);
  });

  it('names every required authority whose recorded decision is not an approval', () => {
    const required = approvalsRequired(true);
    expect(
      approvalsMissing(required, [
        { authority: 'ROAD', status: 'APPROVED' },
        { authority: 'UK', status: 'APPROVED' },
        { authority: 'FR', status: 'APPROVED' },
      ]),
    ).toEqual([]);
    expect(
      approvalsMissing(required, [
        { authority: 'UK', status: 'APPROVED' },
        { authority: 'FR', status: 'PENDING' },
      ]),
    ).toEqual(['ROAD', 'FR']);
    expect(approvalsMissing(['UK', 'FR'], [{ authority: 'UK', status: 'REJECTED' }])).toEqual(['UK', 'FR']);
  });
});

describe('hasExpired', () => {
  const now = new Date('2026-03-10T12:00:00.000Z');
  it('is true for a request marked EXPIRED, and for one still PENDING once its time is up', () => {
    expect(hasExpired({ status: 'EXPIRED', expiresAt: '2026-04-01T00:00:00.000Z' }, now)).toBe(true);
    expect(hasExpired({ status: 'PENDING', expiresAt: '2026-03-10T12:00:00.000Z' }, now)).toBe(true);
    expect(hasExpired({ status: 'PENDING', expiresAt: '2026-03-10T11:59:59.999Z' }, now)).toBe(true);
  });
  it('is false for a PENDING request with time left, and for one decided or withdrawn past its time', () => {
    expect(hasExpired({ status: 'PENDING', expiresAt: '2026-03-10T12:00:00.001Z' }, now)).toBe(false);
    for (const status of ['APPROVED', 'REJECTED', 'WITHDRAWN'] as const)
      expect(hasExpired({ status, expiresAt: '2026-03-01T00:00:00.000Z' }, now)).toBe(false);
  });
});
