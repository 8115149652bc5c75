/**
 * The HTML pages sign-off links answer: the approval page a GET shows (a form that POSTs, never a
 * decision by itself) and the message page a POST answers. Pure functions: no I/O, no clock.
 * Every value that comes from a user, a proposal or a link is escaped with html-escaper.
 */
import { createHash } from 'node:crypto';
import { escape as escapeHtml } from 'html-escaper';
import { CATEGORY_LABELS, type Category, type FundingPurpose } from '../domain/categories.ts';
import { eurCentsToGbpPence, formatEuros, formatPounds, REFERENCE_RATE } from '../domain/money.ts';
import type { FundingLine } from '../domain/proposal.ts';
import { AUTHORITY_NAMES, type Authority, type Decision, type Language } from '../domain/sign-off.ts';

/** What a sign-off is about, as the approval page and the request email summarise it. */
export type SubjectSummary =
  | {
      type: 'PROPOSAL';
      proposalId: string;
      title: string;
      category: Category;
      description: string;
      contactEmail: string;
      funding: FundingLine[];
    }
  | {
      type: 'EVALUATION';
      evaluationId: string;
      fundYear: number;
      title: string;
      lines: {
        proposalId: string;
        title: string;
        fundedEurCents: number;
        /** null: no cost report came in time (so no tranche). */
        actualEurCents: number | null;
        nextTrancheEurCents: number;
      }[];
    };

export interface ApprovalPageModel {
  approvalId: string;
  token: string;
  language: Language;
  authority: Authority;
  asDeputy: boolean;
  /** ISO 8601 instant the link stops working. */
  expiresAt: string;
  subject: SubjectSummary;
}

export interface MessagePageInput {
  language: Language;
  title: string;
  message: string;
  status?: 'ok' | 'error';
}

/** The longest comment the form lets a browser send (the handler should enforce its own limit too). */
export const COMMENT_MAX_LENGTH = 2000;

export const SERVICE_NAME: Record<Language, string> = {
  en: 'Joint intervention fund for Calais port security',
  fr: "Fonds d'intervention conjoint pour la sûreté du port de Calais",
};

export const PURPOSE_LABELS: Record<FundingPurpose, Record<Language, string>> = {
  INVESTMENT: { en: 'Investment', fr: 'Investissement' },
  RUNNING_COST: { en: 'Annual security running costs', fr: 'Coûts annuels de fonctionnement (sûreté)' },
};

/** `lang` from a query string or form field, if it names a language the pages speak. */
export function parseLanguage(value: unknown): Language | undefined {
  if (typeof value !== 'string') return undefined;
  const lang = value.trim().toLowerCase();
  return lang === 'en' || lang === 'fr' ? lang : undefined;
}

/** "1 May 2024 at 12:05 UTC" / "1 mai 2024 à 12:05 UTC"; the input unchanged if it is not a date. */
export function formatDateTime(iso: string, language: Language): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const formatted = new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
  }).format(date);
  return `${formatted} UTC`;
}

/** "EUR 1,200,000.00 (GBP 960,000.00)" at the fund's reference rate. */
export function formatEurAndGbp(eurCents: number): string {
  return `${formatEuros(eurCents)} (${formatPounds(eurCentsToGbpPence(eurCents))})`;
}

