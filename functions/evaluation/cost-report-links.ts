/** Answering a cost report link: the page's language, and the usual answers as pages. */

import { parseLanguage } from '../pages/pages.ts';
import { type HttpEvent, type HttpResult, header } from '../platform/http.ts';
import { html as page } from '../sign-off/approval-links.ts';
import type { Language } from '../sign-off/domain/sign-off.ts';
import { type CostReportMessageKind, renderCostReportMessage } from './evaluation-pages.ts';

export function costReportMessage(kind: CostReportMessageKind, language: Language): HttpResult {
  const { httpStatus, html } = renderCostReportMessage(kind, language);
  return page(httpStatus, html);
}

/** `lang` if given, else the browser's preference, else French (the port authority of Calais). */
export function costReportLanguage(event: HttpEvent, requested: unknown): Language {
  const chosen = parseLanguage(requested);
  if (chosen) return chosen;
  return /^\s*en\b/i.test(header(event, 'accept-language') ?? '') ? 'en' : 'fr';
}
