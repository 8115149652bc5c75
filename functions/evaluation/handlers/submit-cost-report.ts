/**
 * POST /cost-reports/{reportId} (form: token, actualCostEur, note, confirmAmount): records the project's
 * actual annual security cost, or corrects it, until every report of the round is in or the deadline,
 * whichever comes first, with one conditional write that refuses a closed report. The report that makes
 * the round complete also completes the flow's task waiting for the reports (reports-in.ts), so the
 * round moves on to sign-off at once. The amount is taken as people type it (`148250.00`, `148 250,00`);
 * it must be plausible: at most the fund's yearly cap (else 400). The page's form also asks for a
 * confirmation of an amount more than twice what was committed (it sends `askToConfirm`: 422 with the
 * form asking, until `confirmAmount` carries that amount); a client posting the contract's fields
 * (token, actualCostEur, note) is taken at its word, as the tranche is never above the commitment anyway.
 * Every refusal answers the form again naming the field, and records nothing. Closed 410; an
 * unknown link or token 404. Escaping is the page renderer's job; nothing the form sent is trusted.
 */

import { parseTypedEuros } from '../../funding/domain/money.ts';
import { COMMENT_MAX_LENGTH } from '../../pages/pages.ts';
import { type FormContext, formBody } from '../../platform/forms.ts';
import { bodyBytes, publicHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { html } from '../../sign-off/approval-links.ts';
import { costReportLanguage, costReportMessage, reportForm } from '../cost-report-links.ts';
import { type CostReport, isReportClosed, reportForLink, submitReport } from '../data/cost-reports.ts';
import { getEvaluation, roundOf } from '../data/evaluations.ts';
import { COST_REPORT_MAX_EUR_CENTS, costNeedsConfirmation } from '../domain/evaluation.ts';
import {
  type CostReportPageModel,
  costReportFieldErrors,
  renderCostReportPage,
  renderCostReportReceived,
} from '../evaluation-pages.ts';
import { completeWhenEveryReportIsIn } from '../reports-in.ts';

const MAX_FORM_BYTES = 16 * 1024;

/**
 * After a report is recorded: when it was the round's last one, the flow's waiting task is completed.
 * The report stands whatever happens here; a failure only leaves the flow to find the reports in at
 * its next wait (reminder or deadline), so it is logged, not answered.
 */
async function moveOnWhenEveryReportIsIn(report: CostReport): Promise<void> {
  try {
    const record = await getEvaluation(report.fundYear);
    if (!record?.reportsTaskToken || record.status !== 'COLLECTING_REPORTS') return;
    if (roundOf(record) !== (report.round ?? 1)) return;
    const outcome = await completeWhenEveryReportIsIn(record, record.reportsTaskToken, 'submitCostReport');
    if (outcome !== 'WAITING') logger.info('every cost report is in', { reportId: report.reportId, outcome });
  } catch (error) {
    logger.error('could not move the evaluation on; its next wait will', {
      reportId: report.reportId,
      error: error instanceof Error ? error.name : String(error),
    });
  }
}

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
    form.get('askToConfirm') === '1' &&
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
  await moveOnWhenEveryReportIsIn(submitted);
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