const PAGE_TEXT = {
  en: {
    signOffTitle: 'Sign-off requested',
    agreementTitle: 'Agreement requested',
    askedAs: (name: string) => `You are asked to decide on behalf of the ${name}.`,
    askedAsDeputy: (name: string) =>
      `You are asked as deputy for the ${name}: the request to the usual approver has gone unanswered.`,
    validUntil: 'This link is valid until',
    proposal: 'Proposal',
    evaluation: 'Annual security-cost evaluation',
    titleLabel: 'Title',
    reference: 'Reference',
    category: 'Category',
    contact: 'Contact',
    description: 'Description',
    funding: 'Funding requested',
    fundYear: 'Fund year',
    purpose: 'Purpose',
    total: 'Total',
    project: 'Project',
    funded: 'Funded',
    actual: 'Actual annual cost',
    nextTranche: 'Proposed next-year tranche',
    notReported: 'Not reported',
    rateNote: `GBP figures at the fund's reference rate of GBP ${REFERENCE_RATE.gbpPerEur} per EUR.`,
    decision: 'Your decision',
    comment: 'Comment (optional; shared with the other parties, especially useful when rejecting)',
    approve: 'Approve',
    reject: 'Reject',
    formNote: 'Nothing is decided until you press one of these buttons. You can decide only once.',
    languageNav: 'Language',
    switchTo: 'Version française',
    switchLang: 'fr' as Language,
  },
  fr: {
    signOffTitle: 'Validation demandée',
    agreementTitle: 'Accord demandé',
    askedAs: (name: string) => `Il vous est demandé de décider au nom de : ${name}.`,
    askedAsDeputy: (name: string) =>
      `Il vous est demandé de décider en tant que suppléant pour : ${name}, la demande adressée au valideur habituel étant restée sans réponse.`,
    validUntil: "Ce lien est valable jusqu'au",
    proposal: 'Proposition',
    evaluation: 'Évaluation annuelle des coûts de sûreté',
    titleLabel: 'Titre',
    reference: 'Référence',
    category: 'Catégorie',
    contact: 'Contact',
    description: 'Description',
    funding: 'Financement demandé',
    fundYear: 'Année du fonds',
    purpose: 'Objet',
    total: 'Total',
    project: 'Projet',
    funded: 'Financé',
    actual: 'Coût annuel réel',
    nextTranche: "Tranche proposée pour l'année suivante",
    notReported: 'Non déclaré',
    rateNote: `Montants en GBP au taux de référence du fonds : GBP ${REFERENCE_RATE.gbpPerEur} pour 1 EUR.`,
    decision: 'Votre décision',
    comment: 'Commentaire (facultatif ; communiqué aux autres parties, utile surtout en cas de rejet)',
    approve: 'Approuver (Approve)',
    reject: 'Rejeter (Reject)',
    formNote:
      "Rien n'est décidé tant que vous n'avez pas appuyé sur l'un de ces boutons. Vous ne pouvez décider qu'une fois.",
    languageNav: 'Langue',
    switchTo: 'English version',
    switchLang: 'en' as Language,
  },
} as const;

const STYLE = [
  'body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;color:#1b1b1b;background:#fff}',
  'header,main{max-width:48rem;margin:0 auto;padding:1rem}',
  'header{border-bottom:4px solid #1d3f7a;display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}',
  '.service{font-weight:bold;margin:0}',
  'a{color:#1d3f7a}',
  'dt{font-weight:bold}dd{margin:0 0 .5rem 0}',
  '.description{white-space:pre-wrap}',
  'table{border-collapse:collapse;width:100%;margin:1rem 0}',
  'caption{text-align:left;font-weight:bold}',
  'th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}',
  'td.num{text-align:right;white-space:nowrap}',
  'textarea{width:100%;box-sizing:border-box;font:inherit}',
  'label{display:block;font-weight:bold;margin-bottom:.25rem}',
  '.actions{display:flex;gap:1rem;margin-top:1rem}',
  'button{font:inherit;padding:.5rem 1.5rem;border:2px solid #1b1b1b;cursor:pointer}',
  'button[value=approve]{background:#00703c;color:#fff}',
  'button[value=reject]{background:#d4351c;color:#fff}',
  'button:focus,a:focus{outline:3px solid #fd0}',
  '.status-ok{border-left:6px solid #00703c;padding-left:1rem}',
  '.status-error{border-left:6px solid #d4351c;padding-left:1rem}',
  'input[type=text]{font:inherit;padding:.25rem;border:2px solid #1b1b1b;max-width:14rem}',
  '.hint{color:#505a5f;margin:0 0 .25rem 0}',
  '.field{margin:1rem 0}',
  '.field-error{border-left:5px solid #d4351c;padding-left:1rem}',
  '.error-message{color:#d4351c;font-weight:bold;margin:0 0 .25rem 0}',
  '.error-summary{border:4px solid #d4351c;padding:1rem;margin:1rem 0}',
  'button.send{background:#00703c;color:#fff}',
].join('');

