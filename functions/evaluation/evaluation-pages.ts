/**
 * The annual evaluation's pages: the cost report form the port authority's emailed link opens (a GET
 * shows it and changes nothing; only its POST reports), the answers to that POST, and the evaluation
 * report finance reads. Pure functions on the shared shell, `html` tag and copy catalogue (pages.ts).
 */

import * as copy from '../pages/copy/index.ts';
import { money as intlMoney } from '../pages/format.ts';
import {
  COMMENT_MAX_LENGTH,
  definitionList,
  formatDateTime,
  formatEurAndGbp,
  languageSwitch,
  renderMessagePage,
  shell,
} from '../pages/pages.ts';
import { type Html, html, join, trusted } from '../platform/html.ts';
import type { Language } from '../sign-off/domain/sign-off.ts';
import type { EvaluationView } from './evaluation-view.ts';

export interface CostReportPageModel {
  reportId: string;
  token: string;
  language: Language;
  fundYear: number;
  proposalId: string;
  title: string;
  fundedEurCents: number;
  expiresAt: string;
  /** What the person typed, shown again with the problems when a POST is refused. */
  values?: { actualCostEur?: string; note?: string };
  errors?: { field: 'actualCostEur' | 'note'; message: string }[];
  /** A figure far above the commitment: the form asks to confirm it (the checkbox carries its cents). */
  confirm?: { eurCents: number };
  /** What was reported so far (the form corrects it until every report is in or the deadline). */
  current?: { eurCents: number; at: string; note?: string };
}

