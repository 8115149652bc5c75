/**
 * The workflow definitions as data: valid Amazon States Language (asl-validator, once the
 * placeholders are substituted as the builders do), loadable by the local engine, every task under
 * the one transient-error policy, and no catch-all that could turn a failure into success.
 */
import validator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { loadWorkflow, substitute } from '../../infra/local/engine/definition.ts';
import { type WorkflowName, workflowNames, workflowSpec } from '../../infra/system.ts';
import { type Json, retryTransient } from '../../workflows/kit.ts';

/** An ARN of the kind each substitution names, as a builder would give. */
function substitutionsFor(name: WorkflowName): Record<string, string> {
  return Object.fromEntries(
    Object.keys(workflowSpec(name).substitutions).map((key) => [
      key,
      key.endsWith('StateMachineArn')
        ? `arn:aws:states:eu-west-3:123456789012:stateMachine:jif-${key}`
        : `arn:aws:lambda:eu-west-3:123456789012:function:jif-${key}`,
    ]),
  );
}

/** The definition's text with each placeholder substituted. */
function substituted(name: WorkflowName): string {
  return substitute(JSON.stringify(workflowSpec(name).definition), substitutionsFor(name), name);
}

interface Found {
  path: string;
  state: { [key: string]: Json };
}

/** Every state, at any depth (Parallel branches, Map item processors), with its path. */
function statesOf(states: Json | undefined, prefix: string): Found[] {
  if (!states || typeof states !== 'object' || Array.isArray(states)) return [];
  const found: Found[] = [];
  for (const [name, state] of Object.entries(states)) {
    if (!state || typeof state !== 'object' || Array.isArray(state)) continue;
    const path = `${prefix}/${name}`;
    found.push({ path, state });
    const branches = Array.isArray(state.Branches) ? state.Branches : [];
    branches.forEach((branch, index) => {
      if (branch && typeof branch === 'object' && !Array.isArray(branch))
        found.push(...statesOf(branch.States, `${path}[${index}]`));
    });
    const processor = state.ItemProcessor;
    if (processor && typeof processor === 'object' && !Array.isArray(processor))
      found.push(...statesOf(processor.States, path));
  }
  return found;
}

const allStates = (name: WorkflowName) =>
  statesOf(JSON.parse(JSON.stringify(workflowSpec(name).definition)).States, name);

describe('the workflow definitions', () => {
  it.each(workflowNames)('%s is valid ASL once substituted', (name) => {
    const { isValid, errors } = validator(JSON.parse(substituted(name)));
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('the validator does catch a transition to a state that does not exist', () => {
    const broken = JSON.parse(substituted('approval'));
    broken.States.RecordRejected.Next = 'NoSuchState';
    expect(validator(broken).isValid).toBe(false);
  });

  it.each(workflowNames)('%s loads in the local engine with the JSONPath it is written in', (name) => {
    const loaded = loadWorkflow(name, workflowSpec(name).definition, substitutionsFor(name), 1);
    expect(loaded.topLevelStates).toEqual(Object.keys(workflowSpec(name).definition.States));
  });

  it.each(workflowNames)('%s: every task retries transient errors with the one policy, first', (name) => {
    const tasks = allStates(name).filter(({ state }) => state.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const { path, state } of tasks) {
      expect(Array.isArray(state.Retry) ? state.Retry[0] : undefined, path).toEqual(retryTransient);
    }
  });

  it('catches States.ALL in one place only: the daily release, whose run then fails', () => {
    const catchAll = workflowNames.flatMap((name) =>
      allStates(name)
        .filter(({ state }) => JSON.stringify(state.Catch ?? []).includes('"States.ALL"'))
        .map(({ path }) => path),
    );
    // Each failed payment is recorded there and the run ends in PaymentsFailed (test/workflows/faults).
    expect(catchAll).toEqual(['releaseDueFunds/DisburseEach/DisburseDue']);
  });
});
