/**
 * Form POSTs, as a browser (urlencoded) or a script (`curl -F`, multipart) sends them, read by the
 * Fetch API's own form parser (`Response.formData()`, undici inside Node: no dependency to bundle;
 * busboy through middy's multipart parser was 28 KiB of every form handler's bundle).
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { bodyBytes, type HttpEvent, type HttpResult, header } from './http.ts';

export interface FormFields {
  get(name: string): string | null;
}

/** What `formBody` hands a handler: the form's fields, or undefined when the body is not one it takes. */
export type FormContext = Context & { form?: FormFields };

const URLENCODED = /^application\/x-www-form-urlencoded(;.*)?$/i;
// A boundary of letters, digits and `-` (what browsers and curl send), as the README states.
const MULTIPART = /^multipart\/form-data; boundary=[a-zA-Z0-9-]{1,70}(; ?charset=[\w-]+)?$/i;

/**
 * Puts the form's fields in `context.form`; leaves it undefined for any other body, one over `maxBytes`
 * (checked before anything is parsed, so the parse is bounded), or a malformed one. A refusal is the
 * handler's to answer: the public pages answer with a page in the reader's language, not a JSON error.
 * The event is left as it came (its size, its raw bytes).
 */
export function formBody(maxBytes: number): MiddlewareObj<HttpEvent, HttpResult, Error, FormContext> {
  return {
    before: async (request) => {
      delete request.context.form;
      const bytes = bodyBytes(request.event);
      if (bytes.length > maxBytes) return;
      const contentType = header(request.event, 'content-type') ?? '';
      if (!URLENCODED.test(contentType) && !MULTIPART.test(contentType)) return;
      let fields: FormData;
      try {
        fields = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
      } catch {
        return; // malformed multipart: not a form this handler takes
      }
      request.context.form = fieldsOf(fields);
    },
  };
}

/** A field's value as URLSearchParams would give it: the first of repeated values, never a file. */
function fieldsOf(fields: FormData): FormFields {
  return {
    get: (name) => {
      const first = fields.get(name);
      return typeof first === 'string' ? first : null;
    },
  };
}
