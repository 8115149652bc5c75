/**
 * The HTML pages sign-off links answer: the approval page a GET shows (a form that POSTs, never a
 * decision by itself) and the message page a POST answers, plus the shell every page shares.
 * Pure functions: no I/O, no clock. Markup comes from the `html` tag (functions/platform/html.ts), which
 * escapes every value; the words come from the copy catalogue (functions/pages/copy).
 */

import { eurCentsToGbpPence } from '../funding/domain/money.ts';
import { type Fragment, type Html, html, join, trusted } from '../platform/html.ts';
import { securityHeaderValues } from '../platform/security-headers.ts';
import { CATEGORY_LABELS, type Category, type FundingPurpose } from '../proposals/domain/categories.ts';
import type { FundingLine } from '../proposals/domain/proposal.ts';
import { type DecisionNote, describeDecision } from '../sign-off/decisions.ts';
import {
  AUTHORITY_NAMES,
  type Authority,
  type Decision,
  type Language,
} from '../sign-off/domain/sign-off.ts';
import { STYLESHEET_PATH, STYLESHEET_VERSION } from './assets.ts';
import * as copy from './copy/index.ts';
import { longDateTime, money } from './format.ts';

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
      /** What the other authorities decided already (the road authority's conditions, comments). */
      decisions?: DecisionNote[];
      /** Each fund year's envelope as it stands, and what this proposal would take from it. */
      envelopes?: EnvelopeOutlook[];
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
        /** The port authority's note with its cost report. */
        note?: string;
      }[];
      /** Year N+1's envelope: what it would get back on approval (committed beyond each tranche). */
      envelope?: EnvelopeOutlook;
      /** What the other authority decided already, with its comment. */
      decisions?: DecisionNote[];
    };

/**
 * A fund year's envelope before and after the decision asked for: `changeEurCents` is what the
 * decision takes from its room (a proposal's line), negative when it gives room back (an evaluation).
 */
export interface EnvelopeOutlook {
  fundYear: number;
  capEurCents: number;
  committedEurCents: number;
  changeEurCents: number;
}

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

export const SERVICE_NAME: Record<Language, string> = { en: copy.service.en.name, fr: copy.service.fr.name };

export const PURPOSE_LABELS: Record<FundingPurpose, Record<Language, string>> = {
  INVESTMENT: { en: copy.purposes.en.INVESTMENT, fr: copy.purposes.fr.INVESTMENT },
  RUNNING_COST: { en: copy.purposes.en.RUNNING_COST, fr: copy.purposes.fr.RUNNING_COST },
};

/** `lang` from a query string or form field, if it names a language the pages speak. */
export function parseLanguage(value: unknown): Language | undefined {
  if (typeof value !== 'string') return undefined;
  const lang = value.trim().toLowerCase();
  return lang === 'en' || lang === 'fr' ? lang : undefined;
}

/**
 * "1 March 2025 at 10:30 GMT" / "1 mars 2025 à 11:30 UTC+1": in the reader's time zone (London for
 * English, Paris for French), the zone named; the input unchanged if it is not a date.
 */
export function formatDateTime(iso: string, language: Language): string {
  return longDateTime(iso, language);
}

/** "€1,200,000.00 (£960,000.00)" / "1 200 000,00 € (960 000,00 £GB)" at the fund's reference rate. */
export function formatEurAndGbp(eurCents: number, language: Language): string {
  return `${money(eurCents, 'EUR', language)} (${money(eurCentsToGbpPence(eurCents), 'GBP', language)})`;
}

/**
 * What a page's answer says of itself; the security headers (CSP: no script anywhere, styles only from
 * the served stylesheet) are added to every answer by the HTTP edge (`pageSecurityHeaders`).
 */
