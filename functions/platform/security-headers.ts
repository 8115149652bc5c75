/** The security headers of every answer the HTTP edge gives, on middy's `http-security-headers`. */
import type { MiddlewareObj } from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { Context } from 'aws-lambda';

/**
 * The headers every page is sent with, by middy's `http-security-headers` (helmet's set) configured to
 * our pages: no script anywhere, styles and images only from this site, forms posting only here. Helmet
 * defaults that would break them are turned off: `upgrade-insecure-requests` (local mode serves plain
 * http), `sandbox` (blocks the forms), `require-trusted-types-for` and `report-to` (no script, no
 * report endpoint), and COEP (nothing here is cross-origin isolated).
 */
export function pageSecurityHeaders(): MiddlewareObj {
  return httpSecurityHeaders(PAGE_SECURITY_HEADERS);
}

// middy's types say every CSP directive is a string; its code drops a falsy one (and adds a bare
// `sandbox` for the empty string), so `false` is how a default directive is left out.
const off = false as unknown as string;
const PAGE_SECURITY_HEADERS = {
  contentSecurityPolicy: {
    'default-src': "'none'",
    'style-src': "'self'",
    'img-src': "'self'",
    'form-action': "'self'",
    'frame-ancestors': "'none'",
    'base-uri': "'none'",
    sandbox: off,
    'report-to': off,
    'require-trusted-types-for': off,
    'upgrade-insecure-requests': off,
  },
  crossOriginEmbedderPolicy: false,
  reportTo: false,
  reportingEndpoints: false,
  strictTransportSecurity: { maxAge: 63072000, includeSubDomains: true, preload: false },
};

/**
 * The same headers as plain values, for a page served outside any handler (the local outbox): the
 * middleware's own after hook run over an empty answer, so there is one configuration.
 */
export function securityHeaderValues(): Record<string, string> {
  const response: { statusCode: number; headers: Record<string, unknown> } = { statusCode: 200, headers: {} };
  const context: Context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: '',
    functionVersion: '',
    invokedFunctionArn: '',
    memoryLimitInMB: '',
    awsRequestId: '',
    logGroupName: '',
    logStreamName: '',
    getRemainingTimeInMillis: () => 0,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  httpSecurityHeaders(PAGE_SECURITY_HEADERS).after?.({
    event: undefined,
    context,
    response,
    error: undefined,
    internal: {},
  });
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) values[name] = String(value);
  return values;
}
