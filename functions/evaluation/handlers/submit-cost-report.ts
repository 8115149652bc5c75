/**
 * POST /cost-reports/{reportId} (form: token, actualCostEur, note, confirmAmount): records the project's
 * actual annual security cost, or corrects it, until the deadline, with one conditional write that
 * refuses a closed report. The amount is taken as people type it (`148250.00`, `148 250,00`); it must be
 * plausible: at most the fund's yearly cap (else 400), and one more than twice what was committed is
 * taken only once confirmed (422 with the form asking, until `confirmAmount` carries that amount).
 * Every refusal answers the form again naming the field, and records nothing. Past the deadline 410; an
 * unknown link or token 404. Escaping is the page renderer's job; nothing the form sent is trusted.
 */

import { parseTypedEuros } from '../../funding/domain/money.ts';
import { COMMENT_MAX_LENGTH } from '../../pages/pages.ts';
import { type FormContext, formBody } from '../../platform/forms.ts';
import { bodyBytes, publicHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { html } from '../../sign-off/approval-links.ts';
import { costReportLanguage, costReportMessage, reportForm } from '../cost-report-links.ts';
import { isReportClosed, reportForLink, submitReport } from '../data/cost-reports.ts';
import { COST_REPORT_MAX_EUR_CENTS, costNeedsConfirmation } from '../domain/evaluation.ts';
import {
  type CostReportPageModel,
  costReportFieldErrors,
  renderCostReportPage,
  renderCostReportReceived,
} from '../evaluation-pages.ts';

const MAX_FORM_BYTES = 16 * 1024;

export const handler = publicHandler<FormContext>(async (event, context) => {
  const bytes = bodyBytes(event);
  const form = context.form;
  const language = costReportLanguage(event, form?.get('lang'));
  if (!form) return costReportMessage(bytes.length > MAX_FORM_BYTES ? 'TOO_LARGE' : 'UNSUPPORTED', language);
  const token = form.get('token') ?? undefined;
  const report = await reportForLink(event.pathParameters?.reportId, token);
  if (!report) return costReportMessage('NOT_FOUND', language);
  const now = new Date();
  const closed = () => costReportMessage(report.status === 'SUBMITTED' ? 'CLOSED' : 'EXPIRED', language);
  if (isReportClosed(report, now)) return closed();

  const amountText = form.get('actualCostEur') ?? '';
  const note = (form.get('note') ?? '').trim();
  const actualEurCents = parseTypedEuros(amountText);
  const messages = costReportFieldErrors(language);
  const errors: NonNullable<CostReportPageModel['errors']> = [];
  let confirm: CostReportPageModel['confirm'];
  if (actualEurCents === null) errors.push({ field: 'actualCostEur', message: messages.amount });
  else if (actualEurCents > COST_REPORT_MAX_EUR_CENTS) {
    errors.push({ field: 'actualCostEur', message: messages.tooHigh(COST_REPORT_MAX_EUR_CENTS) });
  } else if (
    costNeedsConfirmation(actualEurCents, report.fundedEurCents) &&
    form.get('confirmAmount') !== String(actualEurCents)
  ) {
    // The confirmation names the amount it confirms: changing the figure asks again.
    errors.push({ field: 'actualCostEur', message: messages.confirm(actualEurCents, report.fundedEurCents) });
    confirm = { eurCents: actualEurCents };
  }
  if (note.length > COMMENT_MAX_LENGTH) errors.push({ field: 'note', message: messages.note });
  if (actualEurCents === null || errors.length > 0) {
    return html(
      confirm && errors.length === 1 ? 422 : 400,
      renderCostReportPage({
        ...reportForm(report, token, language),
        values: { actualCostEur: amountText.slice(0, 40), note: note.slice(0, COMMENT_MAX_LENGTH) },
        errors,
        ...(confirm ? { confirm } : {}),
      }),
    );
  }

  const result = await submitReport(report.reportId, actualEurCents, note || undefined, now);
  if (result.outcome === 'CLOSED') return closed();
  const submitted = result.report;
  logger.info('cost report submitted', {
    reportId: submitted.reportId,
    proposalId: submitted.proposalId,
    correction: submitted.firstSubmittedAt !== submitted.submittedAt,
  });
  return html(
    200,
    renderCostReportReceived({
      language,
      fundYear: submitted.fundYear,
      title: submitted.title,
      actualEurCents,
      expiresAt: submitted.expiresAt,
    }),
  );
}, formBody(MAX_FORM_BYTES));
