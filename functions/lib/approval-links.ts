/** Reading a sign-off link: which request, which token, which stage that token was sent with. */

import { getRequest, hashToken, type SignOffRequest } from '../data/sign-offs.ts';
import { languageOf, type SignOffStage } from '../domain/sign-off.ts';
import type { HttpEvent, HttpResult } from './http.ts';
import { type MessageKind, parseLanguage, renderMessageFor, securityHeaders } from './pages.ts';

const APPROVAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The request a link names, if the token is one that was sent for it. Anything else looks the same. */
export async function requestForLink(
  approvalId: string | undefined,
  token: string | undefined,
): Promise<{ request: SignOffRequest; stage: SignOffStage } | undefined> {
  if (!approvalId || !APPROVAL_ID.test(approvalId) || !token || token.length > 200) return undefined;
  const request = await getRequest(approvalId);
  const stage = request?.tokens?.[hashToken(token)];
  return request && stage ? { request, stage } : undefined;
}

export function html(statusCode: number, body: string): HttpResult {
  return { statusCode, headers: securityHeaders(), body };
}

export function message(kind: MessageKind, language: 'en' | 'fr'): HttpResult {
  const { httpStatus, html: body } = renderMessageFor(kind, language);
  return html(httpStatus, body);
}

/** The page language: `lang` if given, else the authority's (French for FR and the road authority). */
export function pageLanguage(event: HttpEvent, requested: unknown, request?: SignOffRequest): 'en' | 'fr' {
  return parseLanguage(requested) ?? (request ? languageOf(request.authority) : languageFromHeader(event));
}

function languageFromHeader(event: HttpEvent): 'en' | 'fr' {
  const accept = event.headers?.['accept-language'] ?? '';
  return /^\s*fr\b/i.test(accept) ? 'fr' : 'en';
}
