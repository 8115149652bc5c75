import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { validateDefinition, validateDefinitions } from '../../infra/local/engine/library.ts';

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

describe('validating several definitions at once', () => {
  const pass = (comment: string) => ({
    Comment: comment,
    StartAt: 'Done',
    States: { Done: { Type: 'Pass', End: true } },
  });

  it('accepts flows whose state names repeat from one flow to another, and leaves them unchanged', () => {
    const flows = [pass(fresh()), pass(fresh()), pass(fresh())];
    const before = JSON.stringify(flows);
    expect(() => validateDefinitions(flows)).not.toThrow();
    expect(JSON.stringify(flows)).toBe(before);
  });

  it('refuses a set with one invalid flow, with the error about that flow as written', () => {
    const broken = { Comment: fresh(), StartAt: 'Done', States: { Done: { Type: 'Pass', Next: 'Missing' } } };
    const attempt = () => validateDefinitions([pass(fresh()), broken, pass(fresh())]);
    expect(attempt).toThrow(/Missing/);
    // Its message names the flow's own states, not the prefixed names of the joint check.
    expect(attempt).not.toThrow(/f\d+\./);
  });

  it('still finds a fault inside one flow that only the whole flow shows (a state name used twice)', () => {
    const branch = { StartAt: 'Same', States: { Same: { Type: 'Pass', End: true } } };
    const twice = {
      Comment: fresh(),
      StartAt: 'Both',
      States: { Both: { Type: 'Parallel', Branches: [branch, branch], End: true } },
    };
    expect(() => validateDefinition(JSON.parse(JSON.stringify(twice)))).toThrow(/invalid/i);
    expect(() => validateDefinitions([pass(fresh()), twice])).toThrow(/invalid/i);
  });
});
