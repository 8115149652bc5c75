/**
 * The local Lambda sandbox: each function runs in its own execution environments (worker threads)
 * with its own environment variables, module instances, memory limit and timeout.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalFunctions } from '../../infra/local/functions.ts';
import type { FunctionSpec } from '../../infra/system.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const probe = (overrides: Partial<FunctionSpec> = {}): FunctionSpec => ({
  entry: 'test/fixtures/functions/probe.ts',
  description: 'sandbox probe',
  tables: {},
  ...overrides,
});

describe('local Lambda sandbox', () => {
  const functions = new LocalFunctions({
    root: ROOT,
    functions: {
      probeA: probe(),
      probeB: probe(),
      shortLived: probe({ timeoutSeconds: 1 }),
      small: probe({ memoryMb: 64 }),
    },
    environmentOf: (name) => ({ ONLY_FOR: name }),
    maxEnvironments: 2,
  });
  afterAll(() => functions.stop());

  type Description = {
    invocations: number;
    loadedAt: number;
    env: Record<string, string>;
    functionName: string;
    memoryLimitInMB: string;
    remainingMs: number;
  };
  const describeProbe = async (name: string) =>
    (await functions.invoke(name, { do: 'describe' })) as Description;

  it('gives each function its own environment variables, not the host process.env', async () => {
    process.env.HOST_ONLY = 'host';
    const a = await describeProbe('probeA');
    const b = await describeProbe('probeB');
    expect(a.env.ONLY_FOR).toBe('probeA');
    expect(b.env.ONLY_FOR).toBe('probeB');
    expect(a.env.HOST_ONLY).toBeUndefined();
    expect(a.functionName).toBe('jif-probeA');
    expect(a.memoryLimitInMB).toBe('512');
    // The default timeout of infra/system.ts (10 s), counted down in the context.
    expect(a.remainingMs).toBeGreaterThan(5_000);
    expect(a.remainingMs).toBeLessThanOrEqual(10_000);

    // A change one function makes to its environment stays in its own environments.
    await functions.invoke('probeA', { do: 'setEnv', value: 'changed' });
    expect((await describeProbe('probeA')).env.PROBE_VALUE).toBe('changed');
    expect((await describeProbe('probeB')).env.PROBE_VALUE).toBeUndefined();
  });

  it('keeps a warm environment (module state survives) and starts more for concurrent calls, up to the bound', async () => {
    const first = await describeProbe('probeB');
    const second = await describeProbe('probeB');
    expect(second.loadedAt).toBe(first.loadedAt);
    expect(second.invocations).toBe(first.invocations + 1);

    const before = functions.coldStarts().probeB ?? 0;
    const tallyBefore = functions.invocationTally().probeB;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => functions.invoke('probeB', { do: 'sleep', ms: 300 })),
    );
    expect(results).toEqual(Array.from({ length: 5 }, () => ({ slept: 300 })));
    // One environment was warm; the bound is two; the other invocations waited for one.
    expect((functions.coldStarts().probeB ?? 0) - before).toBe(1);
    // The tally says so: five ran 300 ms each; three waited, each at least one 300 ms run.
    const tally = functions.invocationTally().probeB;
    expect((tally?.invocations ?? 0) - (tallyBefore?.invocations ?? 0)).toBe(5);
    expect((tally?.durationMs ?? 0) - (tallyBefore?.durationMs ?? 0)).toBeGreaterThanOrEqual(5 * 295);
    expect((tally?.waitMs ?? 0) - (tallyBefore?.waitMs ?? 0)).toBeGreaterThanOrEqual(3 * 295);
  });

  it('keeps the handler error name (what Step Functions matches in Retry and Catch)', async () => {
    await expect(
      functions.invoke('probeA', { do: 'throw', name: 'Funds.EnvelopeFull', message: 'no room' }),
    ).rejects.toMatchObject({ name: 'Funds.EnvelopeFull', message: 'no room' });
  });

  it('kills an invocation past the timeout with Sandbox.Timedout, then starts a fresh environment', async () => {
    const before = await describeProbe('shortLived');
    await expect(functions.invoke('shortLived', { do: 'sleep', ms: 5_000 })).rejects.toMatchObject({
      name: 'Sandbox.Timedout',
      message: expect.stringMatching(/Task timed out after 1\.00 seconds$/),
    });
    const after = await describeProbe('shortLived');
    expect(after.loadedAt).not.toBe(before.loadedAt);
    expect(after.invocations).toBe(1);
  });

  it('enforces the memory size as a heap limit (Runtime.OutOfMemory) and recovers', async () => {
    await expect(functions.invoke('small', { do: 'hoard' })).rejects.toMatchObject({
      name: 'Runtime.OutOfMemory',
    });
    expect((await describeProbe('small')).memoryLimitInMB).toBe('64');
  });

  it('reports an environment that exits as Runtime.ExitError', async () => {
    await expect(functions.invoke('probeA', { do: 'exit' })).rejects.toMatchObject({
      name: 'Runtime.ExitError',
      message: expect.stringContaining('exit status 3'),
    });
    expect((await describeProbe('probeA')).invocations).toBe(1);
  });

  it('retires an environment left idle (as Lambda reclaims one), and the next invocation cold-starts', async () => {
    const idle = new LocalFunctions({
      root: ROOT,
      functions: { probe: probe() },
      environmentOf: () => ({}),
      idleMs: 500,
    });
    try {
      const first = (await idle.invoke('probe', { do: 'describe' })) as Description;
      // Busy longer than the idle time: an environment is not retired while it runs.
      await idle.invoke('probe', { do: 'sleep', ms: 800 });
      expect(((await idle.invoke('probe', { do: 'describe' })) as Description).loadedAt).toBe(first.loadedAt);
      expect(idle.environments()).toEqual({ probe: 1 });
      await expect.poll(() => idle.environments(), { timeout: 10_000 }).toEqual({ probe: 0 });
      const next = (await idle.invoke('probe', { do: 'describe' })) as Description;
      expect(next.loadedAt).not.toBe(first.loadedAt);
      expect(next.invocations).toBe(1);
      expect(idle.coldStarts()).toEqual({ probe: 2 });
    } finally {
      await idle.stop();
    }
  });

  it('refuses an unknown function as Lambda does', async () => {
    await expect(functions.invoke('nope', {})).rejects.toMatchObject({
      name: 'Lambda.ResourceNotFoundException',
    });
  });
});
