/**
 * Callback tasks (`.waitForTaskToken`), which aws-local-stepfunctions lacks: each run of such a task
 * gets a real token, answered through SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat until
 * the task ends (then, as in AWS, the token no longer works).
 */
import { randomBytes } from 'node:crypto';
import { type Json, TASK_TOKEN_PLACEHOLDER } from './definition.ts';
import { StepFunctionsApiError, TaskError } from './errors.ts';

export interface Waiter {
  token: string;
  executionArn: string;
  stateName: string;
  resolve(output: unknown): void;
  reject(error: Error): void;
  /** Re-armed by the task's HeartbeatSeconds, when it has one. */
  heartbeat(): void;
}

export class Callbacks {
  private readonly waiters = new Map<string, Waiter>();

  /** A new token for one run of a callback task, and what its answer settles. */
  open(executionArn: string, stateName: string): { waiter: Waiter; answered: Promise<unknown> } {
    const token = randomBytes(48).toString('base64url');
    let settle: { resolve(output: unknown): void; reject(error: Error): void } | undefined;
    const answered = new Promise<unknown>((resolve, reject) => {
      settle = { resolve, reject };
    });
    answered.catch(() => {}); // observed by the task; avoids an unhandled rejection while its call runs
    const waiter: Waiter = {
      token,
      executionArn,
      stateName,
      resolve: (output) => {
        this.waiters.delete(token);
        settle?.resolve(output);
      },
      reject: (error) => {
        this.waiters.delete(token);
        settle?.reject(error);
      },
      heartbeat: () => {},
    };
    this.waiters.set(token, waiter);
    return { waiter, answered };
  }

  /** The token no longer works (its task ended, timed out or failed to send it). */
  close(token: string): void {
    this.waiters.delete(token);
  }

  succeed(token: string, output: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new StepFunctionsApiError('InvalidOutput', 'Task output must be JSON');
    }
    this.require(token).resolve(parsed);
  }

  fail(token: string, error = '', cause = ''): void {
    this.require(token).reject(new TaskError(error, cause));
  }

  heartbeat(token: string): void {
    this.require(token).heartbeat();
  }

  /** The execution whose task holds a token still waiting, or undefined. */
  executionOf(token: string): string | undefined {
    return this.waiters.get(token)?.executionArn;
  }

  pending(executionArn?: string): { token: string; executionArn: string; stateName: string }[] {
    return [...this.waiters.values()]
      .filter((w) => !executionArn || w.executionArn === executionArn)
      .map(({ token, executionArn: arn, stateName }) => ({ token, executionArn: arn, stateName }));
  }

  /** Every task of an execution that ended stops waiting. */
  endExecution(executionArn: string, status: string): void {
    for (const [token, waiter] of this.waiters) {
      if (waiter.executionArn === executionArn) {
        this.waiters.delete(token);
        waiter.reject(new TaskError('States.Runtime', `execution ${status}`));
      }
    }
  }

  /** At shutdown: every waiting task settles (its run is detached and records nothing). */
  shutDown(): void {
    for (const waiter of this.waiters.values())
      waiter.reject(new TaskError('States.Runtime', 'engine shut down'));
    this.waiters.clear();
  }

  private require(token: string): Waiter {
    const waiter = this.waiters.get(token);
    if (!waiter)
      throw new StepFunctionsApiError('TaskDoesNotExist', 'Task Token does not exist or has expired');
    return waiter;
  }
}

/** The task's input with its token where the definition reads `$$.Task.Token`. */
export function withTaskToken(value: Json, token: string): Json {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => withTaskToken(v, token));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTaskToken(v, token)]));
  }
  return value;
}
