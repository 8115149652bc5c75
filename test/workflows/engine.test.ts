/**
 * The local engine behaves as AWS Step Functions does on the points our flows rely on.
 * Fixture workflows live in test/fixtures/workflows; the real flows are tested in their own files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { stepFunctionsApi } from '../../infra/local/engine/api.ts';
import {
  loadWorkflowFile,
  prepareWorkflow,
  UnsupportedDefinitionError,
} from '../../infra/local/engine/definition.ts';
import { LocalStepFunctions } from '../../infra/local/engine/engine.ts';
import { ExecutionStore } from '../../infra/local/engine/store.ts';
import { createKeyTable, startDynalite, type TestDynamo } from '../support/dynalite.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/workflows');
const ARN = (name: string) => `arn:aws:states:eu-west-3:000000000000:stateMachine:${name}`;
const FN = (name: string) => `arn:aws:lambda:eu-west-3:000000000000:function:${name}`;
const TIME_SCALE = 0.001;

let dynamo: TestDynamo;
const asked: { question?: string; token: string }[] = [];
let doubleCalls = 0;
let failDoubleTimes = 0;

let failCalls = 0;
let fragileBroken = false;
const doubledInputs: number[] = [];
const checkedInputs: number[] = [];
/** Items whose check fails (Check.Failed), once `beforeFailing` has resolved. */
const failingChecks = new Set<number>();
let beforeFailing: () => Promise<unknown> = async () => {};
const functions: Record<string, (payload: Record<string, unknown>) => Promise<unknown>> = {
  // Fails as the local function runner does: `throw` names the error, for the first `times` calls.
  fail: async (payload) => {
    failCalls += 1;
    if (typeof payload.sleepMs === 'number')
      await new Promise((r) => setTimeout(r, payload.sleepMs as number));
    if (typeof payload.throw === 'string' && failCalls <= ((payload.times as number | undefined) ?? 1e9)) {
      const error = new Error(`${payload.throw} on call ${failCalls}`);
      error.name = payload.throw;
      throw error;
    }
    return { ok: true };
  },
  ask: async (payload) => {
    asked.push({ question: payload.question as string, token: payload.token as string });
    return { sent: true };
  },
  fragile: async (payload) => {
    if (fragileBroken) {
      const error = new Error('the service is down');
      error.name = 'Service.Down';
      throw error;
    }
    return { fragile: 'ok', ...payload };
  },
  double: async (payload) => {
    doubleCalls += 1;
    doubledInputs.push(payload.n as number);
    if (failDoubleTimes > 0) {
      failDoubleTimes -= 1;
      const error = new Error('try again');
      error.name = 'Flaky.Error';
      throw error;
    }
    return { doubled: (payload.n as number) * 2 };
  },
  check: async (payload) => {
    const n = payload.n as number;
    checkedInputs.push(n);
    if (failingChecks.has(n)) {
      await beforeFailing();
      const error = new Error(`item ${n} is wrong`);
      error.name = 'Check.Failed';
      throw error;
    }
    return { n, doubled: (payload.double as { doubled: number }).doubled, checked: true };
  },
};

function buildEngine(store = new ExecutionStore()) {
  const substitutions = {
    TableName: 'claims',
    AskFunctionArn: FN('ask'),
    DoubleFunctionArn: FN('double'),
    ChildArn: ARN('child'),
    WaitingChildArn: ARN('map-callbacks'),
    FailFunctionArn: FN('fail'),
    FragileFunctionArn: FN('fragile'),
    CheckFunctionArn: FN('check'),
  };
  const names = [
    'conditional-put',
    'callback',
    'heartbeat',
    'parent',
    'child',
    'map-callbacks',
    'map-stop',
    'parallel-stop',
    'lambda-errors',
    'redrive',
    'map-redrive',
    'parallel-redrive',
    'restart-timers',
    'execution-timeout',
    'map-steps',
    'map-wait',
  ];
  const clients = { dynamodb: dynamo.client, sesv2: new SESv2Client({ region: 'eu-west-3' }) };
  return new LocalStepFunctions({
    workflows: names.map((name) => ({
      arn: ARN(name),
      loaded: loadWorkflowFile(name, join(FIXTURES, `${name}.asl.json`), substitutions, TIME_SCALE),
    })),
    invokeFunction: (name, payload) => {
      const fn = functions[name];
      if (!fn) throw new Error(`no function ${name}`);
      return fn(payload as Record<string, unknown>);
    },
    clientsFor: () => clients,
    store,
    timeScale: TIME_SCALE,
  });
}

