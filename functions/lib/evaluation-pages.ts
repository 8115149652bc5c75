/**
 * The annual evaluation's pages: the cost report form the port authority's emailed link opens (a GET
 * shows it and changes nothing; only its POST reports), the answers to that POST, and the evaluation
 * report finance reads. Pure functions; every value is escaped with html-escaper, and the pages share
 * the sign-off pages' shell, style and security headers (see pages.ts).
 */
import { escape as escapeHtml } from 'html-escaper';
import { formatEuros, formatPounds } from '../domain/money.ts';
import type { Language } from '../domain/sign-off.ts';
import type { EvaluationView } from './evaluation-view.ts';
import {
  COMMENT_MAX_LENGTH,
  definitionList,
  formatDateTime,
  formatEurAndGbp,
  renderMessagePage,
  shell,
} from './pages.ts';

const FORM_TEXT = {
  en: {
    heading: (year: number) => `Annual security cost, fund year ${year}`,
    intro: (year: number) =>
      `Please report this project's actual security cost for the whole of fund year ${year}. The fund pays the running-cost tranche for fund year ${year + 1} up to the lower of the amount committed and the cost you report, once the UK and France have signed the evaluation off.`,
    project: 'Project',
    reference: 'Reference',
    fundYear: 'Fund year reported',
    committed: (year: number) => `Committed for fund year ${year} (running costs)`,
    dueBy: 'Report by',
    amountLabel: (year: number) => `Actual security cost for fund year ${year}, in euros`,
    amountHint: 'Euros and cents, without spaces or currency sign, for example 148250.00',
    noteLabel: 'Note (optional): anything the approvers should know about this cost',
    submit: 'Send the report',
    formNote: 'Nothing is recorded until you press the button. You can report only once.',
    problem: 'There is a problem',
    languageNav: 'Language',
    switchTo: 'Version française',
  },
  fr: {
    heading: (year: number) => `Coût annuel de sûreté, année ${year} du fonds`,
    intro: (year: number) =>
      `Merci de déclarer le coût réel de sûreté de ce projet pour l'ensemble de l'année ${year} du fonds. Le fonds verse la tranche de coûts de fonctionnement de l'année ${year + 1} dans la limite du plus faible du montant engagé et du coût déclaré, après validation de l'évaluation par le Royaume-Uni et la France.`,
    project: 'Projet',
    reference: 'Référence',
    fundYear: 'Année du fonds déclarée',
    committed: (year: number) => `Engagé pour l'année ${year} du fonds (coûts de fonctionnement)`,
    dueBy: 'À déclarer avant le',
    amountLabel: (year: number) => `Coût réel de sûreté de l'année ${year} du fonds, en euros`,
    amountHint: 'Euros et centimes, sans espace ni symbole monétaire, par exemple 148250.00',
    noteLabel: 'Note (facultative) : ce que les valideurs devraient savoir de ce coût',
    submit: 'Envoyer la déclaration',
    formNote:
      "Rien n'est enregistré tant que vous n'avez pas appuyé sur le bouton. Vous ne pouvez déclarer qu'une fois.",
    problem: 'Il y a un problème',
    languageNav: 'Langue',
    switchTo: 'English version',
  },
} as const;

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
}

