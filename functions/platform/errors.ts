/**
 * Named errors. Domain and data code throw these; only the HTTP edge turns them into status codes,
 * and only an error marked `expose` shows its message to the caller.
 */
import type { FieldError } from '../proposals/domain/proposal.ts';

export class HttpError extends Error {
  readonly expose = true;
  readonly statusCode: number;
  readonly errors: FieldError[];
  constructor(statusCode: number, message: string, errors: FieldError[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.statusCode = statusCode;
    this.errors = errors;
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, errors: FieldError[] = []) => new HttpError(400, message, errors);
export const unauthorized = () => new HttpError(401, 'Unauthorized');
export const forbidden = (message = 'Your role may not do this') => new HttpError(403, message);
export const notFound = (message = 'Not found') => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);
export const gone = (message: string) => new HttpError(410, message);
export const payloadTooLarge = (message: string) => new HttpError(413, message);
export const unsupportedMediaType = (message: string) => new HttpError(415, message);
export const unprocessable = (message: string, errors: FieldError[] = []) =>
  new HttpError(422, message, errors);

/** Raised inside workflows; Step Functions matches Retry and Catch on the name. */
export class WorkflowError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}
