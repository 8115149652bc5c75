/**
 * GET /cost-reports/{reportId}?token= (the port authority's emailed link): the cost report form.
 * It never records anything: mail scanners fetch every link, so only the form's POST reports a cost.
 * An unknown report or a wrong token answers the same 404, revealing nothing.
 */

import { publicHandler } from '../../platform/http.ts';
import { html } from '../../sign-off/approval-links.ts';
import { costReportLanguage, costReportMessage } from '../cost-report-links.ts';
import { isReportExpired, reportForLink } from '../data/cost-reports.ts';
import { renderCostReportPage } from '../evaluation-pages.ts';

export const handler = publicHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  const language = costReportLanguage(event, query.lang);
  const report = await reportForLink(event.pathParameters?.reportId, query.token);
  if (!report) return costReportMessage('NOT_FOUND', language);
  if (isReportExpired(report, new Date())) return costReportMessage('EXPIRED', language);
  if (report.status !== 'PENDING') return costReportMessage('ALREADY_SUBMITTED', language);
  return html(
    200,
    renderCostReportPage({
      reportId: report.reportId,
      token: query.token ?? '',
      language,
      fundYear: report.fundYear,
      proposalId: report.proposalId,
      title: report.title,
      fundedEurCents: report.fundedEurCents,
      expiresAt: report.expiresAt,
    }),
  );
});