/** The CSP hash of the one inline style block, so the policy need not allow 'unsafe-inline'. */
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`;

/** Headers every page from this module must be sent with. */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': [
      "default-src 'none'",
      `style-src ${STYLE_HASH}`,
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
    'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  };
}

/** The page around a body: header, style, language. Shared with the evaluation pages. */
export function shell(language: Language, title: string, headerExtra: string, body: string): string {
  return [
    '<!doctype html>',
    `<html lang="${language}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<meta name="robots" content="noindex, nofollow">',
    `<title>${escapeHtml(title)} – ${escapeHtml(SERVICE_NAME[language])}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header><p class="service">${escapeHtml(SERVICE_NAME[language])}</p>${headerExtra}</header>`,
    '<main>',
    body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export function definitionList(rows: [string, string, string?][]): string {
  const items = rows.map(
    ([term, value, cls]) =>
      `<dt>${escapeHtml(term)}</dt><dd${cls ? ` class="${cls}"` : ''}>${escapeHtml(value)}</dd>`,
  );
  return `<dl>\n${items.join('\n')}\n</dl>`;
}

function moneyCells(eurCents: number): string {
  return `<td class="num">${escapeHtml(formatEuros(eurCents))}</td><td class="num">${escapeHtml(formatPounds(eurCentsToGbpPence(eurCents)))}</td>`;
}

function proposalSection(subject: Extract<SubjectSummary, { type: 'PROPOSAL' }>, language: Language): string {
  const t = PAGE_TEXT[language];
  const total = subject.funding.reduce((sum, line) => sum + line.amountEurCents, 0);
  const rows = subject.funding.map(
    (line) =>
      `<tr><td>${escapeHtml(String(line.fundYear))}</td><td>${escapeHtml(PURPOSE_LABELS[line.purpose][language])}</td>${moneyCells(line.amountEurCents)}</tr>`,
  );
  return [
    '<section aria-labelledby="subject-heading">',
    `<h2 id="subject-heading">${escapeHtml(t.proposal)}</h2>`,
    definitionList([
      [t.titleLabel, subject.title],
      [t.reference, subject.proposalId],
      [t.category, CATEGORY_LABELS[subject.category][language]],
      [t.contact, subject.contactEmail],
      [t.description, subject.description, 'description'],
    ]),
    '<table>',
    `<caption>${escapeHtml(t.funding)}</caption>`,
    `<thead><tr><th scope="col">${escapeHtml(t.fundYear)}</th><th scope="col">${escapeHtml(t.purpose)}</th><th scope="col">EUR</th><th scope="col">GBP</th></tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    `<tfoot><tr><th scope="row" colspan="2">${escapeHtml(t.total)}</th>${moneyCells(total)}</tr></tfoot>`,
    '</table>',
    `<p>${escapeHtml(t.rateNote)}</p>`,
    '</section>',
  ].join('\n');
}

function evaluationSection(
  subject: Extract<SubjectSummary, { type: 'EVALUATION' }>,
  language: Language,
): string {
  const t = PAGE_TEXT[language];
  const pair = (eurCents: number | null) =>
    eurCents === null
      ? `<td class="num">${escapeHtml(t.notReported)}</td>`
      : `<td class="num">${escapeHtml(formatEuros(eurCents))}<br>${escapeHtml(formatPounds(eurCentsToGbpPence(eurCents)))}</td>`;
  const rows = subject.lines.map(
    (line) =>
      `<tr><th scope="row">${escapeHtml(line.title)}<br><small>${escapeHtml(line.proposalId)}</small></th>${pair(line.fundedEurCents)}${pair(line.actualEurCents)}${pair(line.nextTrancheEurCents)}</tr>`,
  );
  const sum = (pick: (line: (typeof subject.lines)[number]) => number) =>
    subject.lines.reduce((total, line) => total + pick(line), 0);
  return [
    '<section aria-labelledby="subject-heading">',
    `<h2 id="subject-heading">${escapeHtml(t.evaluation)}</h2>`,
    definitionList([
      [t.titleLabel, subject.title],
      [t.reference, subject.evaluationId],
      [t.fundYear, String(subject.fundYear)],
    ]),
    '<table>',
    `<caption>${escapeHtml(t.evaluation)} – ${escapeHtml(t.fundYear)} ${escapeHtml(String(subject.fundYear))}</caption>`,
    `<thead><tr><th scope="col">${escapeHtml(t.project)}</th><th scope="col">${escapeHtml(t.funded)}</th><th scope="col">${escapeHtml(t.actual)}</th><th scope="col">${escapeHtml(t.nextTranche)}</th></tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    `<tfoot><tr><th scope="row">${escapeHtml(t.total)}</th>${pair(sum((l) => l.fundedEurCents))}${pair(sum((l) => l.actualEurCents ?? 0))}${pair(sum((l) => l.nextTrancheEurCents))}</tr></tfoot>`,
    '</table>',
    `<p>${escapeHtml(t.rateNote)}</p>`,
    '</section>',
  ].join('\n');
}