export function pageHeaders(): Record<string, string> {
  return { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' };
}

/** Every header a page is sent with, for a page served outside the HTTP edge (the local outbox). */
export function securityHeaders(): Record<string, string> {
  return { ...pageHeaders(), ...securityHeaderValues() };
}

/** The link to the other language, keeping the page's own query (e.g. a link's token). */
export function languageSwitch(language: Language, query: Record<string, string> = {}): Html {
  const other: Language = language === 'fr' ? 'en' : 'fr';
  const href = `?${new URLSearchParams({ ...query, lang: other }).toString()}`;
  return html`<nav aria-label="${copy.service[language].languageNav}"><a href="${href}" hreflang="${other}" lang="${other}">${copy.service[language].switchTo}</a></nav>`;
}

/** The page around a body: header, stylesheet, language. Every page of the system uses it. */
export function shell(language: Language, title: string, headerExtra: Fragment, body: Fragment): string {
  const service = copy.service[language].name;
  return `${html`<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${title} – ${service}</title>
<link rel="stylesheet" href="${`${STYLESHEET_PATH}?v=${STYLESHEET_VERSION}`}">
</head>
<body>
<header><p class="service">${service}</p>${headerExtra}</header>
<main>
${body}
</main>
</body>
</html>`}\n`;
}

export function definitionList(rows: [string, string, string?][]): Html {
  return html`<dl>
${rows.map(([term, value, cls]) => html`<dt>${term}</dt><dd${cls ? html` class="${cls}"` : ''}>${value}</dd>\n`)}</dl>`;
}

/** EUR and GBP cells in the reader's typography, labelled for the stacked layout of a phone. */
function moneyCells(eurCents: number, language: Language): Html {
  return html`<td class="num" data-label="EUR">${money(eurCents, 'EUR', language)}</td><td class="num" data-label="GBP">${money(eurCentsToGbpPence(eurCents), 'GBP', language)}</td>`;
}

/** One figure as EUR over GBP in a single cell, with the column's name for the stacked layout. */
function pairCell(eurCents: number | null, label: string, language: Language, missing: string): Html {
  return eurCents === null
    ? html`<td class="num" data-label="${label}">${missing}</td>`
    : html`<td class="num" data-label="${label}">${money(eurCents, 'EUR', language)}<br>${money(eurCentsToGbpPence(eurCents), 'GBP', language)}</td>`;
}

function proposalSection(subject: Extract<SubjectSummary, { type: 'PROPOSAL' }>, language: Language): Html {
  const t = copy.approval[language];
  const total = subject.funding.reduce((sum, line) => sum + line.amountEurCents, 0);
  return html`<section aria-labelledby="subject-heading">
<h2 id="subject-heading">${t.proposal}</h2>
${definitionList([
  [t.titleLabel, subject.title],
  [t.reference, subject.proposalId],
  [t.category, CATEGORY_LABELS[subject.category][language]],
  [t.contact, subject.contactEmail],
  [t.description, subject.description, 'description'],
])}
<div class="table-wrap"><table class="stack">
<caption>${t.funding}</caption>
<thead><tr><th scope="col">${t.fundYear}</th><th scope="col">${t.purpose}</th><th scope="col">EUR</th><th scope="col">GBP</th></tr></thead>
<tbody>
${join(
  subject.funding.map(
    (line) =>
      html`<tr><td data-label="${t.fundYear}">${line.fundYear}</td><td data-label="${t.purpose}">${PURPOSE_LABELS[line.purpose][language]}</td>${moneyCells(line.amountEurCents, language)}</tr>`,
  ),
  trusted('\n'),
)}
</tbody>
<tfoot><tr><th scope="row" colspan="2">${t.total}</th>${moneyCells(total, language)}</tr></tfoot>
</table></div>
<p>${copy.service[language].rateNote}</p>
${envelopeSection(subject.envelopes ?? [], 'PROPOSAL', language)}
${decisionsSection(subject.decisions, language)}
</section>`;
}

/**
 * The envelopes this decision touches: the room each has now and after the decision (the money is
 * committed only once every sign-off is in, so "now" is what other proposals have taken).
 */
function envelopeSection(
  envelopes: EnvelopeOutlook[],
  kind: SubjectSummary['type'],
  language: Language,
): Html | '' {
  if (envelopes.length === 0) return '';
  const t = copy.envelope[language];
  const change = kind === 'PROPOSAL' ? t.thisProposal : t.returned;
  const over = envelopes.some((e) => e.capEurCents - e.committedEurCents - e.changeEurCents < 0);
  return html`<h3 id="envelope-heading">${t.heading}</h3>
<div class="table-wrap"><table class="stack" aria-labelledby="envelope-heading">
<thead><tr><th scope="col">${t.fundYear}</th><th scope="col">${t.cap}</th><th scope="col">${t.committed}</th><th scope="col">${t.leftNow}</th><th scope="col">${change}</th><th scope="col">${t.leftAfter}</th></tr></thead>
<tbody>
${join(
  envelopes.map((e) => {
    const left = e.capEurCents - e.committedEurCents;
    const after = left - e.changeEurCents;
    return html`<tr><th scope="row">${t.fundYear} ${e.fundYear}</th>${pairCell(e.capEurCents, t.cap, language, '')}${pairCell(e.committedEurCents, t.committed, language, '')}${pairCell(left, t.leftNow, language, '')}${pairCell(Math.abs(e.changeEurCents), change, language, '')}${after < 0 ? html`<td class="num over" data-label="${t.leftAfter}">${t.short(money(-after, 'EUR', language))}</td>` : pairCell(after, t.leftAfter, language, '')}</tr>`;
  }),
  trusted('\n'),
)}
</tbody>
</table></div>
<p>${kind === 'PROPOSAL' ? t.noteProposal : t.noteEvaluation}</p>
${over ? html`<p class="warning"><strong>${t.overWarning}</strong></p>` : ''}`;
}

/** What the other authorities decided already (the road authority's conditions, comments), and when. */
function decisionsSection(decisions: DecisionNote[] | undefined, language: Language): Html | '' {
  if (decisions === undefined) return '';
  const t = copy.decisions[language];
  if (decisions.length === 0)
    return html`<h3>${t.heading}</h3>
<p>${copy.receipt[language].noOtherDecision}</p>`;
  return html`<h3>${t.heading}</h3>
<ul class="decisions">${decisions.map(
    (d) =>
      html`<li>${describeDecision(d, language)}${d.decidedAt ? html` <small>(<time datetime="${d.decidedAt}">${formatDateTime(d.decidedAt, language)}</time>)</small>` : ''}</li>`,
  )}</ul>`;
}

function evaluationSection(
  subject: Extract<SubjectSummary, { type: 'EVALUATION' }>,
  language: Language,
): Html {
  const t = copy.approval[language];
  const sum = (pick: (line: (typeof subject.lines)[number]) => number) =>
    subject.lines.reduce((total, line) => total + pick(line), 0);
  const notes = subject.lines.filter((line) => line.note?.trim());
  return html`<section aria-labelledby="subject-heading">
<h2 id="subject-heading">${t.evaluation}</h2>
${definitionList([
  [t.titleLabel, subject.title],
  [t.reference, subject.evaluationId],
  [t.fundYear, String(subject.fundYear)],
])}
<div class="table-wrap"><table class="stack">
<caption>${t.evaluation} – ${t.fundYear} ${subject.fundYear}</caption>
<thead><tr><th scope="col">${t.project}</th><th scope="col">${t.funded}</th><th scope="col">${t.actual}</th><th scope="col">${t.nextTranche}</th></tr></thead>
<tbody>
${join(
  subject.lines.map(
    (line) =>
      html`<tr><th scope="row">${line.title}<br><small>${line.proposalId}</small></th>${pairCell(line.fundedEurCents, t.funded, language, t.notReported)}${pairCell(line.actualEurCents, t.actual, language, t.notReported)}${pairCell(line.nextTrancheEurCents, t.nextTranche, language, t.notReported)}</tr>`,
  ),
  trusted('\n'),
)}
</tbody>
<tfoot><tr><th scope="row">${t.total}</th>${pairCell(
    sum((l) => l.fundedEurCents),
    t.funded,
    language,
    '',
  )}${pairCell(
    sum((l) => l.actualEurCents ?? 0),
    t.actual,
    language,
    '',
  )}${pairCell(
    sum((l) => l.nextTrancheEurCents),
    t.nextTranche,
    language,
    '',
  )}</tr></tfoot>
</table></div>
${subject.lines.some((line) => line.actualEurCents === null) ? html`<p>${t.openLines}</p>` : ''}
<p>${copy.service[language].rateNote}</p>
${
  notes.length > 0
    ? html`<h3>${copy.receipt[language].notesHeading}</h3>
<dl class="notes">${notes.map((line) => html`<dt>${line.title} <small>(${line.proposalId})</small></dt><dd class="description">${line.note?.trim()}</dd>`)}</dl>`
    : ''
}
${envelopeSection(subject.envelope ? [subject.envelope] : [], 'EVALUATION', language)}
${decisionsSection(subject.decisions, language)}
</section>`;
}

/** The heading of a sign-off: the road authority agrees (temporary measures), the ministries sign off. */
export function subjectHeading(subject: SubjectSummary, authority: Authority, language: Language): string {
  const t = copy.approval[language];
  const what = authority === 'ROAD' ? t.agreementTitle : t.signOffTitle;
  return `${what}${language === 'fr' ? ' : ' : ': '}${subject.title}`;
}

/** The page a sign-off link's GET shows: the summary, who is asked, and a form that POSTs the decision. */
export function renderApprovalPage(model: ApprovalPageModel): string {
  const { language, subject, authority } = model;
  const t = copy.approval[language];
  const authorityName = AUTHORITY_NAMES[authority][language];
  const heading = subjectHeading(subject, authority, language);
  const decisions: { value: Decision; label: string }[] = [
    { value: 'approve', label: t.approve },
    { value: 'reject', label: t.reject },
  ];
  const body = html`<h1>${heading}</h1>
<p>${model.asDeputy ? t.askedAsDeputy(authorityName) : t.askedAs(authorityName)}</p>
<p>${t.validUntil} <time datetime="${model.expiresAt}">${formatDateTime(model.expiresAt, language)}</time>.</p>
${subject.type === 'PROPOSAL' ? proposalSection(subject, language) : evaluationSection(subject, language)}
<form method="post" action="${`/approvals/${encodeURIComponent(model.approvalId)}`}">
<h2>${t.decision}</h2>
<input type="hidden" name="token" value="${model.token}">
<input type="hidden" name="lang" value="${language}">
<label for="comment">${t.comment}</label>
<textarea id="comment" name="comment" rows="4" maxlength="${COMMENT_MAX_LENGTH}" required></textarea>
<p>${t.formNote}</p>
<div class="actions">
${join(
  // The comment is required, so a browser asks for the reason before a rejection; Approve skips that.
  decisions.map((d) =>
    d.value === 'approve'
      ? html`<button type="submit" name="decision" value="${d.value}" formnovalidate>${d.label}</button>`
      : html`<button type="submit" name="decision" value="${d.value}">${d.label}</button>`,
  ),
  trusted('\n'),
)}
</div>
</form>`;
  return shell(language, heading, languageSwitch(language, { token: model.token }), body);
}

/** The page a POST answers (decision recorded, already decided, expired, not found, bad request). */
export function renderMessagePage(input: MessagePageInput): string {
  const status = input.status ?? 'ok';
  const body = html`<div class="status-${status}">
<h1>${input.title}</h1>
<p>${input.message}</p>
</div>`;
  return shell(input.language, input.title, '', body);
}

/** What a decided sign-off link shows: what was decided, by whom, when, with the comment. */
export interface ReceiptModel {
  language: Language;
  /** The subject's title and reference (a proposal's id, an evaluation's id). */
  title: string;
  reference: string;
  authority: Authority;
  decision: 'APPROVED' | 'REJECTED';
  byDeputy: boolean;
  decidedAt: string;
  comment?: string;
  /** True when the link is opened (or posted) again after the decision: 409, the same receipt. */
  reopened: boolean;
}

/** The receipt of a decision: after the POST that made it, and whenever its link is opened again. */
export function renderReceiptPage(model: ReceiptModel): string {
  const { language } = model;
  const t = copy.receipt[language];
  const messages = copy.messages[language];
  const approved = model.decision === 'APPROVED';
  const title = model.reopened
    ? messages.ALREADY_DECIDED.title
    : approved
      ? messages.APPROVED.title
      : messages.REJECTED.title;
  const authority = AUTHORITY_NAMES[model.authority][language];
  const rows: [string, string, string?][] = [
    [t.subject, model.title],
    [t.reference, model.reference],
    [t.decision, approved ? t.approved(model.authority === 'ROAD') : t.rejected(model.authority === 'ROAD')],
    [t.decidedBy, model.byDeputy ? t.byDeputy(authority) : authority],
    [t.decidedAt, formatDateTime(model.decidedAt, language)],
    [t.comment, model.comment?.trim() || t.noComment, 'description'],
  ];
  const body = html`<div class="receipt" role="status">
<h1>${title}</h1>
<p>${model.reopened ? t.reopened : approved ? messages.APPROVED.message : messages.REJECTED.message}</p>
${definitionList(rows)}
</div>
<p>${t.next}</p>`;
  return shell(language, title, '', body);
}

export type MessageKind =
  | 'APPROVED'
  | 'REJECTED'
  | 'ALREADY_DECIDED'
  | 'EXPIRED'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'TOO_LARGE'
  | 'UNSUPPORTED';

const MESSAGE_STATUS: Record<MessageKind, { httpStatus: number; status: 'ok' | 'error' }> = {
  APPROVED: { httpStatus: 200, status: 'ok' },
  REJECTED: { httpStatus: 200, status: 'ok' },
  ALREADY_DECIDED: { httpStatus: 409, status: 'error' },
  EXPIRED: { httpStatus: 410, status: 'error' },
  NOT_FOUND: { httpStatus: 404, status: 'error' },
  BAD_REQUEST: { httpStatus: 400, status: 'error' },
  TOO_LARGE: { httpStatus: 413, status: 'error' },
  UNSUPPORTED: { httpStatus: 415, status: 'error' },
};

type MessageEntry = {
  httpStatus: number;
  status: 'ok' | 'error';
  en: { title: string; message: string };
  fr: { title: string; message: string };
};
const entry = (kind: MessageKind): MessageEntry => ({
  ...MESSAGE_STATUS[kind],
  en: copy.messages.en[kind],
  fr: copy.messages.fr[kind],
});

/** Ready-made texts for the usual answers to a POST, with the HTTP status each goes with. */
export const MESSAGES: Record<MessageKind, MessageEntry> = {
  APPROVED: entry('APPROVED'),
  REJECTED: entry('REJECTED'),
  ALREADY_DECIDED: entry('ALREADY_DECIDED'),
  EXPIRED: entry('EXPIRED'),
  NOT_FOUND: entry('NOT_FOUND'),
  BAD_REQUEST: entry('BAD_REQUEST'),
  TOO_LARGE: entry('TOO_LARGE'),
  UNSUPPORTED: entry('UNSUPPORTED'),
};

/** The message page for one of the usual answers, in the given language. */
export function renderMessageFor(
  kind: MessageKind,
  language: Language,
): { httpStatus: number; html: string } {
  const entry = MESSAGE_STATUS[kind];
  return {
    httpStatus: entry.httpStatus,
    html: renderMessagePage({ language, status: entry.status, ...copy.messages[language][kind] }),
  };
}
