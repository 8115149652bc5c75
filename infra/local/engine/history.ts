/**
 * Execution histories as GetExecutionHistory returns them: events numbered and linked as AWS
 * numbers them, the library's state events translated into AWS's, nothing recorded after the end.
 */
import type { LibraryEvent } from './library.ts';
import type { ExecutionRecord, ExecutionStore, HistoryEvent } from './store.ts';

const TERMINAL_EVENTS = new Set([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
]);

export class Histories {
  /** Per execution, the state whose error a Catch just took (its exit event is not recorded). */
  private readonly caught = new Map<string, string>();

  private readonly store: ExecutionStore;

  constructor(store: ExecutionStore) {
    this.store = store;
  }

  append(record: ExecutionRecord, type: string, details: Record<string, unknown>): void {
    const previous = record.history.at(-1);
    // As in AWS, an ended execution records nothing more (e.g. a task of a Parallel branch that
    // was still waiting when another branch failed, finishing after the execution did).
    if (previous && TERMINAL_EVENTS.has(previous.type) && type !== 'ExecutionRedriven') return;
    const event: HistoryEvent = {
      id: (previous?.id ?? 0) + 1,
      previousEventId: previous?.id ?? 0,
      timestamp: new Date().toISOString(),
      type,
      ...details,
    };
    record.history.push(event);
    this.store.changed(record);
  }

  /**
   * One event of the library's log, as AWS records it. Entering a top-level state also moves the
   * execution's resume point there (where a restart re-enters and a redrive starts again).
   */
  recordLibraryEvent(record: ExecutionRecord, event: LibraryEvent, topLevel: Set<string>): void {
    switch (event.type) {
      case 'StateEntered':
        if (topLevel.has(event.state.name) && event.index === undefined) {
          record.resumePoint = { state: event.state.name, input: event.state.input };
        }
        this.append(record, `${event.state.type}StateEntered`, {
          stateEnteredEventDetails: {
            name: event.state.name,
            input: JSON.stringify(event.state.input ?? null),
          },
        });
        break;
      case 'StateExited':
        // AWS records no exit for a state whose error a Catch took; the next state's entry follows.
        if (this.caught.get(record.executionArn) === event.state.name) {
          this.caught.delete(record.executionArn);
          break;
        }
        this.append(record, `${event.state.type}StateExited`, {
          stateExitedEventDetails: {
            name: event.state.name,
            output: JSON.stringify(event.state.output ?? null),
          },
        });
        break;
      case 'StateCaught':
        this.caught.set(record.executionArn, event.state.name);
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.append(record, event.type, {
          mapIterationEventDetails: { name: event.parentState.name, index: event.index },
        });
        break;
      default:
        // Execution start/end are recorded by the engine; branch and failure events have no AWS twin.
        break;
    }
  }
}

/** GetExecutionHistory with `includeExecutionData: false`: inputs, outputs and parameters left out. */
export function withoutData(event: HistoryEvent): HistoryEvent {
  const copy = structuredClone(event);
  for (const value of Object.values(copy)) {
    if (value && typeof value === 'object') {
      for (const key of ['input', 'output', 'parameters']) delete (value as Record<string, unknown>)[key];
    }
  }
  return copy;
}