/** A directory for an engine's execution store (what survives a restart), removed after the test. */
function temporaryStore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jif-engine-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function run(engine: LocalStepFunctions, workflow: string, input: unknown, name?: string) {
  const { executionArn } = engine.startExecution({
    stateMachineArn: ARN(workflow),
    input: JSON.stringify(input),
    name,
  });
  return engine.waitForExecution(executionArn);
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The engine down for a while (300 ms) and started again on the same store: a restart that sees
 * some time pass on the deadlines it keeps.
 */
async function restartAfterDowntime(engine: LocalStepFunctions, dir: string): Promise<LocalStepFunctions> {
  const sleep = () => new Promise((resolve) => setTimeout(resolve, 300));
  await sleep();
  engine.detachAll();
  await sleep();
  return buildEngine(new ExecutionStore(dir));
}

/** When the first (or last) event of a type happened (epoch ms; NaN when there is none). */
function eventTime(
  history: { type: string; timestamp: string }[],
  type: string,
  which: 'first' | 'last' = 'first',
): number {
  const event =
    which === 'first' ? history.find((e) => e.type === type) : history.findLast((e) => e.type === type);
  return Date.parse(event?.timestamp ?? '');
}

function types(history: { type: string }[]): string[] {
  return history.map((event) => event.type);
}

function detailsOf(history: Record<string, unknown>[], type: string): Record<string, unknown>[] {
  const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
  return history.filter((event) => event.type === type).map((event) => event[key] as Record<string, unknown>);
}

beforeAll(async () => {
  dynamo = await startDynalite();
  await createKeyTable(dynamo.client, 'claims');
});
afterAll(async () => {
  await dynamo.stop();
});
afterEach(() => {
  asked.length = 0;
  doubleCalls = 0;
  failDoubleTimes = 0;
  failCalls = 0;
  fragileBroken = false;
  doubledInputs.length = 0;
  checkedInputs.length = 0;
  failingChecks.clear();
  beforeFailing = async () => {};
});

describe('service integrations', () => {
  it('runs a DynamoDB putItem and catches its conditional failure by the name AWS gives it', async () => {
    const engine = buildEngine();
    const first = await run(engine, 'conditional-put', { key: 'k1' });
    expect(first.status).toBe('SUCCEEDED');
    expect(JSON.parse(first.output ?? '')).toBe('CLAIMED');

    const second = await run(engine, 'conditional-put', { key: 'k1' });
    expect(second.status).toBe('SUCCEEDED');
    expect(JSON.parse(second.output ?? '')).toEqual({
      outcome: 'ALREADY_CLAIMED',
      error: 'DynamoDB.ConditionalCheckFailedException',
    });
    expect(types(second.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('returns a Lambda-shaped result, retries a named handler error and waits in a scaled Wait', async () => {
    const engine = buildEngine();
    failDoubleTimes = 1;
    const child = await run(engine, 'child', { n: 21 });
    expect(child.status).toBe('SUCCEEDED');
    expect(JSON.parse(child.output ?? '')).toEqual({ doubled: 42 });
    expect(doubleCalls).toBe(2);
    const failed = child.history.find((e) => e.type === 'TaskFailed') as unknown as {
      taskFailedEventDetails: { error: string; cause: string };
    };
    expect(failed.taskFailedEventDetails.error).toBe('Flaky.Error');
    expect(JSON.parse(failed.taskFailedEventDetails.cause)).toMatchObject({
      errorType: 'Flaky.Error',
      errorMessage: 'try again',
    });
    expect(types(child.history)).toContain('WaitStateEntered');
  });
});

describe('lambda:invoke errors under the names AWS gives them', () => {
  it('retries a Lambda service error (its message as the cause) and returns the invoke result shape', async () => {
    const engine = buildEngine();
    const done = await run(engine, 'lambda-errors', { throw: 'Lambda.ServiceException', times: 1 });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { ok: true },
      StatusCode: 200,
    });
    const failed = detailsOf(done.history, 'TaskFailed');
    expect(failed).toEqual([
      expect.objectContaining({
        error: 'Lambda.ServiceException',
        cause: 'Lambda.ServiceException on call 1',
      }),
    ]);
  });

  it('passes a function timeout (Sandbox.Timedout) through to Catch, with the Lambda error as its cause', async () => {
    const engine = buildEngine();
    const done = await run(engine, 'lambda-errors', { throw: 'Sandbox.Timedout' });
    const output = JSON.parse(done.output ?? '') as { outcome: string; error: string; cause: string };
    expect(output).toMatchObject({ outcome: 'FUNCTION_TIMED_OUT', error: 'Sandbox.Timedout' });
    expect(JSON.parse(output.cause)).toMatchObject({ errorType: 'Sandbox.Timedout' });
  });

  it('fails a task that outlives its TimeoutSeconds with States.Timeout', async () => {
    const engine = buildEngine();
    // TimeoutSeconds 100 at scale 0.001 is 100 ms; the function takes 2 s.
    const done = await run(engine, 'lambda-errors', { sleepMs: 2000 });
    expect(JSON.parse(done.output ?? '')).toEqual({ outcome: 'TASK_TIMED_OUT', error: 'States.Timeout' });
    expect(types(done.history)).toContain('TaskTimedOut');
  });
});

describe('callback tasks', () => {
  it('gives each task a unique token and completes it through SendTaskSuccess', async () => {
    const engine = buildEngine();
    const a = engine.startExecution({ stateMachineArn: ARN('callback'), input: '{"question":"a"}' });
    const b = engine.startExecution({ stateMachineArn: ARN('callback'), input: '{"question":"b"}' });
    await waitFor(() => (asked.length === 2 ? true : undefined));
    expect(new Set(asked.map((q) => q.token)).size).toBe(2);
    for (const q of asked) expect(q.token.length).toBeGreaterThanOrEqual(32);

    const tokenA = asked.find((q) => q.question === 'a')?.token ?? '';
    engine.sendTaskSuccess(tokenA, JSON.stringify({ yes: true }));
    const done = await engine.waitForExecution(a.executionArn);
    expect(JSON.parse(done.output ?? '')).toEqual({ outcome: 'ANSWERED', answer: { yes: true } });
    expect(types(done.history)).toEqual(expect.arrayContaining(['TaskSubmitted', 'TaskSucceeded']));
    // A completed token cannot be used again.
    expect(() => engine.sendTaskSuccess(tokenA, '{}')).toThrow(/does not exist/);
    expect(engine.describeExecution(b.executionArn).status).toBe('RUNNING');
    engine.stopExecution(b.executionArn);
  });

  it('catches a failure sent with SendTaskFailure under the error name given', async () => {
    const engine = buildEngine();
    const { executionArn } = engine.startExecution({
      stateMachineArn: ARN('callback'),
      input: '{"question":"q"}',
    });
    const { token } = await waitFor(() => asked[0]);
    engine.sendTaskFailure(token, 'Answer.Refused', 'not this year');
    const done = await engine.waitForExecution(executionArn);
    expect(JSON.parse(done.output ?? '')).toEqual({ outcome: 'REFUSED', cause: 'not this year' });
  });

  it('times a task out after its (scaled) TimeoutSeconds, and the token then no longer works', async () => {
    const engine = buildEngine();
    const started = Date.now();
    const done = await run(engine, 'callback', { question: 'anyone?' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(JSON.parse(done.output ?? '')).toEqual({ outcome: 'TIMED_OUT', error: 'States.Timeout' });
    expect(types(done.history)).toContain('TaskTimedOut');
    expect(() => engine.sendTaskSuccess(asked[0]?.token ?? '', '{}')).toThrow(/does not exist/);
  });

  it('fails a task whose heartbeat stops, and keeps it alive while heartbeats come', async () => {
    const engine = buildEngine();
    const { executionArn } = engine.startExecution({ stateMachineArn: ARN('heartbeat'), input: '{}' });
    const { token } = await waitFor(() => asked[0]);
    // HeartbeatSeconds 10 at scale 0.001 is 10 ms: beat every 3 ms for 60 ms.
    for (let i = 0; i < 20; i += 1) {
      engine.sendTaskHeartbeat(token);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect(engine.describeExecution(executionArn).status).toBe('RUNNING');
    const done = await engine.waitForExecution(executionArn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.HeartbeatTimeout');
  });
});

describe('callback tasks inside a Map', () => {
  it('keeps the token of each iteration valid when another iteration completes', async () => {
    const engine = buildEngine();
    const { executionArn } = engine.startExecution({
      stateMachineArn: ARN('map-callbacks'),
      input: JSON.stringify({ questions: ['m1', 'm2', 'm3'] }),
    });
    await waitFor(() => (asked.length === 3 ? true : undefined));
    // Answer one at a time: each answer must still find its own task waiting.
    let answered = 0;
    for (const question of ['m2', 'm1', 'm3']) {
      const token = asked.find((q) => q.question === question)?.token ?? '';
      engine.sendTaskSuccess(token, JSON.stringify(`answer to ${question}`));
      answered += 1;
      // Let that iteration finish before the next answer.
      await waitFor(() =>
        engine.getExecutionHistory(executionArn).filter((e) => e.type === 'TaskSucceeded').length === answered
          ? true
          : undefined,
      );
    }
    const done = await engine.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual(['answer to m1', 'answer to m2', 'answer to m3']);
  });
});

describe('a failed Map iteration or Parallel branch stops the others, as in AWS', () => {
  const tokenOf = (question: string) => asked.find((q) => q.question === question)?.token ?? '';

  it('Map: no new iteration starts, running callbacks are abandoned, nested executions ABORTED', async () => {
    const engine = buildEngine();
    const { executionArn } = engine.startExecution({
      stateMachineArn: ARN('map-stop'),
      input: JSON.stringify({
        items: [
          { kind: 'ask', question: 'running' },
          { kind: 'child', name: 'map-stop-child', questions: ['in-child'] },
          { kind: 'ask', question: 'failing' },
          { kind: 'ask', question: 'queued-1' },
          { kind: 'ask', question: 'queued-2' },
        ],
      }),
    });
    // MaxConcurrency 3: the first three iterations run, the last two wait for a free slot.
    await waitFor(() => (asked.length === 3 ? true : undefined));
    engine.sendTaskFailure(tokenOf('failing'), 'Item.Failed', 'no');
    const done = await engine.waitForExecution(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ outcome: 'STOPPED', error: 'Item.Failed' });
    // The freed slots start nothing: the queued items are never asked.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(asked.map((q) => q.question).sort()).toEqual(['failing', 'in-child', 'running']);
    const started = done.history.filter((e) => e.type === 'MapIterationStarted');
    expect(started.map((e) => (e.mapIterationEventDetails as { index: number }).index).sort()).toEqual([
      0, 1, 2,
    ]);
    // The running iteration's callback is abandoned: its token no longer exists.
    expect(() => engine.sendTaskSuccess(tokenOf('running'), '{}')).toThrow(/does not exist/);
    expect(engine.pendingTaskTokens()).toEqual([]);
    // The nested execution is stopped, visible as AWS shows it.
    const child = engine.listExecutions({ stateMachineArn: ARN('map-callbacks') });
    expect(child.map((c) => [c.name, c.status])).toEqual([['map-stop-child', 'ABORTED']]);
    const childArn = child[0]?.executionArn ?? '';
    expect(engine.describeExecution(childArn).status).toBe('ABORTED');
    expect(types(engine.getExecutionHistory(childArn)).at(-1)).toBe('ExecutionAborted');
    // Only the failing task's failure is recorded; the stopped tasks record nothing more.
    expect(types(done.history).filter((t) => t === 'TaskFailed')).toHaveLength(1);
    expect(types(done.history).filter((t) => t === 'TaskSucceeded')).toHaveLength(0);
  });

  it('Parallel: a failed branch stops its siblings and ABORTS their nested executions', async () => {
    const engine = buildEngine();
    const { executionArn } = engine.startExecution({
      stateMachineArn: ARN('parallel-stop'),
      input: JSON.stringify({
        id: 'par',
        childQuestions: ['p-child'],
        sibling: 'p-sibling',
        failing: 'p-fail',
      }),
    });
    await waitFor(() => (asked.length === 3 ? true : undefined));
    engine.sendTaskFailure(tokenOf('p-fail'), 'Branch.Failed', 'no');
    const done = await engine.waitForExecution(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ outcome: 'STOPPED', error: 'Branch.Failed' });
    expect(() => engine.sendTaskSuccess(tokenOf('p-sibling'), '{}')).toThrow(/does not exist/);
    expect(() => engine.sendTaskSuccess(tokenOf('p-child'), '{}')).toThrow(/does not exist/);
    const childArn = `${ARN('map-callbacks').replace(':stateMachine:', ':execution:')}:par-child`;
    expect(engine.describeExecution(childArn)).toMatchObject({ status: 'ABORTED' });
    expect(engine.listExecutions({ statusFilter: 'ABORTED' }).map((e) => e.executionArn)).toContain(childArn);
    expect(engine.pendingTaskTokens()).toEqual([]);
    expect(types(done.history).filter((t) => t === 'TaskFailed')).toHaveLength(1);
    expect(types(done.history).slice(-3)).toEqual([
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });
});

describe('nested executions', () => {
  it('starts a child with .sync:2, waits for it and passes its JSON output on', async () => {
    const engine = buildEngine();
    const parent = await run(engine, 'parent', { id: 'p1', n: 4 });
    expect(parent.status).toBe('SUCCEEDED');
    expect(JSON.parse(parent.output ?? '')).toEqual({ doubled: 8, status: 'SUCCEEDED' });
    const children = engine.listExecutions({ stateMachineArn: ARN('child') });
    expect(children.map((c) => c.name)).toEqual(['p1-child']);
    expect(engine.describeExecution(children[0]?.executionArn ?? '').status).toBe('SUCCEEDED');
  });

  it('reports a failed child as States.TaskFailed to the parent', async () => {
    const engine = buildEngine();
    failDoubleTimes = 5;
    const parent = await run(engine, 'parent', { id: 'p2', n: 1 });
    expect(JSON.parse(parent.output ?? '')).toEqual({ outcome: 'CHILD_FAILED' });
  });

  it('refuses a second execution with the same name and other input, as AWS does', async () => {
    const engine = buildEngine();
    await run(engine, 'child', { n: 1 }, 'once');
    expect(() =>
      engine.startExecution({ stateMachineArn: ARN('child'), name: 'once', input: '{"n":2}' }),
    ).toThrow(/already exists/);
  });
});

describe('RedriveExecution', () => {
  it('starts a failed execution again at the state that failed, with its input, re-running nothing that succeeded', async () => {
    const engine = buildEngine();
    fragileBroken = true;
    const first = await run(engine, 'redrive', { id: 'rd1', n: 3 });
    expect(first).toMatchObject({ status: 'FAILED', error: 'Service.Down' });
    expect(engine.describeExecution(first.executionArn)).toMatchObject({
      redriveCount: 0,
      redriveStatus: 'REDRIVABLE',
    });
    const childArn = `${ARN('child').replace(':stateMachine:', ':execution:')}:rd1-child`;
    const childBefore = (await engine.waitForExecution(childArn)).status;

    fragileBroken = false;
    engine.redriveExecution(first.executionArn);
    expect(engine.describeExecution(first.executionArn).status).toBe('RUNNING');
    const done = await engine.waitForExecution(first.executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual([{ doubled: 12 }, { fragile: 'ok', doubled: 6 }]);
    // Prepare succeeded the first time: not run again; the Parallel started over with its input.
    expect(doubledInputs.filter((n) => n === 3)).toHaveLength(1);
    const history = done.history;
    const entered = history
      .filter((e) => e.type.endsWith('StateEntered'))
      .map((e) => (e.stateEnteredEventDetails as { name: string }).name);
    expect(entered.filter((name) => name === 'Prepare')).toHaveLength(1);
    expect(entered.filter((name) => name === 'Both')).toHaveLength(2);
    const redriven = types(history).indexOf('ExecutionRedriven');
    expect(types(history)[redriven - 1]).toBe('ExecutionFailed');
    expect(types(history).at(-1)).toBe('ExecutionSucceeded');
    expect(history[redriven]).toMatchObject({ executionRedrivenEventDetails: { redriveCount: 1 } });
    expect(engine.describeExecution(first.executionArn)).toMatchObject({
      redriveCount: 1,
      redriveStatus: 'NOT_REDRIVABLE',
    });
    // The nested execution is that task's child: reused if it had succeeded, redriven if stopped.
    const child = engine.describeExecution(childArn);
    expect(child.status).toBe('SUCCEEDED');
    expect(child.redriveCount).toBe(childBefore === 'SUCCEEDED' ? 0 : 1);
    expect(engine.listExecutions({ stateMachineArn: ARN('child') }).map((e) => e.name)).toEqual([
      'rd1-child',
    ]);
  });

  it('refuses to redrive a running or succeeded execution, as AWS does', async () => {
    const engine = buildEngine();
    const done = await run(engine, 'child', { n: 2 });
    expect(() => engine.redriveExecution(done.executionArn)).toThrow(
      expect.objectContaining({ code: 'ExecutionNotRedrivable' }),
    );
    const { executionArn } = engine.startExecution({
      stateMachineArn: ARN('callback'),
      input: '{"question":"r"}',
    });
    expect(() => engine.redriveExecution(executionArn)).toThrow(/RUNNING and cannot be redriven/);
    engine.stopExecution(executionArn);
    engine.redriveExecution(executionArn);
    expect(engine.describeExecution(executionArn)).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
    // The stopped run, settling after the redrive, does not end the redriven one.
    await waitFor(() => (asked.length === 2 ? true : undefined));
    expect(engine.describeExecution(executionArn).status).toBe('RUNNING');
    engine.stopExecution(executionArn);
  });
});

describe('RedriveExecution of a Map or a Parallel re-runs only what did not succeed, as in AWS', () => {
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const iterationsSucceeded = (engine: LocalStepFunctions, executionArn: string) =>
    engine.getExecutionHistory(executionArn).filter((e) => e.type === 'MapIterationSucceeded').length;

  it('Map: the succeeded iterations are not run again and the result equals a clean run', async () => {
    const engine = buildEngine();
    const items = [1, 2, 3, 4, 5].map((n) => ({ n }));
    const executionArn = `${ARN('map-redrive').replace(':stateMachine:', ':execution:')}:map-rd`;
    // Item 3's check fails once the four other iterations have succeeded.
    failingChecks.add(3);
    beforeFailing = () => waitFor(() => (iterationsSucceeded(engine, executionArn) === 4 ? true : undefined));
    const first = await run(engine, 'map-redrive', { items }, 'map-rd');
    expect(first).toMatchObject({ status: 'FAILED', error: 'Check.Failed' });
    expect(sorted(doubledInputs)).toEqual([1, 2, 3, 4, 5]);

    failingChecks.clear();
    engine.redriveExecution(executionArn);
    const done = await engine.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    // Only item 3's iteration ran again, from the state that failed (its Double had succeeded):
    // every other task was invoked once in all.
    expect(sorted(doubledInputs)).toEqual([1, 2, 3, 4, 5]);
    expect(sorted(checkedInputs)).toEqual([1, 2, 3, 3, 4, 5]);
    const afterRedrive = done.history.slice(done.history.findIndex((e) => e.type === 'ExecutionRedriven'));
    expect(
      afterRedrive
        .filter((e) => e.type === 'MapIterationStarted')
        .map((e) => (e.mapIterationEventDetails as { index: number }).index),
    ).toEqual([2]);
    expect(engine.describeExecution(executionArn)).toMatchObject({
      redriveCount: 1,
      redriveStatus: 'NOT_REDRIVABLE',
    });

    const clean = await run(engine, 'map-redrive', { items });
    expect(clean.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual(JSON.parse(clean.output ?? ''));
  });

  it('Parallel: a succeeded branch and the succeeded iterations of a Map in a failed branch are reused', async () => {
    const engine = buildEngine();
    const input = { items: [1, 2, 3].map((n) => ({ n })), lone: 100 };
    const executionArn = `${ARN('parallel-redrive').replace(':stateMachine:', ':execution:')}:par-rd`;
    failingChecks.add(2);
    beforeFailing = () =>
      waitFor(() =>
        iterationsSucceeded(engine, executionArn) === 2 &&
        // Items 1 and 3 (two tasks each), item 2's doubling and the lone branch.
        engine.getExecutionHistory(executionArn).filter((e) => e.type === 'TaskSucceeded').length === 6
          ? true
          : undefined,
      );
    const first = await run(engine, 'parallel-redrive', input, 'par-rd');
    expect(first).toMatchObject({ status: 'FAILED', error: 'Check.Failed' });
    expect(sorted(doubledInputs)).toEqual([1, 2, 3, 100]);

    failingChecks.clear();
    engine.redriveExecution(executionArn);
    const done = await engine.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    // The lone branch and items 1 and 3 are not run again; item 2's iteration is, from its Check.
    expect(sorted(doubledInputs)).toEqual([1, 2, 3, 100]);
    expect(sorted(checkedInputs)).toEqual([1, 2, 2, 3]);

    const clean = await run(engine, 'parallel-redrive', input);
    expect(JSON.parse(done.output ?? '')).toEqual(JSON.parse(clean.output ?? ''));
  });

  it('an iteration re-run after a restart goes on from the state it had reached', async () => {
    const dir = temporaryStore();
    const first = buildEngine(new ExecutionStore(dir));
    const { executionArn } = first.startExecution({
      stateMachineArn: ARN('map-steps'),
      input: JSON.stringify({ items: [{ n: 1 }, { n: 2 }] }),
    });
    await waitFor(() => (asked.length === 2 ? true : undefined));
    first.detachAll();

    const second = buildEngine(new ExecutionStore(dir));
    second.resumeRunning();
    await waitFor(() => (asked.length === 4 ? true : undefined));
    // Each item was doubled once: the iterations went on at AskAboutIt, with its input.
    expect(sorted(doubledInputs)).toEqual([1, 2]);
    expect(
      asked
        .slice(2)
        .map((q) => q.question)
        .sort(),
    ).toEqual(['about 2', 'about 4']);
    for (const { token } of asked.slice(2)) second.sendTaskSuccess(token, '"yes"');
    const done = await second.waitForExecution(executionArn);
    expect(JSON.parse(done.output ?? '')).toEqual(['yes', 'yes']);
  });

  it('a Map re-entered after a restart asks again only the iterations still waiting', async () => {
    const dir = temporaryStore();
    const first = buildEngine(new ExecutionStore(dir));
    const { executionArn } = first.startExecution({
      stateMachineArn: ARN('map-callbacks'),
      input: JSON.stringify({ questions: ['r1', 'r2', 'r3'] }),
    });
    await waitFor(() => (asked.length === 3 ? true : undefined));
    const tokenOf = (question: string) => asked.findLast((q) => q.question === question)?.token ?? '';
    first.sendTaskSuccess(tokenOf('r2'), '"answer 2"');
    await waitFor(() =>
      first.getExecutionHistory(executionArn).some((e) => e.type === 'MapIterationSucceeded')
        ? true
        : undefined,
    );
    first.detachAll();

    const second = buildEngine(new ExecutionStore(dir));
    expect(second.resumeRunning()).toEqual([executionArn]);
    await waitFor(() => (asked.length === 5 ? true : undefined));
    // r2 was answered before the restart: not asked again.
    expect(
      asked
        .slice(3)
        .map((q) => q.question)
        .sort(),
    ).toEqual(['r1', 'r3']);
    second.sendTaskSuccess(tokenOf('r1'), '"answer 1"');
    second.sendTaskSuccess(tokenOf('r3'), '"answer 3"');
    const done = await second.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual(['answer 1', 'answer 2', 'answer 3']);
  });
});

describe('definitions the engine cannot honour', () => {
  it('refuses a JSONata definition at load, naming the field', () => {
    expect(() => loadWorkflowFile('jsonata', join(FIXTURES, 'jsonata.asl.json'), {})).toThrow(
      UnsupportedDefinitionError,
    );
    expect(() => loadWorkflowFile('jsonata', join(FIXTURES, 'jsonata.asl.json'), {})).toThrow(
      /QueryLanguage.*JSONata/,
    );
  });

  it('refuses Assign, naming the state and the field', () => {
    expect(() => loadWorkflowFile('assign', join(FIXTURES, 'assign.asl.json'), {})).toThrow(
      /state "Remember".*"Assign"/,
    );
  });

  it('refuses an integration it does not emulate, and a missing substitution', () => {
    const sqs = JSON.stringify({
      StartAt: 'Send',
      States: { Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } },
    });
    expect(() => prepareWorkflow('sqs', sqs)).toThrow(/state "Send".*"Resource".*not emulated/);
    expect(() => loadWorkflowFile('callback', join(FIXTURES, 'callback.asl.json'), {})).toThrow(
      /AskFunctionArn/,
    );
  });

  it('refuses a JSONata condition inside a Choice rule', () => {
    const choice = JSON.stringify({
      StartAt: 'Pick',
      States: {
        Pick: { Type: 'Choice', Choices: [{ Condition: '{% true %}', Next: 'Done' }], Default: 'Done' },
        Done: { Type: 'Succeed' },
      },
    });
    expect(() => prepareWorkflow('choice', choice)).toThrow(/Choices\[0\]\.Condition/);
  });
});

describe('the Step Functions API over HTTP', () => {
  let server: Server;
  let sfn: SFNClient;
  let engine: LocalStepFunctions;

  beforeAll(async () => {
    engine = buildEngine();
    server = createServer(stepFunctionsApi(engine));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    sfn = new SFNClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'eu-west-3',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
  });
  afterAll(async () => {
    sfn.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('starts, completes a callback, describes, lists and reads history with the unmodified AWS SDK', async () => {
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: ARN('callback'),
        name: 'over-http',
        input: '{"question":"http?"}',
      }),
    );
    expect(started.startDate).toBeInstanceOf(Date);
    const { token } = await waitFor(() => asked.find((q) => q.question === 'http?'));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"via":"http"}' }));
    await engine.waitForExecution(started.executionArn ?? '');

    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual({ outcome: 'ANSWERED', answer: { via: 'http' } });

    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: ARN('callback') }));
    expect(listed.executions?.map((e) => e.name)).toContain('over-http');

    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 3 }),
    );
    expect(history.events?.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
    ]);
    expect(history.nextToken).toBeTruthy();
  });

  it('stops and redrives an execution with the unmodified AWS SDK', async () => {
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: ARN('callback'),
        input: '{"question":"redrive over http"}',
      }),
    );
    await sfn.send(new StopExecutionCommand({ executionArn: started.executionArn }));
    const redriven = await sfn.send(new RedriveExecutionCommand({ executionArn: started.executionArn }));
    expect(redriven.redriveDate).toBeInstanceOf(Date);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described).toMatchObject({ status: 'RUNNING', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE' });
    expect(described.redriveDate).toBeInstanceOf(Date);
    await expect(
      sfn.send(new RedriveExecutionCommand({ executionArn: started.executionArn })),
    ).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
    await sfn.send(new StopExecutionCommand({ executionArn: started.executionArn }));
  });

  it('answers errors with the names AWS uses, which the SDK raises as typed exceptions', async () => {
    await expect(
      sfn.send(new SendTaskFailureCommand({ taskToken: 'nope', error: 'X' })),
    ).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
    await expect(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${ARN('callback')}:missing`.replace('stateMachine', 'execution'),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: ARN('nope') }))).rejects.toMatchObject(
      {
        name: 'StateMachineDoesNotExist',
      },
    );
  });
});

describe('restarts', () => {
  it('resumes a running execution at its last top-level state after a restart, with a new token', async () => {
    const dir = temporaryStore();
    const first = buildEngine(new ExecutionStore(dir));
    const { executionArn } = first.startExecution({
      stateMachineArn: ARN('callback'),
      input: '{"question":"restart"}',
    });
    const before = await waitFor(() => asked[0]);
    first.detachAll();

    const second = buildEngine(new ExecutionStore(dir));
    expect(second.resumeRunning()).toEqual([executionArn]);
    const after = await waitFor(() => asked[1]);
    expect(after.question).toBe('restart');
    expect(after.token).not.toBe(before.token);
    expect(() => second.sendTaskSuccess(before.token, '{}')).toThrow(/does not exist/);
    second.sendTaskSuccess(after.token, '{"ok":1}');
    const done = await second.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(types(done.history)).toContain('ExecutionResumed');
  });

  it('a Wait and a callback task end at their original deadlines across restarts, not a full time later', async () => {
    const dir = temporaryStore();
    // Both the Wait and the task's TimeoutSeconds are 1000 s, scaled to 1 s.
    const fullMs = 1000 * 1000 * TIME_SCALE;
    const first = buildEngine(new ExecutionStore(dir));
    const { executionArn } = first.startExecution({
      stateMachineArn: ARN('restart-timers'),
      input: '{"question":"deadlines"}',
    });
    await waitFor(() => (first.getExecutionHistory(executionArn).length >= 2 ? true : undefined));

    // Restarted mid-Wait: the Wait ends when it would have without the restart.
    const second = await restartAfterDowntime(first, dir);
    expect(second.resumeRunning()).toEqual([executionArn]);
    await waitFor(() => (asked.length === 1 ? true : undefined));
    let history = second.getExecutionHistory(executionArn);
    const waitEntered = eventTime(history, 'WaitStateEntered');
    const waitExited = eventTime(history, 'WaitStateExited');
    expect(waitExited - waitEntered).toBeGreaterThanOrEqual(fullMs - 2);
    expect(waitExited).toBeLessThan(eventTime(history, 'ExecutionResumed') + fullMs);

    // Restarted while the callback task waits: its timeout counts from when the task started.
    const third = await restartAfterDowntime(second, dir);
    expect(third.resumeRunning()).toEqual([executionArn]);
    const done = await third.waitForExecution(executionArn);
    expect(JSON.parse(done.output ?? '')).toEqual({ outcome: 'TIMED_OUT' });
    history = done.history;
    const taskStarted = eventTime(history, 'TaskStarted');
    const timedOut = eventTime(history, 'TaskTimedOut');
    expect(timedOut - taskStarted).toBeGreaterThanOrEqual(fullMs - 2);
    expect(timedOut).toBeLessThan(eventTime(history, 'ExecutionResumed', 'last') + fullMs);
    // The task ran again after the restart (a new token), but its deadline stayed.
    expect(asked).toHaveLength(2);
  });

  it('times a callback task out at once when its deadline passed while the engine was down', async () => {
    const dir = temporaryStore();
    const first = buildEngine(new ExecutionStore(dir));
    const { executionArn } = first.startExecution({
      stateMachineArn: ARN('callback'),
      input: '{"question":"too late"}',
    });
    await waitFor(() => asked[0]);
    first.detachAll();
    // TimeoutSeconds 100, scaled to 100 ms: past while nothing runs.
    await new Promise((resolve) => setTimeout(resolve, 250));

    const second = buildEngine(new ExecutionStore(dir));
    second.resumeRunning();
    const done = await second.waitForExecution(executionArn);
    expect(JSON.parse(done.output ?? '')).toEqual({ outcome: 'TIMED_OUT', error: 'States.Timeout' });
    // Nobody is asked again for an answer that can no longer be given.
    expect(asked).toHaveLength(1);
    const resumed = types(done.history).indexOf('ExecutionResumed');
    expect(types(done.history).slice(resumed)).toContain('TaskTimedOut');
  });

  it('a Wait inside a Map iteration ends at its original time across a restart', async () => {
    const dir = temporaryStore();
    // Seconds 1000, scaled to 1 s.
    const fullMs = 1000 * 1000 * TIME_SCALE;
    const first = buildEngine(new ExecutionStore(dir));
    const { executionArn } = first.startExecution({
      stateMachineArn: ARN('map-wait'),
      input: JSON.stringify({ items: [{ n: 7 }] }),
    });
    await waitFor(() =>
      first.getExecutionHistory(executionArn).some((e) => e.type === 'WaitStateEntered') ? true : undefined,
    );

    const second = await restartAfterDowntime(first, dir);
    second.resumeRunning();
    const done = await second.waitForExecution(executionArn);
    expect(JSON.parse(done.output ?? '')).toEqual([{ doubled: 14 }]);
    const exited = eventTime(done.history, 'WaitStateExited', 'last');
    // Not shorter than the Wait (the restart came 600 ms into it): the history stamps the entry when it
    // records it, a few ms after the engine's own clock started the Wait (more on a loaded machine:
    // 4 ms was seen), hence the margin; ending at the restart would be 400 ms short.
    expect(exited - eventTime(done.history, 'WaitStateEntered')).toBeGreaterThanOrEqual(fullMs - 50);
    // Nor restarted at full length after the restart.
    expect(exited).toBeLessThan(eventTime(done.history, 'ExecutionResumed') + fullMs);
  });

  it("counts the execution's own TimeoutSeconds from its start across a restart", async () => {
    const dir = temporaryStore();
    const first = buildEngine(new ExecutionStore(dir));
    const { executionArn, startDate } = first.startExecution({
      stateMachineArn: ARN('execution-timeout'),
      input: '{"question":"bounded"}',
    });
    await waitFor(() => asked[0]);

    const second = await restartAfterDowntime(first, dir);
    second.resumeRunning();
    const done = await second.waitForExecution(executionArn);
    expect(done.status).toBe('TIMED_OUT');
    // TimeoutSeconds 1 (not scaled): from the start, not from the restart.
    const timedOut = Date.parse(done.stopDate ?? '');
    const resumed = Date.parse(done.history.find((e) => e.type === 'ExecutionResumed')?.timestamp ?? '');
    expect(timedOut - Date.parse(startDate)).toBeGreaterThanOrEqual(1000 - 2);
    expect(timedOut).toBeLessThan(resumed + 1000);
  });

  it('stops an execution and the children it waits on', async () => {
    const engine = buildEngine();
    const { executionArn } = engine.startExecution({
      stateMachineArn: ARN('callback'),
      input: '{"question":"stop"}',
    });
    await waitFor(() => asked[0]);
    engine.stopExecution(executionArn, 'Operator.Stop', 'by hand');
    const done = await engine.waitForExecution(executionArn);
    expect(done.status).toBe('ABORTED');
    expect(types(done.history).at(-1)).toBe('ExecutionAborted');
    expect(engine.pendingTaskTokens(executionArn)).toEqual([]);
  });
});
