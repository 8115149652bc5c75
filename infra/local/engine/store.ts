/**
 * Where the local engine keeps executions and their histories. In memory, and (with a directory)
 * one JSON file per execution, written after each change, so a restart can read them back.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
  /** RedriveExecution: how many times, and when last. */
  redriveCount?: number;
  redriveDate?: string;
  history: HistoryEvent[];
}

export class ExecutionStore {
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;

  constructor(private readonly directory?: string) {
    if (directory) {
      mkdirSync(directory, { recursive: true });
      for (const file of readdirSync(directory)) {
        if (!file.endsWith('.json')) continue;
        try {
          const record = JSON.parse(readFileSync(join(directory, file), 'utf8')) as ExecutionRecord;
          this.executions.set(record.executionArn, record);
        } catch {
          // A file cut short by a crash mid-write is skipped; writes go through a rename, so this is rare.
        }
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
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (!this.directory) return;
    for (const arn of this.dirty) {
      const record = this.executions.get(arn);
      if (!record) continue;
      const file = join(
        this.directory,
        `${encodeURIComponent(record.executionArn.split(':').slice(-2).join(':'))}.json`,
      );
      try {
        writeFileSync(`${file}.tmp`, JSON.stringify(record));
        renameSync(`${file}.tmp`, file);
      } catch (error) {
        // The directory went away (a test cleaning up, a --reset): memory stays the source of truth.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    this.dirty.clear();
  }
}
