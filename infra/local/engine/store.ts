/**
 * Where the local engine keeps executions and their histories. In memory, and (with a directory)
 * one JSON file per execution, written after each change, so a restart can read them back.
 *
 * With a directory, an ended execution is kept in memory only as its summary (what ListExecutions
 * shows) once its last change is on disk, and read back from its file when asked for (a few of
 * those are kept at hand): a fund's history of ended executions does not grow the process, as it
 * does not grow anything in AWS.
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

/** What ListExecutions shows of an execution: kept in memory for every one, ended or not. */
export type ExecutionSummary = Pick<
  ExecutionRecord,
  | 'executionArn'
  | 'stateMachineArn'
  | 'name'
  | 'status'
  | 'startDate'
  | 'stopDate'
  | 'redriveCount'
  | 'redriveDate'
>;

const summaryOf = (record: ExecutionRecord): ExecutionSummary => ({
  executionArn: record.executionArn,
  stateMachineArn: record.stateMachineArn,
  name: record.name,
  status: record.status,
  startDate: record.startDate,
  ...(record.stopDate === undefined ? {} : { stopDate: record.stopDate }),
  ...(record.redriveCount === undefined ? {} : { redriveCount: record.redriveCount }),
  ...(record.redriveDate === undefined ? {} : { redriveDate: record.redriveDate }),
});

/** How many ended executions read back from disk stay at hand (a page of them, a redrive, a retry). */
const READ_BACK_KEPT = 64;

/** `<stem>@<revision>.json`, or `<stem>.json` as written before revisions (revision -1). */
const FILE = /^(.+?)(?:@(\d+))?\.json$/;

export class ExecutionStore {
  /** Whole records: every running execution, and ended ones until their last change is on disk. */
  private readonly executions = new Map<string, ExecutionRecord>();
  /** Ended executions kept on disk only (their files are named by stemOf): their summary. */
  private readonly onDiskOnly = new Map<string, ExecutionSummary>();
  /** Ended executions read back from disk, oldest read first: the first let go past READ_BACK_KEPT. */
  private readonly readBack = new Set<string>();
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
            if (record.status === 'RUNNING') this.executions.set(record.executionArn, record);
            else this.onDiskOnly.set(record.executionArn, summaryOf(record));
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
    return this.executions.get(executionArn) ?? this.readFromDisk(executionArn);
  }

  put(record: ExecutionRecord): void {
    this.executions.set(record.executionArn, record);
    this.onDiskOnly.delete(record.executionArn);
    this.changed(record);
  }

  /** Summaries, newest first. */
  list(filter: (summary: ExecutionSummary) => boolean = () => true): ExecutionSummary[] {
    const summaries: ExecutionSummary[] = [...this.executions.values()];
    summaries.push(...this.onDiskOnly.values());
    return summaries.filter(filter).sort((a, b) => b.startDate.localeCompare(a.startDate));
  }

  changed(record: ExecutionRecord): void {
    if (!this.directory) return;
    // The record changed is the one kept (it may have been let go from memory meanwhile).
    this.executions.set(record.executionArn, record);
    this.onDiskOnly.delete(record.executionArn);
    this.readBack.delete(record.executionArn);
    this.dirty.add(record.executionArn);
    this.schedule();
  }

  /** How many executions are whole in memory (the others are summaries; see the module comment). */
  inMemory(): number {
    return this.executions.size;
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

  /** An ended execution whose every change is on disk (this write was its last) leaves memory. */
  private letGo(arn: string): void {
    const record = this.executions.get(arn);
    if (!record || record.status === 'RUNNING' || this.dirty.has(arn)) return;
    this.executions.delete(arn);
    this.readBack.delete(arn);
    this.onDiskOnly.set(arn, summaryOf(record));
  }

  /** An ended execution kept on disk only, read back (and kept at hand among the last few read). */
  private readFromDisk(arn: string): ExecutionRecord | undefined {
    const revision = this.files.get(arn)?.onDisk;
    if (!this.onDiskOnly.has(arn) || revision === undefined || !this.directory) return undefined;
    let text: string;
    try {
      text = readFileSync(join(this.directory, fileName(stemOf(arn), revision)), 'utf8');
    } catch (error) {
      // The directory went away (a test cleaning up, a --reset): the execution is gone with it.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const record = JSON.parse(text) as ExecutionRecord;
    this.executions.set(arn, record);
    this.onDiskOnly.delete(arn);
    this.readBack.add(arn);
    // One read back and changed since is no longer among these (changed() takes it out): the rest are
    // as on disk, and go back to their summaries, oldest read first.
    for (const oldest of this.readBack) {
      if (this.readBack.size <= READ_BACK_KEPT) break;
      this.letGo(oldest);
    }
    return record;
  }

  private write(arn: string, mode: 'sync' | 'async'): void {
    const record = this.executions.get(arn);
    if (!record || !this.directory) return;
    const state = this.files.get(arn) ?? { next: 0, onDisk: -2, writing: false };
    this.files.set(arn, state);
    const revision = state.next;
    state.next += 1;
    const stem = stemOf(record.executionArn);
    const path = join(this.directory, fileName(stem, revision));
    const text = JSON.stringify(record);
    const landed = () => {
      // The newest revision on disk wins; an older one that landed late is deleted.
      const older = Math.min(state.onDisk, revision);
      const newer = Math.max(state.onDisk, revision);
      state.onDisk = newer;
      if (newer === revision) this.letGo(arn);
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

/** The file name an execution's revisions share: its state machine and its name. */
function stemOf(executionArn: string): string {
  return encodeURIComponent(executionArn.split(':').slice(-2).join(':'));
}

function fileName(stem: string, revision: number): string {
  return revision < 0 ? `${stem}.json` : `${stem}@${revision}.json`;
}
