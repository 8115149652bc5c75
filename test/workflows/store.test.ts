import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExecutionRecord, ExecutionStore } from '../../infra/local/engine/store.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'jif-store-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function record(name: string, events: number): ExecutionRecord {
  return {
    executionArn: `arn:aws:states:eu-west-3:000000000000:execution:Jif-approval:${name}`,
    stateMachineArn: 'arn:aws:states:eu-west-3:000000000000:stateMachine:Jif-approval',
    name,
    status: 'RUNNING',
    startDate: new Date(0).toISOString(),
    input: '{}',
    history: Array.from({ length: events }, (_, i) => ({
      id: i + 1,
      previousEventId: i,
      timestamp: new Date(0).toISOString(),
      type: 'PassStateEntered',
    })),
  };
}

/**
 * A synchronous flush now (a shutdown, or a restart in the same process) leaves the SUCCEEDED record
 * to be read back at once; the write that was in flight lands after it, is not the one read back,
 * and is cleaned up.
 */
async function expectFlushLosesNothing(store: ExecutionStore, dir: string, r: ExecutionRecord) {
  store.flush();
  expect(new ExecutionStore(dir).get(r.executionArn)?.status).toBe('SUCCEEDED');
  await store.settled();
  expect(new ExecutionStore(dir).get(r.executionArn)?.status).toBe('SUCCEEDED');
  expect(readdirSync(dir)).toHaveLength(1);
}

describe('execution store', () => {
  it('writes each change off the event loop and keeps one file per execution: the newest', async () => {
    const dir = tempDir();
    const store = new ExecutionStore(dir);
    const r = record('a', 1);
    store.put(r);
    for (let i = 2; i <= 5; i += 1) {
      r.history.push({ id: i, previousEventId: i - 1, timestamp: r.startDate, type: 'PassStateExited' });
      store.changed(r);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setImmediate(resolve));
    await store.settled();
    expect(readdirSync(dir)).toHaveLength(1);
    expect(new ExecutionStore(dir).get(r.executionArn)?.history).toHaveLength(5);
  });

  it('loses nothing at a synchronous flush, even with a write still in flight', async () => {
    const dir = tempDir();
    const store = new ExecutionStore(dir);
    const r = record('b', 1);
    store.put(r);
    await new Promise((resolve) => setImmediate(resolve)); // the first write starts
    r.history.push({ id: 2, previousEventId: 1, timestamp: r.startDate, type: 'ExecutionSucceeded' });
    r.status = 'SUCCEEDED';
    store.changed(r);
    await expectFlushLosesNothing(store, dir, r);
  });

  it('loses nothing at a synchronous flush whose last change is only in a write still in flight', async () => {
    const dir = tempDir();
    const store = new ExecutionStore(dir);
    const r = record('e', 1);
    store.put(r);
    await store.settled();
    r.history.push({ id: 2, previousEventId: 1, timestamp: r.startDate, type: 'ExecutionSucceeded' });
    r.status = 'SUCCEEDED';
    store.changed(r);
    await new Promise((resolve) => setImmediate(resolve)); // its write starts, nothing else changes
    await expectFlushLosesNothing(store, dir, r);
  });

  it('keeps an ended execution on disk only, once its last change is there, and reads it back whole', async () => {
    const dir = tempDir();
    const store = new ExecutionStore(dir);
    const running = record('f', 2);
    const ended = record('g', 3);
    store.put(running);
    store.put(ended);
    await store.settled();
    expect(store.inMemory()).toBe(2);
    ended.status = 'SUCCEEDED';
    ended.stopDate = new Date(1).toISOString();
    store.changed(ended);
    await store.settled();
    expect(store.inMemory()).toBe(1);
    expect(store.list().map((s) => [s.name, s.status])).toEqual([
      ['f', 'RUNNING'],
      ['g', 'SUCCEEDED'],
    ]);
    expect(store.get(ended.executionArn)).toEqual(ended);
    expect(store.inMemory()).toBe(2);

    // Changed again (a redrive): the record changed is the one kept, written, and kept while it runs.
    const redriven = store.get(ended.executionArn);
    if (!redriven) throw new Error('read back');
    redriven.status = 'RUNNING';
    redriven.redriveCount = 1;
    store.changed(redriven);
    await store.settled();
    expect(store.inMemory()).toBe(2);
    expect(new ExecutionStore(dir).get(ended.executionArn)).toMatchObject({
      status: 'RUNNING',
      redriveCount: 1,
    });

    // A restart keeps only the running ones whole.
    redriven.status = 'FAILED';
    store.changed(redriven);
    await store.settled();
    const restarted = new ExecutionStore(dir);
    expect(restarted.inMemory()).toBe(1);
    expect(restarted.list().map((s) => [s.name, s.status])).toEqual([
      ['f', 'RUNNING'],
      ['g', 'FAILED'],
    ]);
    expect(restarted.get(ended.executionArn)).toMatchObject({ status: 'FAILED', history: ended.history });
  });

  it('keeps at hand only the last few ended executions read back', async () => {
    const dir = tempDir();
    const store = new ExecutionStore(dir);
    const records = Array.from({ length: 80 }, (_, i) => ({
      ...record(`h${i}`, 1),
      status: 'SUCCEEDED' as const,
    }));
    for (const r of records) store.put(r);
    await store.settled();
    expect(store.inMemory()).toBe(0);
    for (const r of records) expect(store.get(r.executionArn)?.name).toBe(r.name);
    expect(store.inMemory()).toBe(64);
    expect(store.list()).toHaveLength(80);
  });

  it('reads the newest whole revision after a crash cut the last one short, and files of the old layout', () => {
    const dir = tempDir();
    const older = record('c', 2);
    writeFileSync(join(dir, 'Jif-approval%3Ac@3.json'), JSON.stringify(older));
    writeFileSync(join(dir, 'Jif-approval%3Ac@4.json'), '{"executionArn":"arn:aws:sta');
    const legacy = record('d', 3);
    writeFileSync(join(dir, 'Jif-approval%3Ad.json'), JSON.stringify(legacy));
    const store = new ExecutionStore(dir);
    expect(store.get(older.executionArn)?.history).toHaveLength(2);
    expect(store.get(legacy.executionArn)?.history).toHaveLength(3);
    expect(readdirSync(dir).sort()).toEqual(['Jif-approval%3Ac@3.json', 'Jif-approval%3Ad.json']);
  });
});