/** The form a cost report link opens: what is asked, the amount field, an optional note, one button. */
export function renderCostReportPage(model: CostReportPageModel): string {
  const { language } = model;
  const t = FORM_TEXT[language];
  const other: Language = language === 'fr' ? 'en' : 'fr';
  const heading = `${t.heading(model.fundYear)}${language === 'fr' ? ' : ' : ': '}${model.title}`;
  const switchHref = `?token=${encodeURIComponent(model.token)}&lang=${other}`;
  const nav = `<nav aria-label="${escapeHtml(t.languageNav)}"><a href="${escapeHtml(switchHref)}" hreflang="${other}" lang="${other}">${escapeHtml(t.switchTo)}</a></nav>`;
  const errors = model.errors ?? [];
  const errorFor = (field: string) => errors.find((error) => error.field === field);
  const amountError = errorFor('actualCostEur');
  const noteError = errorFor('note');
  const summary =
    errors.length === 0
      ? ''
      : [
          '<div class="error-summary" role="alert" aria-labelledby="error-summary-title">',
          `<h2 id="error-summary-title">${escapeHtml(t.problem)}</h2>`,
          `<ul>${errors.map((error) => `<li><a href="#${error.field}">${escapeHtml(error.message)}</a></li>`).join('')}</ul>`,
          '</div>',
        ].join('\n');
  const describedBy = ['actualCostEur-hint', ...(amountError ? ['actualCostEur-error'] : [])].join(' ');
  const body = [
    `<h1>${escapeHtml(heading)}</h1>`,
    summary,
    `<p>${escapeHtml(t.intro(model.fundYear))}</p>`,
    definitionList([
      [t.project, model.title],
      [t.reference, model.proposalId],
      [t.fundYear, String(model.fundYear)],
      [t.committed(model.fundYear + 1), formatEurAndGbp(model.fundedEurCents)],
      [t.dueBy, formatDateTime(model.expiresAt, language)],
    ]),
    `<form method="post" action="/cost-reports/${encodeURIComponent(model.reportId)}" novalidate>`,
    `<input type="hidden" name="token" value="${escapeHtml(model.token)}">`,
    `<input type="hidden" name="lang" value="${language}">`,
    `<div class="field${amountError ? ' field-error' : ''}">`,
    `<label for="actualCostEur">${escapeHtml(t.amountLabel(model.fundYear))}</label>`,
    `<p class="hint" id="actualCostEur-hint">${escapeHtml(t.amountHint)}</p>`,
    amountError
      ? `<p class="error-message" id="actualCostEur-error">${escapeHtml(amountError.message)}</p>`
      : '',
    `<input type="text" id="actualCostEur" name="actualCostEur" inputmode="decimal" autocomplete="off" spellcheck="false" required aria-describedby="${describedBy}"${amountError ? ' aria-invalid="true"' : ''} value="${escapeHtml(model.values?.actualCostEur ?? '')}">`,
    '</div>',
    `<div class="field${noteError ? ' field-error' : ''}">`,
    `<label for="note">${escapeHtml(t.noteLabel)}</label>`,
    noteError ? `<p class="error-message" id="note-error">${escapeHtml(noteError.message)}</p>` : '',
    `<textarea id="note" name="note" rows="4" maxlength="${COMMENT_MAX_LENGTH}"${noteError ? ' aria-invalid="true" aria-describedby="note-error"' : ''}>${escapeHtml(model.values?.note ?? '')}</textarea>`,
    '</div>',
    `<p>${escapeHtml(t.formNote)}</p>`,
    `<button type="submit" class="send">${escapeHtml(t.submit)}</button>`,
    '</form>',
  ]
    .filter((part) => part !== '')
    .join('\n');
  return shell(language, heading, nav, body);
}

/** What a refused amount or note is called on the form, per language. */
export const COST_REPORT_FIELD_ERRORS = {
  en: {
    amount: 'Enter the actual cost in euros and cents, for example 148250.00',
    note: `The note must be at most ${COMMENT_MAX_LENGTH} characters`,
  },
  fr: {
    amount: 'Indiquez le coût réel en euros et centimes, par exemple 148250.00',
    note: `La note doit faire au plus ${COMMENT_MAX_LENGTH} caractères`,
  },
} as const;

export type CostReportMessageKind =
  | 'ALREADY_SUBMITTED'
  | 'EXPIRED'
  | 'NOT_FOUND'
  | 'UNSUPPORTED'
  | 'TOO_LARGE';

const COST_REPORT_MESSAGES: Record<
  CostReportMessageKind,
  { httpStatus: number; en: { title: string; message: string }; fr: { title: string; message: string } }
