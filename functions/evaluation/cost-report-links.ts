/** Answering a cost report link: the page's language, and the usual answers as pages. */

import { parseLanguage } from '../pages/pages.ts';
import { requirePublicBaseUrl } from '../platform/config.ts';
import { type HttpEvent, type HttpResult, header } from '../platform/http.ts';
import { html as page } from '../sign-off/approval-links.ts';
import { hashToken, newLinkToken } from '../sign-off/data/sign-offs.ts';
import type { Language } from '../sign-off/domain/sign-off.ts';
import { addReportToken, type CostReport } from './data/cost-reports.ts';
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

/** What the report's form shows of the report, whichever answer (the form, or its errors) renders it. */
export function reportForm(report: CostReport, token: string | undefined, language: Language) {
  return {
    reportId: report.reportId,
    token: token ?? '',
    language,
    fundYear: report.fundYear,
    proposalId: report.proposalId,
    title: report.title,
    fundedEurCents: report.fundedEurCents,
    expiresAt: report.expiresAt,
  };
}

/** A new link to a report's form (its token's hash is kept; every link stays valid until the report closes). */
export async function issueCostReportLink(reportId: string): Promise<string> {
  const token = newLinkToken();
  await addReportToken(reportId, hashToken(token));
  return `${requirePublicBaseUrl()}/cost-reports/${reportId}?token=${encodeURIComponent(token)}`;
}
