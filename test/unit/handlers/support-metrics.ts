/** Captures the EMF lines Powertools Metrics prints on stdout (what CloudWatch reads in Lambda). */
import { type MockInstance, vi } from 'vitest';

export interface EmfLine {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** Call before loading the handler: the metrics read their settings when first imported. */
export function enableMetrics(): void {
  // A developer shell may set POWERTOOLS_DEV, which would silence the metrics; Lambda sets neither.
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  delete process.env.POWERTOOLS_METRICS_NAMESPACE;
}

/** Runs `run`, and returns the EMF lines it printed (other stdout passes through). */
export async function emfPrintedBy(run: () => Promise<unknown>): Promise<EmfLine[]> {
  const lines: EmfLine[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const spy: MockInstance = vi.spyOn(process.stdout, 'write').mockImplementation(((
    chunk: string | Uint8Array,
    ...rest: never[]
  ) => {
    const text = String(chunk);
    if (text.startsWith('{"_aws"')) {
      lines.push(JSON.parse(text) as EmfLine);
      return true;
    }
    return original(chunk, ...rest);
  }) as typeof process.stdout.write);
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

/** Each metric printed, with its value, unit and namespace. */
export function metricsOf(
  lines: EmfLine[],
): { name: string; unit: string; value: unknown; namespace: string }[] {
  return lines.flatMap((line) =>
    line._aws.CloudWatchMetrics.flatMap((set) =>
      set.Metrics.map((m) => ({ name: m.Name, unit: m.Unit, value: line[m.Name], namespace: set.Namespace })),
    ),
  );
}