/** The heading of a sign-off: the road authority agrees (temporary measures), the ministries sign off. */
export function subjectHeading(subject: SubjectSummary, authority: Authority, language: Language): string {
  const t = PAGE_TEXT[language];
  const what = authority === 'ROAD' ? t.agreementTitle : t.signOffTitle;
  return `${what}${language === 'fr' ? ' : ' : ': '}${subject.title}`;
}

/** The page a sign-off link's GET shows: the summary, who is asked, and a form that POSTs the decision. */
export function renderApprovalPage(model: ApprovalPageModel): string {
  const { language, subject, authority } = model;
  const t = PAGE_TEXT[language];
  const authorityName = AUTHORITY_NAMES[authority][language];
  const heading = subjectHeading(subject, authority, language);
  const switchHref = `?token=${encodeURIComponent(model.token)}&lang=${t.switchLang}`;
  const nav = `<nav aria-label="${escapeHtml(t.languageNav)}"><a href="${escapeHtml(switchHref)}" hreflang="${t.switchLang}" lang="${t.switchLang}">${escapeHtml(t.switchTo)}</a></nav>`;
  const action = `/approvals/${encodeURIComponent(model.approvalId)}`;
  const decisions: { value: Decision; label: string }[] = [
    { value: 'approve', label: t.approve },
    { value: 'reject', label: t.reject },
  ];
  const body = [
    `<h1>${escapeHtml(heading)}</h1>`,
    `<p>${escapeHtml(model.asDeputy ? t.askedAsDeputy(authorityName) : t.askedAs(authorityName))}</p>`,
    `<p>${escapeHtml(t.validUntil)} <time datetime="${escapeHtml(model.expiresAt)}">${escapeHtml(formatDateTime(model.expiresAt, language))}</time>.</p>`,
    subject.type === 'PROPOSAL' ? proposalSection(subject, language) : evaluationSection(subject, language),
    `<form method="post" action="${escapeHtml(action)}">`,
    `<h2>${escapeHtml(t.decision)}</h2>`,
    `<input type="hidden" name="token" value="${escapeHtml(model.token)}">`,
    `<input type="hidden" name="lang" value="${language}">`,
    `<label for="comment">${escapeHtml(t.comment)}</label>`,
    `<textarea id="comment" name="comment" rows="4" maxlength="${COMMENT_MAX_LENGTH}"></textarea>`,
    `<p>${escapeHtml(t.formNote)}</p>`,
    '<div class="actions">',
    ...decisions.map(
      (d) => `<button type="submit" name="decision" value="${d.value}">${escapeHtml(d.label)}</button>`,
    ),
    '</div>',
    '</form>',
  ].join('\n');
  return shell(language, heading, nav, body);
}

