/**
 * GET /cost-reports/{reportId}?token= (the port authority's emailed link): the cost report form, with
 * the figure reported so far when there is one (it can be corrected until every report of the round is
 * in or the deadline, whichever comes first), in the language of the email section whose link was
 * followed (`lang`). It never records anything: mail scanners fetch every link, so only the form's POST
 * reports a cost. An unknown report or a wrong token answers the same 404, revealing nothing; once the
 * report is closed (every report in, or the deadline), 410.
 */

import { publicHandler } from '../../platform/http.ts';
import { html } from '../../sign-off/approval-links.ts';
import { costReportLanguage, costReportMessage, reportForm } from '../cost-report-links.ts';
import { isReportClosed, reportForLink } from '../data/cost-reports.ts';
import { renderCostReportPage } from '../evaluation-pages.ts';

export const handler = publicHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  const language = costReportLanguage(event, query.lang);
  const report = await reportForLink(event.pathParameters?.reportId, query.token);
  if (!report) return costReportMessage('NOT_FOUND', language);
  if (isReportClosed(report, new Date())) {
    return costReportMessage(report.status === 'SUBMITTED' ? 'CLOSED' : 'EXPIRED', language);
  }
  return html(
    200,
    renderCostReportPage({
      ...reportForm(report, query.token, language),
      ...(report.status === 'SUBMITTED' && report.actualEurCents !== undefined && report.submittedAt
        ? {
            current: {
              eurCents: report.actualEurCents,
              at: report.submittedAt,
              ...(report.note ? { note: report.note } : {}),
            },
          }
        : {}),
    }),
  );
});
