/**
 * Form POSTs, as a browser (urlencoded) or a script (`curl -F`, multipart) sends them, read by middy's
 * `http-urlencode-body-parser` and `http-multipart-body-parser` (busboy, with limits). In a module of its
 * own so that only the handlers that take forms bundle busboy.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import httpMultipartBodyParser from '@middy/http-multipart-body-parser';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type { Context } from 'aws-lambda';
import { bodyBytes, type HttpEvent, type HttpResult } from './http.ts';

export interface FormFields {
  get(name: string): string | null;
}

/** What `formBody` hands a handler: the form's fields, or undefined when the body is not one it takes. */
export type FormContext = Context & { form?: FormFields };

/**
 * Puts the form's fields in `context.form`; leaves it undefined for any other body, one over `maxBytes`
 * (checked before anything is parsed), or one the parsers refuse. A refusal is the handler's to answer:
 * the public pages answer with a page in the reader's language, not a JSON error.
 */
export function formBody(maxBytes: number): MiddlewareObj<HttpEvent, HttpResult, Error, FormContext> {
  // The parsers replace the event's body with the fields: they run on a copy, so the handler keeps the
  // request as it came (its size, its raw bytes). A body that is neither kind passes through unchanged.
  const read = middy()
    .use(httpUrlencodeBodyParser({ disableContentTypeError: true }))
    .use(
      httpMultipartBodyParser({
        disableContentTypeError: true,
        busboy: { limits: { fieldSize: maxBytes, fields: 100, parts: 100, files: 0 } },
      }),
    )
    .handler(async (event: { body?: unknown }) => event.body);
  return {
    before: async (request) => {
      delete request.context.form;
      if (bodyBytes(request.event).length > maxBytes) return;
      let fields: unknown;
      try {
        fields = await read({ ...request.event, body: request.event.body ?? '' }, request.context);
      } catch {
        return; // malformed multipart: not a form this handler takes
      }
      if (fields && typeof fields === 'object') request.context.form = fieldsOf(fields);
    },
  };
}

/** A field's value as URLSearchParams would give it: the first of repeated values, never a file. */
function fieldsOf(fields: object): FormFields {
  return {
    get: (name) => {
      const value: unknown = Object.hasOwn(fields, name) ? Reflect.get(fields, name) : undefined;
      const first: unknown = Array.isArray(value) ? value[0] : value;
      return typeof first === 'string' ? first : null;
    },
  };
}