> = {
  ALREADY_SUBMITTED: {
    httpStatus: 409,
    en: {
      title: 'Already reported',
      message: 'A cost has already been reported for this project and year; nothing has been changed.',
    },
    fr: {
      title: 'Déjà déclaré',
      message: "Un coût a déjà été déclaré pour ce projet et cette année ; rien n'a été modifié.",
    },
  },
  EXPIRED: {
    httpStatus: 410,
    en: {
      title: 'Link expired',
      message: 'The deadline for this report has passed; no cost can be reported with this link.',
    },
    fr: {
      title: 'Lien expiré',
      message: 'Le délai de cette déclaration est dépassé ; ce lien ne permet plus de déclarer un coût.',
    },
  },
  NOT_FOUND: {
    httpStatus: 404,
    en: {
      title: 'Link not valid',
      message: 'This link is not valid. Check that you used the full link from the email.',
    },
    fr: {
      title: 'Lien non valide',
      message: "Ce lien n'est pas valide. Vérifiez que vous avez utilisé le lien complet reçu par courriel.",
    },
  },
  UNSUPPORTED: {
    httpStatus: 415,
    en: { title: 'Unsupported request', message: 'Please use the form on the page the email link opens.' },
    fr: {
      title: 'Demande non prise en charge',
      message: 'Veuillez utiliser le formulaire de la page ouverte par le lien du courriel.',
    },
  },
  TOO_LARGE: {
    httpStatus: 413,
    en: { title: 'Request too large', message: 'Please use the form on the page the email link opens.' },
    fr: {
      title: 'Demande trop volumineuse',
      message: 'Veuillez utiliser le formulaire de la page ouverte par le lien du courriel.',
    },
  },
};

export function renderCostReportMessage(
  kind: CostReportMessageKind,
  language: Language,
): { httpStatus: number; html: string } {
  const entry = COST_REPORT_MESSAGES[kind];
  return {
    httpStatus: entry.httpStatus,
    html: renderMessagePage({ language, status: 'error', ...entry[language] }),
  };
}

/** The answer to an accepted report: what was recorded and what happens next. */
export function renderCostReportReceived(input: {
  language: Language;
  fundYear: number;
  title: string;
  actualEurCents: number;
}): string {
  const amount = formatEurAndGbp(input.actualEurCents);
  const next = input.fundYear + 1;
  return renderMessagePage(
    input.language === 'fr'
      ? {
          language: 'fr',
          title: 'Déclaration enregistrée',
          message: `Merci : le coût de ${amount} pour l'année ${input.fundYear} du fonds est enregistré pour « ${input.title} ». La tranche de l'année ${next} sera fixée après validation de l'évaluation par le Royaume-Uni et la France. Vous pouvez fermer cette page.`,
        }
      : {
          language: 'en',
          title: 'Report recorded',
          message: `Thank you: the cost of ${amount} for fund year ${input.fundYear} is recorded for "${input.title}". The tranche for fund year ${next} will be set once the UK and France have signed the evaluation off. You can close this page.`,
        },
  );
}

const STATUS_LABELS: Record<string, string> = {
  COLLECTING_REPORTS: 'Collecting cost reports',
  AWAITING_SIGN_OFF: 'Awaiting UK and FR sign-off',
  APPROVED: 'Approved; tranches released',
  REJECTED: 'Rejected; nothing released',
  EXPIRED: 'Expired without a decision; nothing released',
  NO_PROJECTS: 'No project to evaluate',
  PENDING: 'Pending',
  SUBMITTED: 'Submitted',
  WITHDRAWN: 'Withdrawn',
};

const label = (status: string) => STATUS_LABELS[status] ?? status;

function money(eurCents: number | null, gbpPence: number | null): string {
  if (eurCents === null || gbpPence === null) return '<td class="num">Not reported</td>';
  return `<td class="num">${escapeHtml(formatEuros(eurCents))}<br>${escapeHtml(formatPounds(gbpPence))}</td>`;
}

