/**
 * The local DynamoDB: dynalite, with the one repair it needs to run for days.
 *
 * dynalite 4.0.0 ends each Query and Scan stream by calling `iterator.return()`, which the
 * abstract-level 3 iterators under it (LevelDB's through classic-level, and memory-level's) do not
 * have: theirs is `close()`. So every Query and Scan left an iterator open for the life of the
 * process, each holding a LevelDB snapshot: memory that never came back (and old versions that
 * compaction cannot drop). The iterators get the `return()` dynalite calls, closing them.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import dynalite, { type DynaliteOptions } from 'dynalite';

interface IteratorClass {
  prototype: { close(): Promise<void>; return?: () => Promise<void> };
}

/** abstract-level's iterator classes, as loaded by each store dynalite uses (LevelDB, memory). */
export function iteratorClasses(): IteratorClass[] {
  const resolveFrom = (from: string, id: string) => createRequire(from).resolve(id);
  const fromDynalite = resolveFrom(import.meta.url, 'dynalite');
  const modules = new Set([
    resolveFrom(resolveFrom(resolveFrom(fromDynalite, 'level'), 'classic-level'), 'abstract-level'),
    resolveFrom(resolveFrom(fromDynalite, 'memory-level'), 'abstract-level'),
  ]);
  const load = createRequire(import.meta.url);
  return [...modules].flatMap((path) => {
    const lib = load(path) as Record<string, IteratorClass | undefined>;
    const classes = [lib.AbstractIterator, lib.AbstractKeyIterator, lib.AbstractValueIterator];
    if (classes.some((c) => typeof c?.prototype?.close !== 'function'))
      throw new Error(
        `${path}: abstract-level iterators without close(): the dynalite repair no longer applies`,
      );
    return classes.filter((c): c is IteratorClass => c !== undefined);
  });
}

let repaired = false;

/** A dynalite server (not listening yet) whose Query and Scan close what they open. */
export function localDynalite(options: DynaliteOptions): Server {
  if (!repaired) {
    for (const { prototype } of iteratorClasses()) {
      // Only where the library has none of its own (a later abstract-level may add it).
      prototype.return ??= function (this: { close(): Promise<void> }) {
        return this.close();
      };
    }
    repaired = true;
  }
  return dynalite(options);
}
