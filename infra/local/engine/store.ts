/**
 * Where the local engine keeps executions and their histories. In memory, and (with a directory)
 * one JSON file per execution, written after each change, so a restart can read them back.
 *
 * Each write is a new file, `<execution>@<revision>.json`, written off the event loop, and the older
 * revision is deleted once it lands: a crash leaves whole files (the newest one that parses wins at
 * load), and no write blocks the engine. Rewriting one file in place through a rename was the local
 * cloud's largest single cost under load (ext4 flushes a file's data when a rename replaces it).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: string;
  type: string;
  [details: string]: unknown;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  /** JSON text, as the Step Functions API returns it. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  parentExecutionArn?: string;
  /**
   * The last top-level state entered and its input: where a restart resumes, and (kept after a
   * failure) where a redrive starts again.
   */
  resumePoint?: { state: string; input: unknown };
  /**
   * The latest entry of this top-level Map or Parallel state, by path of iteration or branch: the
   * results of those that succeeded (a redrive or a restart reuses them instead of running them
   * again) and the state each other one last entered, with its input (where it goes on from).
   */
  iterations?: {
    state: string;
    done: Record<string, unknown>;
    /** `since`: when it entered that state (epoch ms), where a Wait's time counts from. */
    at?: Record<string, { state: string; input: unknown; since?: number }>;
  };
  /** The deadlines (epoch ms) of the tasks running now, by path: a restart keeps them. */
  timers?: Record<string, { timeoutAt?: number; heartbeatAt?: number }>;
  /** RedriveExecution: how many times, and when last. */
  redriveCount?: number;
  redriveDate?: string;
  history: HistoryEvent[];
}

/** `<stem>@<revision>.json`, or `<stem>.json` as written before revisions (revision -1). */
const FILE = /^(.+?)(?:@(\d+))?\.json$/;

export class ExecutionStore {
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly dirty = new Set<string>();
  /** Per execution: the next revision to write, the newest one on disk, and whether a write is in flight. */
  private readonly files = new Map<string, { next: number; onDisk: number; writing: boolean }>();
  private flushScheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  private readonly directory: string | undefined;

  constructor(directory?: string) {
    this.directory = directory;
    if (!directory) return;
    mkdirSync(directory, { recursive: true });
    const revisions = new Map<string, number[]>();
    for (const file of readdirSync(directory)) {
      const match = FILE.exec(file);
      if (!match?.[1]) continue;
      const list = revisions.get(match[1]) ?? [];
      list.push(match[2] === undefined ? -1 : Number(match[2]));
      revisions.set(match[1], list);
    }
    for (const [stem, list] of revisions) {
      list.sort((a, b) => b - a);
      let kept: number | undefined;
      for (const revision of list) {
        const path = join(directory, fileName(stem, revision));
        if (kept === undefined) {
          try {
            const record = JSON.parse(readFileSync(path, 'utf8')) as ExecutionRecord;
            this.executions.set(record.executionArn, record);
            this.files.set(record.executionArn, { next: revision + 1, onDisk: revision, writing: false });
            kept = revision;
            continue;
          } catch {
            // A file cut short by a crash mid-write: an older revision is whole.
          }
        }
        rmSync(path, { force: true });
      }
    }
  }

  get(executionArn: string): ExecutionRecord | undefined {
    return this.executions.get(executionArn);
  }

  put(record: ExecutionRecord): void {
    this.executions.set(record.executionArn, record);
    this.changed(record);
  }

  /** Newest first. */
  list(filter: (record: ExecutionRecord) => boolean = () => true): ExecutionRecord[] {
    return [...this.executions.values()]
      .filter(filter)
      .sort((a, b) => b.startDate.localeCompare(a.startDate));
  }

  changed(record: ExecutionRecord): void {
    if (!this.directory) return;
    this.dirty.add(record.executionArn);
    this.schedule();
  }

  /**
   * Writes every changed execution now, synchronously (at shutdown: nothing is lost). One whose
   * latest change is only in a write still in flight is written again: that file may not be whole
   * yet (or not exist) when the process ends or a new store reads the directory.
   */
  flush(): void {
    this.flushScheduled = false;
    for (const [arn, file] of this.files) if (file.writing) this.dirty.add(arn);
    for (const arn of this.dirty) this.write(arn, 'sync');
    this.dirty.clear();
  }

  /** Resolves once every change so far is on disk (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0 || this.dirty.size > 0) {
      if (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      else {
        this.schedule();
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const arn of this.dirty) {
        // One write per execution at a time; what changes meanwhile goes in the next one.
        if (this.files.get(arn)?.writing) continue;
        this.dirty.delete(arn);
        this.write(arn, 'async');
      }
    });
  }

  private write(arn: string, mode: 'sync' | 'async'): void {
    const record = this.executions.get(arn);
    if (!record || !this.directory) return;
    const state = this.files.get(arn) ?? { next: 0, onDisk: -2, writing: false };
    this.files.set(arn, state);
    const revision = state.next;
    state.next += 1;
    const stem = encodeURIComponent(record.executionArn.split(':').slice(-2).join(':'));
    const path = join(this.directory, fileName(stem, revision));
    const text = JSON.stringify(record);
    const landed = () => {
      // The newest revision on disk wins; an older one that landed late is deleted.
      const older = Math.min(state.onDisk, revision);
      const newer = Math.max(state.onDisk, revision);
      state.onDisk = newer;
      return older >= -1 ? join(this.directory ?? '', fileName(stem, older)) : undefined;
    };
    if (mode === 'sync') {
      try {
        writeFileSync(path, text);
        const stale = landed();
        if (stale) unlinkSync(stale);
      } catch (error) {
        // The directory went away (a test cleaning up, a --reset): memory stays the source of truth.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      return;
    }
    state.writing = true;
    const done = (async () => {
      try {
        await writeFile(path, text);
        const stale = landed();
        if (stale) await unlink(stale);
      } catch (error) {
        // The directory went away (a test cleaning up, a --reset); anything else is worth a warning.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          process.emitWarning(`execution store: ${(error as Error).message}`);
      } finally {
        state.writing = false;
        if (this.dirty.has(arn)) this.schedule();
      }
    })();
    this.inFlight.add(done);
    void done.then(() => this.inFlight.delete(done));
  }
}

function fileName(stem: string, revision: number): string {
  return revision < 0 ? `${stem}.json` : `${stem}@${revision}.json`;
}