/** The evaluation report as a page (finance asks for it with `Accept: text/html`). English. */
export function renderEvaluationReportPage(view: EvaluationView): string {
  const title = `Annual security-cost evaluation, fund year ${view.fundYear}`;
  const when = (iso: string | undefined) => (iso ? formatDateTime(iso, 'en') : '–');
  const lineRows = view.lines.map(
    (line) =>
      `<tr><th scope="row">${escapeHtml(line.title)}<br><small>${escapeHtml(line.proposalId)}</small></th><td>${escapeHtml(label(line.reportStatus))}</td>${money(line.fundedEurCents, line.fundedGbpPence)}${money(line.actualEurCents, line.actualGbpPence)}${money(line.nextTrancheEurCents, line.nextTrancheGbpPence)}<td>${escapeHtml(line.paymentReference ?? '–')}</td></tr>`,
  );
  const { totals } = view;
  const linesTable =
    view.lines.length === 0
      ? '<p>No lines yet: the lines are set once every cost report is in (or its deadline has passed).</p>'
      : [
          '<table>',
          `<caption>Per project: committed for fund year ${view.nextFundYear}, actual cost of fund year ${view.fundYear}, tranche for fund year ${view.nextFundYear}</caption>`,
          '<thead><tr><th scope="col">Project</th><th scope="col">Report</th><th scope="col">Committed</th><th scope="col">Actual cost</th><th scope="col">Tranche</th><th scope="col">Payment</th></tr></thead>',
          `<tbody>\n${lineRows.join('\n')}\n</tbody>`,
          `<tfoot><tr><th scope="row" colspan="2">Total</th>${money(totals.fundedEurCents, totals.fundedGbpPence)}${money(totals.actualEurCents, totals.actualGbpPence)}${money(totals.nextTrancheEurCents, totals.nextTrancheGbpPence)}<td></td></tr></tfoot>`,
          '</table>',
        ].join('\n');
  const signOffRows = view.signOffs.map(
    (signOff) =>
      `<tr><th scope="row">${escapeHtml(signOff.authority)}</th><td>${escapeHtml(label(signOff.status))}</td><td>${escapeHtml(when(signOff.decidedAt))}</td><td>${escapeHtml(signOff.comment ?? '')}</td></tr>`,
  );
  const reportRows = view.reports.map(
    (report) =>
      `<tr><th scope="row">${escapeHtml(report.title)}<br><small>${escapeHtml(report.proposalId)}</small></th><td>${escapeHtml(label(report.status))}</td><td>${escapeHtml(when(report.submittedAt))}</td><td>${escapeHtml(report.note ?? '')}</td></tr>`,
  );
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    definitionList([
      ['Reference', view.evaluationId],
      ['Status', label(view.status)],
      ['Started', when(view.startedAt)],
      ['Decided', when(view.decidedAt)],
      ...(view.reason ? ([['Reason', view.reason]] as [string, string][]) : []),
    ]),
    '<h2>Lines</h2>',
    linesTable,
    '<h2>Sign-offs</h2>',
    signOffRows.length === 0
      ? '<p>Not asked yet.</p>'
      : `<table><thead><tr><th scope="col">Authority</th><th scope="col">Status</th><th scope="col">Decided</th><th scope="col">Comment</th></tr></thead><tbody>\n${signOffRows.join('\n')}\n</tbody></table>`,
    '<h2>Cost reports</h2>',
    reportRows.length === 0
      ? '<p>None asked.</p>'
      : `<table><thead><tr><th scope="col">Project</th><th scope="col">Status</th><th scope="col">Submitted</th><th scope="col">Note</th></tr></thead><tbody>\n${reportRows.join('\n')}\n</tbody></table>`,
    `<p>GBP figures at the fund's reference rate of GBP ${escapeHtml(view.rate.gbpPerEur)} per EUR. Tranche = the lower of the amount committed and the actual cost reported; no report, no tranche.</p>`,
  ].join('\n');
  return shell('en', title, '', body);
}
