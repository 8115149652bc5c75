/** Reading a sign-off link: which request, which token, which stage that token was sent with. */

import * as copy from '../pages/copy/index.ts';
import {
  type MessageKind,
  pageHeaders,
  parseLanguage,
  renderMessageFor,
  renderMessagePage,
  renderReceiptPage,
} from '../pages/pages.ts';
import type { HttpEvent, HttpResult } from '../platform/http.ts';
import { logger } from '../platform/logger.ts';
import { getRequest, hashToken, type SignOffRequest, type WithdrawalCause } from './data/sign-offs.ts';
import {
  AUTHORITY_NAMES,
  hasExpired,
  type Language,
  languageOf,
  type SignOffStage,
} from './domain/sign-off.ts';
import { subjectTitle } from './subjects.ts';

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

/**
 * The answer a link gets once its request can no longer be decided, or undefined while it can:
 * expired (410: its own deadline passed, or the other side's: withdrawn because it expired, saying so),
 * withdrawn because the other side rejected (409, saying so), or already decided (409, with the receipt: what was decided, by whom, when).
 */
export async function closedAnswer(
  request: SignOffRequest,
  now: Date,
  language: Language,
): Promise<HttpResult | undefined> {
  if (hasExpired(request, now)) return message('EXPIRED', language);
  // Withdrawn because the other side let its request expire: the subject expired (410), as its own would.
  if (request.status === 'WITHDRAWN')
    return html(
      request.withdrawnBecause?.outcome === 'EXPIRED' ? 410 : 409,
      withdrawnPage(request.withdrawnBecause, language),
    );
  if (request.status !== 'PENDING')
    return (await receipt(request, language, true)) ?? message('ALREADY_DECIDED', language);
  return undefined;
}

/**
 * The receipt of a decided request (200 right after the decision, 409 when the link is used again),
 * or undefined if the request is not decided or its subject is gone.
 */
export async function receipt(
  request: SignOffRequest,
  language: Language,
  reopened: boolean,
): Promise<HttpResult | undefined> {
  if ((request.status !== 'APPROVED' && request.status !== 'REJECTED') || !request.decidedAt)
    return undefined;
  // A proposal's title was kept on the request when it was made; else it is read. The decision is
  // recorded whatever happens here: a failed read shows the plain message instead.
  const kept =
    request.subjectType === 'PROPOSAL' && request.subjectTitle !== undefined
      ? { title: request.subjectTitle, reference: request.subjectId }
      : undefined;
  const subject =
    kept ??
    (await subjectTitle(request.subjectType, request.subjectId).catch((error: Error) => {
      logger.warn('receipt without its subject', { approvalId: request.approvalId, error: error.name });
      return undefined;
    }));
  if (!subject) return undefined;
  return html(
    reopened ? 409 : 200,
    renderReceiptPage({
      language,
      title: subject.title,
      reference: subject.reference,
      authority: request.authority,
      decision: request.status,
      byDeputy: request.decidedStage === 'DEPUTY',
      decidedAt: request.decidedAt,
      ...(request.comment ? { comment: request.comment } : {}),
      reopened,
    }),
  );
}

function withdrawnPage(cause: WithdrawalCause | undefined, language: Language): string {
  const t = copy.withdrawn[language];
  const name = cause ? AUTHORITY_NAMES[cause.authority][language] : '';
  const text = !cause ? t.other : cause.outcome === 'REJECTED' ? t.rejected(name) : t.expired(name);
  return renderMessagePage({ language, status: 'error', title: t.title, message: text });
}

export function html(statusCode: number, body: string): HttpResult {
  return { statusCode, headers: pageHeaders(), body };
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
