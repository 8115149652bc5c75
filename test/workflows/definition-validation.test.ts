import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../infra/local/engine/library.ts';

// A comment unique to this run, so the definitions below are new to the validation cache.
const fresh = () => `validation test ${randomUUID()}`;

describe('definition validation at load', () => {
  it('refuses an invalid definition, every time (a failure is never remembered)', () => {
    const invalid = {
      Comment: fresh(),
      StartAt: 'A',
      States: { A: { Type: 'Pass', Next: 'Missing' } },
    };
    expect(() => validateDefinition(invalid)).toThrow(/invalid/i);
    expect(() => validateDefinition(invalid)).toThrow(/invalid/i);
  });

  it('accepts a valid definition, and again from the cache, without changing it', () => {
    const valid = { Comment: fresh(), StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };
    const before = JSON.stringify(valid);
    validateDefinition(valid);
    validateDefinition(valid);
    expect(JSON.stringify(valid)).toBe(before);
  });

  it('validates an edited definition again: the cache is keyed by the text', () => {
    const comment = fresh();
    validateDefinition({ Comment: comment, StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
    expect(() =>
      validateDefinition({ Comment: comment, StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' } } }),
    ).toThrow(/invalid/i);
  });
});