/** The page a POST answers (decision recorded, already decided, expired, not found, bad request). */
export function renderMessagePage(input: MessagePageInput): string {
  const status = input.status ?? 'ok';
  const body = [
    `<div class="status-${status}">`,
    `<h1>${escapeHtml(input.title)}</h1>`,
    `<p>${escapeHtml(input.message)}</p>`,
    '</div>',
  ].join('\n');
  return shell(input.language, input.title, '', body);
}

export type MessageKind =
  | 'APPROVED'
  | 'REJECTED'
  | 'ALREADY_DECIDED'
  | 'EXPIRED'
  | 'NOT_FOUND'
  | 'BAD_REQUEST';

/** Ready-made texts for the usual answers to a POST, with the HTTP status each goes with. */
export const MESSAGES: Record<
  MessageKind,
  {
    httpStatus: number;
    status: 'ok' | 'error';
    en: { title: string; message: string };
    fr: { title: string; message: string };
  }
> = {
  APPROVED: {
    httpStatus: 200,
    status: 'ok',
    en: {
      title: 'Approval recorded',
      message: 'Thank you: your approval has been recorded. You can close this page.',
    },
    fr: {
      title: 'Approbation enregistrée',
      message: 'Merci : votre approbation a été enregistrée. Vous pouvez fermer cette page.',
    },
  },
  REJECTED: {
    httpStatus: 200,
    status: 'ok',
    en: {
      title: 'Rejection recorded',
      message: 'Your rejection has been recorded. You can close this page.',
    },
    fr: {
      title: 'Rejet enregistré',
      message: 'Votre rejet a été enregistré. Vous pouvez fermer cette page.',
    },
  },
  ALREADY_DECIDED: {
    httpStatus: 409,
    status: 'error',
    en: {
      title: 'Already decided',
      message: 'A decision has already been recorded for this request; nothing has been changed.',
    },
    fr: {
      title: 'Déjà décidé',
      message: "Une décision a déjà été enregistrée pour cette demande ; rien n'a été modifié.",
    },
  },
  EXPIRED: {
    httpStatus: 410,
    status: 'error',
    en: { title: 'Link expired', message: 'This link has expired; no decision can be recorded with it.' },
    fr: {
      title: 'Lien expiré',
      message: "Ce lien a expiré ; il ne permet plus d'enregistrer une décision.",
    },
  },
  NOT_FOUND: {
    httpStatus: 404,
    status: 'error',
    en: {
      title: 'Link not valid',
      message: 'This link is not valid. Check that you used the full link from the email.',
    },
    fr: {
      title: 'Lien non valide',
      message: "Ce lien n'est pas valide. Vérifiez que vous avez utilisé le lien complet reçu par courriel.",
    },
  },
  BAD_REQUEST: {
    httpStatus: 400,
    status: 'error',
    en: {
      title: 'Request not understood',
      message: 'Please choose Approve or Reject on the form and try again.',
    },
    fr: {
      title: 'Demande incomprise',
      message: 'Veuillez choisir Approuver ou Rejeter dans le formulaire, puis réessayer.',
    },
  },
};

/** The message page for one of the usual answers, in the given language. */
export function renderMessageFor(
  kind: MessageKind,
  language: Language,
): { httpStatus: number; html: string } {
  const entry = MESSAGES[kind];
  return {
    httpStatus: entry.httpStatus,
    html: renderMessagePage({ language, status: entry.status, ...entry[language] }),
  };
}
