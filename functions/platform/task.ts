/**
 * Workflow task handlers: middy with structured logging, and the task's input read through one valibot
 * schema. valibot rather than zod or Powertools Parser (zod underneath): every handler bundles valibot
 * already for its configuration and codecs, and it tree-shakes to the checks used, which keeps the
 * DynamoDB-only bundles small (issue 10). A malformed input fails at once, before any read or write,
 * with the feature's named `*.InvalidInput` error, which no Retry matches: a bad input is a bug in the
 * flow, and retrying it would only fail five times more slowly.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import * as v from 'valibot';
import { WorkflowError } from './errors.ts';
import { logger } from './logger.ts';

/** The error a task raises for an input its schema refuses, in its feature's namespace. */
export type InvalidInputError = `${string}.InvalidInput`;

export interface TaskInput<S extends v.GenericSchema> {
  schema: S;
  invalid: InvalidInputError;
}

/** What a task reads: its schema, and the error it raises for an input the schema refuses. */
export function taskInput<S extends v.GenericSchema>(schema: S, invalid: InvalidInputError): TaskInput<S> {
  return { schema, invalid };
}

/**
 * A task handler whose `fn` gets the input as its schema typed it; errors keep their names for Retry
 * and Catch. `use` adds a handler's own middlewares (its metrics flush, say).
 */
export function taskHandler<S extends v.GenericSchema, Out>(
  fn: (input: v.InferOutput<S>, context: Context) => Promise<Out>,
  input: TaskInput<S>,
  ...use: MiddlewareObj<unknown, Out>[]
) {
  return middy<unknown, Out>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(use)
    .handler(async (event, context) => fn(parseTaskInput(input, event), context));
}

/** The input as the schema reads it, or the named error listing each field refused and why. */
export function parseTaskInput<S extends v.GenericSchema>(
  input: TaskInput<S>,
  event: unknown,
): v.InferOutput<S> {
  const parsed = v.safeParse(input.schema, event);
  if (parsed.success) return parsed.output;
  const fields = parsed.issues.map((issue) => `${v.getDotPath(issue) ?? '(input)'}: ${issue.message}`);
  throw new WorkflowError(input.invalid, `Invalid task input: ${fields.join('; ')}`);
}

/** A non-empty string (ids, tokens, execution names). */
export const id = () => v.pipe(v.string(), v.minLength(1, 'must not be empty'));

/** A positive whole number (rounds, reminders). */
export const positiveInteger = () => v.pipe(v.number(), v.integer(), v.minValue(1));
