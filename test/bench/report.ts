/**
 * The bench's one table: every figure is a row (section, measure, value, target, met), printed as
 * a Markdown table and written with its raw numbers as JSON to `bench-results/` (git-ignored).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Row {
  section: string;
  measure: string;
  /** What is printed. */
  value: string;
  /** The raw figures behind `value` (JSON only). */
  data?: Record<string, unknown>;
  target?: string;
  /** Undefined when the row has no target. */
  met?: boolean;
}

export class Report {
  readonly rows: Row[] = [];
  readonly startedAt = new Date();
  /** The machine is shared: wall times depend on what else runs (1-minute load average). */
  readonly loadAtStart = loadavg()[0] ?? 0;

  readonly mode: 'quick' | 'full';

  constructor(mode: 'quick' | 'full') {
    this.mode = mode;
  }

  add(row: Row): void {
    this.rows.push(row);
  }

  /** A latency distribution in ms: p50 / p95 / p99 / max. */
  latency(section: string, measure: string, samples: number[], extra: Partial<Row> = {}): void {
    const s = summarise(samples);
    this.add({
      section,
      measure,
      value: `n=${s.n} p50 ${ms(s.p50)} p95 ${ms(s.p95)} max ${ms(s.max)}`,
      data: { ...s, ...extra.data },
      ...(extra.target ? { target: extra.target, met: extra.met } : {}),
    });
  }

  machine(): string {
    const cpu = cpus();
    return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
  }

  load(): string {
    return `load average ${this.loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end`;
  }

  markdown(): string {
    const headers = ['section', 'measure', 'value', 'target', 'met'];
    const table = this.rows.map((r) => [
      r.section,
      r.measure,
      r.value,
      r.target ?? '',
      r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    ]);
    const widths = headers.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]?.length ?? 0)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
    return [
      `JIF bench (${this.mode}), ${this.startedAt.toISOString()}, ${this.machine()}, ${this.load()}`,
      '',
      line(headers),
      `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
      ...table.map(line),
    ].join('\n');
  }

  /** Writes `bench-results/<mode>-<timestamp>.json` and `latest-<mode>.json`; returns the path. */
  write(dir: string): string {
    mkdirSync(dir, { recursive: true });
    const body = JSON.stringify(
      {
        mode: this.mode,
        startedAt: this.startedAt.toISOString(),
        machine: this.machine(),
        load: this.load(),
        rows: this.rows,
      },
      null,
      2,
    );
    const file = join(dir, `${this.mode}-${this.startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, body);
    writeFileSync(join(dir, `latest-${this.mode}.json`), body);
    return file;
  }
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarise(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted.at(-1) ?? NaN,
    mean: sorted.length > 0 ? sum / sorted.length : NaN,
  };
}

export const ms = (v: number) =>
  v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(v < 10 ? 2 : 0)} ms`;
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
export const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}
