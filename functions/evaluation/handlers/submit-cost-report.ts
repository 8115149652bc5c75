/**
 * POST /cost-reports/{reportId} (form: token, actualCostEur, note): records the project's actual
 * annual security cost with one conditional write (PENDING to SUBMITTED), then completes the workflow
 * task waiting for it with `{actualEurCents}`. An amount that is not decimal euros answers 400 with the
 * form again, naming the field; a second POST 409; a report past its deadline 410; an unknown link or
 * token 404. Escaping is the page renderer's job; nothing the form sent is trusted.
 */
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { parseDecimalEuros } from '../../funding/domain/money.ts';
import { COMMENT_MAX_LENGTH } from '../../pages/pages.ts';
import { bodyBytes, formFields, publicHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { sfn } from '../../platform/sfn.ts';
import { html } from '../../sign-off/approval-links.ts';
import { costReportLanguage, costReportMessage } from '../cost-report-links.ts';
import { isReportExpired, reportForLink, reportOutcome, submitReport } from '../data/cost-reports.ts';
import {
  COST_REPORT_FIELD_ERRORS,
  type CostReportPageModel,
  renderCostReportPage,
  renderCostReportReceived,
} from '../evaluation-pages.ts';

const MAX_FORM_BYTES = 16 * 1024;

export const handler = publicHandler(async (event) => {
  const bytes = bodyBytes(event);
  const form = await formFields(event, MAX_FORM_BYTES);
  const language = costReportLanguage(event, form?.get('lang'));
  if (!form) return costReportMessage(bytes.length > MAX_FORM_BYTES ? 'TOO_LARGE' : 'UNSUPPORTED', language);
  const token = form.get('token') ?? undefined;
  const report = await reportForLink(event.pathParameters?.reportId, token);
  if (!report) return costReportMessage('NOT_FOUND', language);
  const now = new Date();
  if (isReportExpired(report, now)) return costReportMessage('EXPIRED', language);
  if (report.status !== 'PENDING') return costReportMessage('ALREADY_SUBMITTED', language);

  const amountText = form.get('actualCostEur') ?? '';
  const note = (form.get('note') ?? '').trim();
  const actualEurCents = parseDecimalEuros(amountText);
  const errors: NonNullable<CostReportPageModel['errors']> = [];
  if (actualEurCents === null)
    errors.push({ field: 'actualCostEur', message: COST_REPORT_FIELD_ERRORS[language].amount });
  if (note.length > COMMENT_MAX_LENGTH)
    errors.push({ field: 'note', message: COST_REPORT_FIELD_ERRORS[language].note });
  if (actualEurCents === null || errors.length > 0) {
    return html(
      400,
      renderCostReportPage({
        reportId: report.reportId,
        token: token ?? '',
        language,
        fundYear: report.fundYear,
        proposalId: report.proposalId,
        title: report.title,
        fundedEurCents: report.fundedEurCents,
        expiresAt: report.expiresAt,
        values: { actualCostEur: amountText.slice(0, 40), note: note.slice(0, COMMENT_MAX_LENGTH) },
        errors,
      }),
    );
  }

  const result = await submitReport(report.reportId, actualEurCents, note || undefined, now);
  if (result.outcome === 'EXPIRED') return costReportMessage('EXPIRED', language);
  if (result.outcome === 'ALREADY_SUBMITTED') return costReportMessage('ALREADY_SUBMITTED', language);
  const submitted = result.report;
  if (submitted.taskToken) {
    try {
      await sfn.send(
        new SendTaskSuccessCommand({
          taskToken: submitted.taskToken,
          output: JSON.stringify(reportOutcome(submitted)),
        }),
      );
    } catch (error) {
      // The task timed out a moment ago: the report is recorded, and the workflow's expiry step
      // finds it submitted and carries it on.
      logger.warn('task token no longer accepted; the workflow will pick the report up', {
        reportId: submitted.reportId,
        error: (error as Error).name,
      });
    }
  }
  logger.info('cost report submitted', { reportId: submitted.reportId, proposalId: submitted.proposalId });
  return html(
    200,
    renderCostReportReceived({
      language,
      fundYear: submitted.fundYear,
      title: submitted.title,
      actualEurCents,
    }),
  );
});