/** The form a cost report link opens: what is asked, the amount field, an optional note, one button. */
export function renderCostReportPage(model: CostReportPageModel): string {
  const { language } = model;
  const t = copy.costReportForm[language];
  const heading = `${t.heading(model.fundYear)}${language === 'fr' ? ' : ' : ': '}${model.title}`;
  const errors = model.errors ?? [];
  const errorFor = (field: string) => errors.find((error) => error.field === field);
  const amountError = errorFor('actualCostEur');
  const noteError = errorFor('note');
  const summary =
    errors.length > 0 &&
    html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title">
<h2 id="error-summary-title">${t.problem}</h2>
<ul>${errors.map((error) => html`<li><a href="#${error.field}">${error.message}</a></li>`)}</ul>
</div>`;
  const describedBy = ['actualCostEur-hint', ...(amountError ? ['actualCostEur-error'] : [])].join(' ');
  const body = html`<h1>${heading}</h1>
${summary}
<p>${t.intro(model.fundYear)}</p>
${model.current && html`<p class="current">${t.current(formatEurAndGbp(model.current.eurCents, language), formatDateTime(model.current.at, language))}</p>`}
${definitionList([
  [t.project, model.title],
  [t.reference, model.proposalId],
  [t.fundYear, String(model.fundYear)],
  [t.committed(model.fundYear + 1), formatEurAndGbp(model.fundedEurCents, language)],
  [t.dueBy, formatDateTime(model.expiresAt, language)],
])}
<form method="post" action="${`/cost-reports/${encodeURIComponent(model.reportId)}`}" novalidate>
<input type="hidden" name="token" value="${model.token}">
<input type="hidden" name="lang" value="${language}">
<input type="hidden" name="askToConfirm" value="1">
<div class="field${amountError ? ' field-error' : ''}">
<label for="actualCostEur">${t.amountLabel(model.fundYear)}</label>
<p class="hint" id="actualCostEur-hint">${t.amountHint}</p>
${amountError && html`<p class="error-message" id="actualCostEur-error">${amountError.message}</p>`}
<input type="text" id="actualCostEur" name="actualCostEur" inputmode="decimal" autocomplete="off" spellcheck="false" required aria-describedby="${describedBy}"${amountError && trusted(' aria-invalid="true"')} value="${model.values?.actualCostEur ?? ''}">
${model.confirm && html`<p class="checkbox"><input type="checkbox" id="confirmAmount" name="confirmAmount" value="${String(model.confirm.eurCents)}"><label for="confirmAmount">${t.confirmLabel(intlMoney(model.confirm.eurCents, 'EUR', language), intlMoney(model.fundedEurCents, 'EUR', language))}</label></p>`}
</div>
<div class="field${noteError ? ' field-error' : ''}">
<label for="note">${t.noteLabel}</label>
${noteError && html`<p class="error-message" id="note-error">${noteError.message}</p>`}
<textarea id="note" name="note" rows="4" maxlength="${COMMENT_MAX_LENGTH}"${noteError && trusted(' aria-invalid="true" aria-describedby="note-error"')}>${model.values?.note ?? model.current?.note ?? ''}</textarea>
</div>
<p>${t.formNote}</p>
<button type="submit" class="send">${t.submit}</button>
</form>`;
  return shell(language, heading, languageSwitch(language, { token: model.token }), body);
}

/** What a refused amount or note is called on the form, per language. */
export function costReportFieldErrors(language: Language) {
  const t = copy.costReportForm[language];
  return {
    amount: t.amountError,
    tooHigh: (capEurCents: number) => t.amountTooHigh(intlMoney(capEurCents, 'EUR', language)),
    confirm: (eurCents: number, fundedEurCents: number) =>
      t.confirmError(intlMoney(eurCents, 'EUR', language), intlMoney(fundedEurCents, 'EUR', language)),
    note: t.noteError(COMMENT_MAX_LENGTH),
  };
}

export type CostReportMessageKind = 'CLOSED' | 'EXPIRED' | 'NOT_FOUND' | 'UNSUPPORTED' | 'TOO_LARGE';

const COST_REPORT_STATUS: Record<CostReportMessageKind, number> = {
  CLOSED: 410,
  EXPIRED: 410,
  NOT_FOUND: 404,
  UNSUPPORTED: 415,
  TOO_LARGE: 413,
};

export function renderCostReportMessage(
  kind: CostReportMessageKind,
  language: Language,
): { httpStatus: number; html: string } {
  return {
    httpStatus: COST_REPORT_STATUS[kind],
    html: renderMessagePage({ language, status: 'error', ...copy.costReportMessages[language][kind] }),
  };
}

/** The answer to an accepted report: what was recorded and what happens next. */
export function renderCostReportReceived(input: {
  language: Language;
  fundYear: number;
  title: string;
  actualEurCents: number;
  /** Until when it can be corrected at the latest (sooner once every report of the round is in). */
  expiresAt: string;
}): string {
  const t = copy.costReportReceived[input.language];
  return renderMessagePage({
    language: input.language,
    title: t.title,
    message: t.message(
      formatEurAndGbp(input.actualEurCents, input.language),
      input.fundYear,
      input.title,
      formatDateTime(input.expiresAt, input.language),
    ),
  });
}

/** The evaluation report as a body (the report page, and the admin page around it, use it). */
export function evaluationReportBody(view: EvaluationView, language: Language): Html {
  const t = copy.evaluationReport[language];
  const label = (status: string) => t.statuses[status] ?? status;
  const when = (iso: string | undefined) => (iso ? formatDateTime(iso, language) : '–');
  const money = (eurCents: number | null, gbpPence: number | null) =>
    eurCents === null || gbpPence === null
      ? html`<td class="num">${t.notReported}</td>`
      : html`<td class="num">${intlMoney(eurCents, 'EUR', language)}<br>${intlMoney(gbpPence, 'GBP', language)}</td>`;
  const { totals } = view;
  const nl = trusted('\n');
  const linesTable =
    view.lines.length === 0
      ? html`<p>${t.noLines}</p>`
      : html`<div class="table-wrap"><table>
<caption>${t.linesCaption(view.fundYear, view.nextFundYear)}</caption>
<thead><tr><th scope="col">${t.project}</th><th scope="col">${t.report}</th><th scope="col">${t.committed}</th><th scope="col">${t.actualCost}</th><th scope="col">${t.tranche}</th><th scope="col">${t.payment}</th></tr></thead>
<tbody>
${join(
  view.lines.map(
    (line) =>
      html`<tr><th scope="row">${line.title}<br><small>${line.proposalId}</small></th><td>${label(line.reportStatus)}</td>${money(line.fundedEurCents, line.fundedGbpPence)}${money(line.actualEurCents, line.actualGbpPence)}${money(line.nextTrancheEurCents, line.nextTrancheGbpPence)}<td>${line.paymentReference ?? '–'}</td></tr>`,
  ),
  nl,
)}
</tbody>
<tfoot><tr><th scope="row" colspan="2">${t.total}</th>${money(totals.fundedEurCents, totals.fundedGbpPence)}${money(totals.actualEurCents, totals.actualGbpPence)}${money(totals.nextTrancheEurCents, totals.nextTrancheGbpPence)}<td></td></tr></tfoot>
</table></div>`;
  const signOffs =
    view.signOffs.length === 0
      ? html`<p>${t.notAsked}</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">${t.authority}</th><th scope="col">${t.status}</th><th scope="col">${t.decided}</th><th scope="col">${t.comment}</th></tr></thead><tbody>
${join(
  view.signOffs.map(
    (signOff) =>
      html`<tr><th scope="row">${signOff.authority}</th><td>${label(signOff.status)}</td><td>${when(signOff.decidedAt ?? undefined)}</td><td>${signOff.comment ?? ''}</td></tr>`,
  ),
  nl,
)}
</tbody></table></div>`;
  const reports =
    view.reports.length === 0
      ? html`<p>${t.noneAsked}</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">${t.project}</th><th scope="col">${t.status}</th><th scope="col">${t.submitted}</th><th scope="col">${t.note}</th></tr></thead><tbody>
${join(
  view.reports.map(
    (report) =>
      html`<tr><th scope="row">${report.title}<br><small>${report.proposalId}</small></th><td>${label(report.status)}</td><td>${when(report.submittedAt)}</td><td>${report.note ?? ''}</td></tr>`,
  ),
  nl,
)}
</tbody></table></div>`;
  const facts: [string, string][] = [
    [t.reference, view.evaluationId],
    [t.round, String(view.round)],
    [t.status, label(view.status)],
    [t.started, when(view.startedAt)],
    [t.dueBy, when(view.reportsDueBy)],
    [t.decided, when(view.decidedAt)],
  ];
  if (view.earlyStart) {
    facts.push([t.earlyStart, t.earlyReason(when(view.earlyStart.opensAt), view.earlyStart.reason)]);
  }
  if (view.reason) facts.push([t.reason, view.reason]);
  const previous =
    view.previousRounds.length > 0 &&
    html`<h2>${t.previousRounds}</h2>
<ul class="rounds">${view.previousRounds.map(
      (round) =>
        html`<li>${t.roundOutcome(round.round, round.evaluationId)}: ${label(round.status)}${round.decidedAt ? html` (${when(round.decidedAt)})` : ''}${round.reason ? html`. ${t.reason}: ${round.reason}` : ''}${round.earlyStart ? html`. ${t.earlyStart}${round.earlyStart.reason ? html`: ${round.earlyStart.reason}` : ''}` : ''}</li>`,
    )}</ul>`;
  return html`${definitionList(facts)}
<h2>${t.lines}</h2>
${linesTable}
<h2>${t.signOffs}</h2>
${signOffs}
<h2>${t.costReports}</h2>
${reports}
${previous}
<p>${t.rule(view.rate.gbpPerEur)}</p>`;
}

/** The evaluation report as a page (finance asks for it with `Accept: text/html`). */
export function renderEvaluationReportPage(view: EvaluationView, language: Language = 'en'): string {
  const title = copy.evaluationReport[language].title(view.fundYear);
  return shell(
    language,
    title,
    '',
    html`<h1>${title}</h1>
${evaluationReportBody(view, language)}`,
  );
}
