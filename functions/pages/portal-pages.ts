/**
 * The pages people sign in to: home, sign-in, the port authority's proposals (list, form, where one
 * stands), finance's dashboard and the admin's evaluations. Pure functions of the API's answers,
 * on the shared shell, `html` tag and copy catalogue; every figure and date in the reader's language.
 */

import { evaluationReportBody } from '../evaluation/evaluation-pages.ts';
import type { EvaluationView } from '../evaluation/evaluation-view.ts';
import { FUND_YEARS } from '../funding/domain/fund.ts';
import { type Fragment, type Html, html } from '../platform/html.ts';
import { ROLES } from '../platform/roles.ts';
import type { Session } from '../platform/session.ts';
import { CATEGORIES, CATEGORY_LABELS, FUNDING_PURPOSES } from '../proposals/domain/categories.ts';
import type { Language } from '../sign-off/domain/sign-off.ts';
import { AUTHORITY_NAMES, type Authority } from '../sign-off/domain/sign-off.ts';
import * as copy from './copy/index.ts';
import { type AslDefinition, type FlowProgress, flowPicture } from './flow-picture.ts';
import { date, dateTime, money } from './format.ts';
import { languageSwitch, shell } from './pages.ts';

export interface PageContext {
  language: Language;
  session?: Session;
  /** The page's own query (kept by the language switch). */
  query?: Record<string, string>;
}

const t = (language: Language) => copy.portal[language];

function nav(ctx: PageContext): Html {
  const p = t(ctx.language);
  const roles = ctx.session?.roles ?? [];
  const links: [string, string][] = [['/', p.home]];
  if (roles.some((r) => r === 'port-authority' || r === 'finance' || r === 'admin'))
    links.push(['/app/proposals', p.proposals]);
  if (roles.includes('finance') || roles.includes('admin')) links.push(['/app/finance', p.financeTitle]);
  if (roles.includes('admin')) links.push(['/app/evaluations/1', p.evaluations]);
  links.push(['/docs', p.apiDocs]);
  return html`<nav aria-label="${p.mainNav}"><ul>${links.map(([href, label]) => html`<li><a href="${withLang(href, ctx.language)}">${label}</a></li>`)}</ul></nav>
${
  ctx.session
    ? html`<form method="post" action="/signout" class="signout"><input type="hidden" name="csrf" value="${ctx.session.csrf}"><span>${p.signedInAs(ctx.session.name)}</span> <button type="submit">${p.signOut}</button></form>`
    : html`<a class="button primary" href="${withLang('/signin', ctx.language)}">${p.signIn}</a>`
}
${languageSwitch(ctx.language, ctx.query ?? {})}`;
}

export function withLang(href: string, language: Language): string {
  return `${href}${href.includes('?') ? '&' : '?'}lang=${language}`;
}

export function page(ctx: PageContext, title: string, body: Fragment): string {
  return shell(ctx.language, title, nav(ctx), body);
}

function eurGbp(eurCents: number, gbpPence: number, language: Language): Html {
  return html`${money(eurCents, 'EUR', language)}<br><small>${money(gbpPence, 'GBP', language)}</small>`;
}
const toGbp = (eurCents: number) => Math.round(eurCents * 0.8);

// ---------------------------------------------------------------------------------------------

export function homePage(ctx: PageContext): string {
  const p = t(ctx.language);
  const card = (title: string, text: string, href?: string) =>
    html`<div class="card"><h3>${href ? html`<a href="${withLang(href, ctx.language)}">${title}</a>` : title}</h3><p>${text}</p></div>`;
  return page(
    ctx,
    p.home,
    html`<h1>${copy.service[ctx.language].name}</h1>
<p>${p.intro}</p>
<p>${p.purposesIntro}</p>
<ul>${p.declaredPurposes.map((item) => html`<li>${item}</li>`)}</ul>
${ctx.session ? '' : html`<p><a class="button primary" href="${withLang('/signin', ctx.language)}">${p.signIn}</a></p>`}
<h2>${p.waysIn}</h2>
<div class="cards">
${card(p.portAuthority, p.portAuthorityText, '/app/proposals')}
${card(p.finance, p.financeText, '/app/finance')}
${card(p.admin, p.adminText, '/app/evaluations/1')}
${card(p.approvers, p.approversText)}
${card(p.apiUsers, p.apiUsersText, '/docs')}
</div>`,
  );
}

export function devSignInPage(ctx: PageContext, action: string, next: string): string {
  const p = t(ctx.language);
  return page(
    ctx,
    p.devSignIn,
    html`<h1>${p.devSignIn}</h1>
<p>${p.devSignInText}</p>
<form method="post" action="${action}">
<input type="hidden" name="next" value="${next}">
<fieldset><legend>${p.role}</legend>
${ROLES.map((role, index) => html`<div><input type="radio" id="role-${role}" name="role" value="${role}"${index === 0 ? html` checked` : ''}> <label for="role-${role}" class="inline">${p.roles[role] ?? role}</label></div>`)}
</fieldset>
<button type="submit" class="send">${p.signIn}</button>
</form>`,
  );
}

export function messagePage(ctx: PageContext, title: string, text: string): string {
  return page(ctx, title, html`<div class="status-error"><h1>${title}</h1><p>${text}</p></div>`);
}

// --------------------------------------------------------------------------------------------- proposals

export interface ProposalListItem {
  proposalId: string;
  title: string;
  status: string;
  category: string;
  submittedAt?: string;
  createdAt?: string;
  totalEurCents?: number;
  totalGbpPence?: number;
  funding?: { amountEurCents: number }[];
}

export function proposalsPage(
  ctx: PageContext,
  items: ProposalListItem[],
  nextCursor: string | null | undefined,
  canSubmit: boolean,
): string {
  const p = t(ctx.language);
  const l = ctx.language;
  const rows = items.map((item) => {
    const total = item.totalEurCents ?? (item.funding ?? []).reduce((s, line) => s + line.amountEurCents, 0);
    return html`<tr><td data-label="${p.title}"><a href="${withLang(`/app/proposals/${encodeURIComponent(item.proposalId)}`, l)}">${item.title}</a><br><small>${item.proposalId}</small></td><td data-label="${p.status}" class="status">${p.statuses[item.status] ?? item.status}</td><td data-label="${p.category}">${isCategory(item.category) ? CATEGORY_LABELS[item.category][l] : item.category}</td><td data-label="${p.submitted}">${date(item.submittedAt ?? item.createdAt, l)}</td><td data-label="${p.total}" class="num">${eurGbp(total, item.totalGbpPence ?? toGbp(total), l)}</td></tr>`;
  });
  return page(
    ctx,
    p.proposals,
    html`<h1>${p.proposals}</h1>
${canSubmit ? html`<p><a class="button primary" href="${withLang('/app/proposals/new', l)}">${p.newProposal}</a></p>` : ''}
${
  items.length === 0
    ? html`<p>${p.noProposals}</p>`
    : html`<table class="stack"><thead><tr><th scope="col">${p.title}</th><th scope="col">${p.status}</th><th scope="col">${p.category}</th><th scope="col">${p.submitted}</th><th scope="col" class="num">${p.total}</th></tr></thead><tbody>${rows}</tbody></table>`
}
${nextCursor ? html`<p><a href="${withLang(`/app/proposals?cursor=${encodeURIComponent(nextCursor)}`, l)}">${p.nextPage}</a></p>` : ''}`,
  );
}

function isCategory(value: string): value is (typeof CATEGORIES)[number] {
  return (CATEGORIES as readonly string[]).includes(value);
}

export const FORM_LINES = 4;

export interface ProposalFormValues {
  title: string;
  category: string;
  description: string;
  contactEmail: string;
  lines: { fundYear: string; purpose: string; amount: string }[];
  idempotencyKey: string;
}

/** Field ids are the API's error paths (`funding.0.amountEurCents` → `funding-0-amount`). */
export function proposalFormPage(
  ctx: PageContext & { session: Session },
  values: ProposalFormValues,
  errors: Map<string, string[]>,
): string {
  const p = t(ctx.language);
  const l = ctx.language;
  const errorOf = (id: string) => errors.get(id);
  const field = (
    id: string,
    label: string,
    control: (describedBy: string, invalid: boolean) => Html,
    hint?: string,
  ) => {
    const problems = errorOf(id);
    const describedBy = [hint ? `${id}-hint` : '', problems ? `${id}-error` : ''].filter(Boolean).join(' ');
    return html`<div class="field${problems ? ' field-error' : ''}">
<label for="${id}">${label}</label>
${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}
${problems ? html`<p class="error-message" id="${id}-error">${problems.join(' ')}</p>` : ''}
${control(describedBy, Boolean(problems))}
</div>`;
  };
  const attrs = (describedBy: string, invalid: boolean) =>
    html`${describedBy ? html` aria-describedby="${describedBy}"` : ''}${invalid ? html` aria-invalid="true"` : ''}`;
  const select =
    (id: string, name: string, value: string, options: [string, string][]) =>
    (describedBy: string, invalid: boolean) =>
      html`<select id="${id}" name="${name}"${attrs(describedBy, invalid)}><option value="">${p.choose}</option>${options.map(([v, label]) => html`<option value="${v}"${v === value ? html` selected` : ''}>${label}</option>`)}</select>`;
  const summary = [...errors].map(
    ([id, messages]) => html`<li><a href="#${id}">${messages.join(' ')}</a></li>`,
  );
  return page(
    ctx,
    p.newProposal,
    html`<h1>${p.newProposal}</h1>
${summary.length > 0 ? html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title"><h2 id="error-summary-title">${p.problem}</h2><ul>${summary}</ul></div>` : ''}
<form method="post" action="${withLang('/app/proposals/new', l)}" novalidate>
<input type="hidden" name="csrf" value="${ctx.session.csrf}">
<input type="hidden" name="idempotencyKey" value="${values.idempotencyKey}">
${field('title', p.title, (d, i) => html`<input type="text" class="wide" id="title" name="title" maxlength="200" value="${values.title}"${attrs(d, i)}>`)}
${field(
  'category',
  p.category,
  select(
    'category',
    'category',
    values.category,
    CATEGORIES.map((c) => [c, CATEGORY_LABELS[c][l]]),
  ),
)}
${field('description', p.description, (d, i) => html`<textarea class="wide" id="description" name="description" rows="5"${attrs(d, i)}>${values.description}</textarea>`)}
${field('contactEmail', p.contactEmail, (d, i) => html`<input type="email" class="wide" id="contactEmail" name="contactEmail" autocomplete="email" value="${values.contactEmail}"${attrs(d, i)}>`)}
<h2>${p.fundingLines}</h2>
<p class="hint">${p.fundingLinesHint}</p>
${errorOf('funding') ? html`<p class="error-message" id="funding">${(errorOf('funding') ?? []).join(' ')}</p>` : ''}
${values.lines.map(
  (
    line,
    index,
  ) => html`<fieldset${['fundYear', 'purpose', 'amount'].some((f) => errorOf(`funding-${index}-${f}`) || errorOf(`funding-${index}`)) ? html` class="field-error"` : ''}><legend>${p.fundingLine(index + 1)}</legend>
${errorOf(`funding-${index}`) ? html`<p class="error-message" id="funding-${index}">${(errorOf(`funding-${index}`) ?? []).join(' ')}</p>` : ''}
<div class="filters">
${field(
  `funding-${index}-fundYear`,
  p.fundYear,
  select(
    `funding-${index}-fundYear`,
    `fundYear${index}`,
    line.fundYear,
    FUND_YEARS.map((y) => [String(y), String(y)]),
  ),
)}
${field(
  `funding-${index}-purpose`,
  p.purpose,
  select(
    `funding-${index}-purpose`,
    `purpose${index}`,
    line.purpose,
    FUNDING_PURPOSES.map((f) => [f, copy.purposes[l][f]]),
  ),
)}
${field(`funding-${index}-amount`, p.amount, (d, i) => html`<input type="text" inputmode="decimal" id="funding-${index}-amount" name="amount${index}" value="${line.amount}"${attrs(d, i)}>`, index === 0 ? p.amountHint : undefined)}
</div>
</fieldset>`,
)}
<button type="submit" class="send">${p.submit}</button>
</form>`,
  );
}

export interface ProposalDetail {
  proposalId: string;
  title: string;
  status: string;
  category: string;
  description: string;
  contactEmail: string;
  funding: {
    fundYear: number;
    purpose: 'INVESTMENT' | 'RUNNING_COST';
    amountEurCents: number;
    amountGbpPence?: number;
  }[];
  signOffs: {
    authority: string;
    status: string;
    requestedAt?: string;
    expiresAt?: string;
    decidedAt?: string;
    comment?: string;
    byDeputy?: boolean;
  }[];
  commitments: { fundYear: number; status: string; amountEurCents: number; amountGbpPence: number }[];
  disbursements: {
    fundYear: number;
    purpose: string;
    amountEurCents: number;
    amountGbpPence: number;
    paymentReference?: string;
    disbursedAt?: string;
  }[];
  timeline: { at: string; event: string; detail: Record<string, unknown> }[];
  workflow?: { status?: string; error?: string };
}

function authorityName(authority: string, language: Language): string {
  return authority in AUTHORITY_NAMES ? AUTHORITY_NAMES[authority as Authority][language] : authority;
}

export function proposalPage(
  ctx: PageContext,
  proposal: ProposalDetail,
  definition: AslDefinition,
  progress: FlowProgress,
): string {
  const p = t(ctx.language);
  const l = ctx.language;
  const purpose = (value: string) =>
    value === 'INVESTMENT' || value === 'RUNNING_COST' ? copy.purposes[l][value] : value;
  const table = (head: string[], rows: Html[]) =>
    rows.length === 0
      ? html`<p>${p.none}</p>`
      : html`<table class="stack"><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
  const detail = (entry: ProposalDetail['timeline'][number]) => {
    const d = entry.detail;
    const parts: string[] = [];
    if (typeof d.status === 'string') parts.push(p.statuses[d.status] ?? d.status);
    if (typeof d.authority === 'string') parts.push(authorityName(d.authority, l));
    if (typeof d.fundYear === 'number') parts.push(`${p.fundYear} ${d.fundYear}`);
    if (typeof d.eurCents === 'number') parts.push(money(d.eurCents, 'EUR', l));
    if (typeof d.comment === 'string') parts.push(`“${d.comment}”`);
    if (typeof d.reason === 'string') parts.push(d.reason);
    return parts.join(' · ');
  };
  return page(
    ctx,
    proposal.title,
    html`<h1>${proposal.title}</h1>
<dl>
<dt>${p.reference}</dt><dd>${proposal.proposalId}</dd>
<dt>${p.status}</dt><dd class="status" id="status">${p.statuses[proposal.status] ?? proposal.status}</dd>
${proposal.workflow?.status ? html`<dt>${p.workflow}</dt><dd>${p.statuses[proposal.workflow.status] ?? proposal.workflow.status}${proposal.workflow.error ? ` (${proposal.workflow.error})` : ''}</dd>` : ''}
<dt>${p.category}</dt><dd>${isCategory(proposal.category) ? CATEGORY_LABELS[proposal.category][l] : proposal.category}</dd>
<dt>${p.contactEmail}</dt><dd>${proposal.contactEmail}</dd>
<dt>${p.description}</dt><dd class="description">${proposal.description}</dd>
</dl>
<h2>${p.flow}</h2>
<figure>
${flowPicture(definition, progress, { title: p.flowTitle, current: p.current })}
<figcaption>${p.flowLegend}</figcaption>
</figure>
<h2>${p.signOffs}</h2>
${table(
  [p.authority, p.status, p.requested, p.deadline, p.decided, p.comment],
  proposal.signOffs.map(
    (s) =>
      html`<tr><td data-label="${p.authority}">${authorityName(s.authority, l)}</td><td data-label="${p.status}">${p.statuses[s.status] ?? s.status}</td><td data-label="${p.requested}">${dateTime(s.requestedAt, l)}</td><td data-label="${p.deadline}">${dateTime(s.expiresAt, l)}</td><td data-label="${p.decided}">${dateTime(s.decidedAt, l)}</td><td data-label="${p.comment}">${s.comment ?? ''}</td></tr>`,
  ),
)}
<h2>${p.money}</h2>
<h3>${p.requestedFunding}</h3>
${table(
  [p.fundYear, p.purpose, p.amount],
  proposal.funding.map(
    (f) =>
      html`<tr><td data-label="${p.fundYear}">${f.fundYear}</td><td data-label="${p.purpose}">${purpose(f.purpose)}</td><td data-label="${p.amount}" class="num">${eurGbp(f.amountEurCents, f.amountGbpPence ?? toGbp(f.amountEurCents), l)}</td></tr>`,
  ),
)}
<h3>${p.commitments}</h3>
${table(
  [p.fundYear, p.status, p.amount],
  proposal.commitments.map(
    (c) =>
      html`<tr><td data-label="${p.fundYear}">${c.fundYear}</td><td data-label="${p.status}">${p.statuses[c.status] ?? c.status}</td><td data-label="${p.amount}" class="num">${eurGbp(c.amountEurCents, c.amountGbpPence, l)}</td></tr>`,
  ),
)}
<h3>${p.disbursements}</h3>
${table(
  [p.date, p.fundYear, p.purpose, p.amount, p.paymentReference],
  proposal.disbursements.map(
    (d) =>
      html`<tr><td data-label="${p.date}">${dateTime(d.disbursedAt, l)}</td><td data-label="${p.fundYear}">${d.fundYear}</td><td data-label="${p.purpose}">${purpose(d.purpose)}</td><td data-label="${p.amount}" class="num">${eurGbp(d.amountEurCents, d.amountGbpPence, l)}</td><td data-label="${p.paymentReference}">${d.paymentReference ?? ''}</td></tr>`,
  ),
)}
<h2>${p.timeline}</h2>
<ol class="timeline">${proposal.timeline.map((entry) => html`<li><time datetime="${entry.at}">${dateTime(entry.at, l)}</time>: ${p.events[entry.event] ?? entry.event}${detail(entry) ? ` – ${detail(entry)}` : ''}</li>`)}</ol>`,
  );
}

// --------------------------------------------------------------------------------------------- finance

export interface FundYearFigures {
  fundYear: number;
  capEurCents: number;
  committedEurCents: number;
  disbursedEurCents: number;
  remainingEurCents: number;
  capGbpPence: number;
  committedGbpPence: number;
  disbursedGbpPence: number;
  remainingGbpPence: number;
}

/** Horizontal bars, one per figure, scaled to the largest; each bar labelled with its EUR and GBP. */
export function barChart(
  id: string,
  title: string,
  bars: { label: string; eurCents: number; gbpPence: number; colour: string }[],
  language: Language,
): Html {
  const width = 640;
  const labelW = 120;
  const barH = 26;
  const gap = 14;
  const max = Math.max(1, ...bars.map((b) => b.eurCents));
  const height = bars.length * (barH + gap) + gap;
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-title" class="chart" id="${id}">
<title id="${id}-title">${title}</title>
${bars.map((bar, index) => {
  const y = gap + index * (barH + gap);
  const w = Math.max(1, Math.round(((width - labelW - 10) * bar.eurCents) / max));
  return html`<g data-figure="${bar.label}"><text x="0" y="${y + barH / 2 + 4}" font-size="13" font-family="sans-serif" fill="#1b1b1b">${bar.label}</text>
<rect x="${labelW}" y="${y}" width="${w}" height="${barH}" fill="${bar.colour}"/>
<text x="${labelW + 6}" y="${y + barH / 2 + 4}" font-size="12" font-family="sans-serif" fill="#ffffff" stroke="#1b1b1b" stroke-width="3" paint-order="stroke">${money(bar.eurCents, 'EUR', language)} · ${money(bar.gbpPence, 'GBP', language)}</text></g>`;
})}
</svg>`;
}

export interface DisbursementRow {
  disbursementId?: string;
  proposalId: string;
  title?: string;
  fundYear: number;
  purpose: string;
  category?: string;
  amountEurCents: number;
  amountGbpPence: number;
  paymentReference?: string;
  recordedAt: string;
}

export interface FinanceModel {
  years: FundYearFigures[];
  disbursements: DisbursementRow[];
  totals?: {
    eurCents?: number;
    gbpPence?: number;
    amountEurCents?: number;
    amountGbpPence?: number;
    count?: number;
  };
  nextCursor?: string | null;
  filters: Record<string, string>;
  ledger: { ok: boolean; records: number; head?: { seq?: number; hash?: string } | string | null };
  canStartEvaluations: boolean;
}

export function financePage(ctx: PageContext, model: FinanceModel): string {
  const p = t(ctx.language);
  const l = ctx.language;
  const f = model.filters;
  const query = new URLSearchParams(Object.entries(f).filter(([, v]) => v !== '')).toString();
  const select = (name: string, label: string, options: [string, string][]) =>
    html`<div class="field"><label for="filter-${name}">${label}</label><select id="filter-${name}" name="${name}"><option value="">${p.any}</option>${options.map(([v, text]) => html`<option value="${v}"${f[name] === v ? html` selected` : ''}>${text}</option>`)}</select></div>`;
  const input = (name: string, label: string, type: string) =>
    html`<div class="field"><label for="filter-${name}">${label}</label><input type="${type}" id="filter-${name}" name="${name}" value="${f[name] ?? ''}"></div>`;
  const totals = model.totals ?? {};
  const totalEur = totals.eurCents ?? totals.amountEurCents;
  const totalGbp = totals.gbpPence ?? totals.amountGbpPence;
  const head = model.ledger.head;
  const headText =
    head && typeof head === 'object'
      ? `#${head.seq ?? '?'} ${head.hash ?? ''}`
      : typeof head === 'string'
        ? head
        : '–';
  return page(
    ctx,
    p.financeTitle,
    html`<h1>${p.financeTitle}</h1>
<h2>${p.envelopes}</h2>
<div class="years">
${model.years.map(
  (
    y,
  ) => html`<section class="card" aria-labelledby="fy-${y.fundYear}"><h3 id="fy-${y.fundYear}">${p.fundYear} ${y.fundYear}</h3>
${barChart(
  `chart-fy${y.fundYear}`,
  p.envelopeChart(y.fundYear),
  [
    { label: p.cap, eurCents: y.capEurCents, gbpPence: y.capGbpPence, colour: '#505a5f' },
    { label: p.committed, eurCents: y.committedEurCents, gbpPence: y.committedGbpPence, colour: '#1d3f7a' },
    { label: p.disbursed, eurCents: y.disbursedEurCents, gbpPence: y.disbursedGbpPence, colour: '#00703c' },
    { label: p.remaining, eurCents: y.remainingEurCents, gbpPence: y.remainingGbpPence, colour: '#b58840' },
  ],
  l,
)}
<table class="figures" data-fund-year="${y.fundYear}"><tbody>
<tr><th scope="row">${p.cap}</th><td class="num" data-figure="cap">${eurGbp(y.capEurCents, y.capGbpPence, l)}</td></tr>
<tr><th scope="row">${p.committed}</th><td class="num" data-figure="committed">${eurGbp(y.committedEurCents, y.committedGbpPence, l)}</td></tr>
<tr><th scope="row">${p.disbursed}</th><td class="num" data-figure="disbursed">${eurGbp(y.disbursedEurCents, y.disbursedGbpPence, l)}</td></tr>
<tr><th scope="row">${p.remaining}</th><td class="num" data-figure="remaining">${eurGbp(y.remainingEurCents, y.remainingGbpPence, l)}</td></tr>
</tbody></table></section>`,
)}
</div>
<h2>${p.disbursements}</h2>
<form method="get" action="/app/finance" class="filters" aria-label="${p.filters}">
<input type="hidden" name="lang" value="${l}">
${select(
  'fundYear',
  p.fundYear,
  FUND_YEARS.map((y) => [String(y), String(y)]),
)}
${select(
  'category',
  p.category,
  CATEGORIES.map((c) => [c, CATEGORY_LABELS[c][l]]),
)}
${select(
  'purpose',
  p.purpose,
  FUNDING_PURPOSES.map((x) => [x, copy.purposes[l][x]]),
)}
${input('proposalId', p.proposalId, 'text')}
${input('from', p.from, 'date')}
${input('to', p.to, 'date')}
${select(
  'limit',
  p.limit,
  ['10', '25', '50', '100'].map((n) => [n, n]),
)}
<div class="field"><button type="submit">${p.apply}</button></div>
</form>
<p><a class="button" href="${`/app/finance/disbursements.csv${query ? `?${query}` : ''}`}" download>${p.downloadCsv}</a></p>
${
  model.disbursements.length === 0
    ? html`<p>${p.noDisbursements}</p>`
    : html`<table class="stack" id="disbursements"><thead><tr><th scope="col">${p.date}</th><th scope="col">${p.proposal}</th><th scope="col">${p.fundYear}</th><th scope="col">${p.purpose}</th><th scope="col" class="num">${p.amount}</th><th scope="col">${p.paymentReference}</th></tr></thead><tbody>
${model.disbursements.map(
  (d) =>
    html`<tr><td data-label="${p.date}">${dateTime(d.recordedAt, l)}</td><td data-label="${p.proposal}">${d.title ?? ''} <small>${d.proposalId}</small></td><td data-label="${p.fundYear}">${d.fundYear}</td><td data-label="${p.purpose}">${d.purpose === 'INVESTMENT' || d.purpose === 'RUNNING_COST' ? copy.purposes[l][d.purpose] : d.purpose}</td><td data-label="${p.amount}" class="num">${eurGbp(d.amountEurCents, d.amountGbpPence, l)}</td><td data-label="${p.paymentReference}">${d.paymentReference ?? ''}</td></tr>`,
)}
</tbody>${totalEur !== undefined ? html`<tfoot><tr><th scope="row" colspan="4">${p.selectionTotals}</th><td class="num" data-label="${p.total}">${eurGbp(totalEur, totalGbp ?? toGbp(totalEur), l)}</td><td></td></tr></tfoot>` : ''}</table>`
}
<p>${f.cursor ? html`<a href="${withLang(`/app/finance?${new URLSearchParams(Object.entries(f).filter(([k, v]) => k !== 'cursor' && v !== '')).toString()}`, l)}">${p.firstPage}</a> ` : ''}${model.nextCursor ? html`<a href="${withLang(`/app/finance?${new URLSearchParams({ ...Object.fromEntries(Object.entries(f).filter(([, v]) => v !== '')), cursor: model.nextCursor }).toString()}`, l)}">${p.nextPage}</a>` : ''}</p>
<h2>${p.ledger}</h2>
<div class="${model.ledger.ok ? 'status-ok' : 'status-error'}" id="ledger"><p>${model.ledger.ok ? p.ledgerOk(model.ledger.records) : p.ledgerBroken}</p><p><small>${p.head}: ${headText}</small></p></div>
<h2>${p.evaluations}</h2>
<ul><li><a href="${withLang('/app/evaluations/1', l)}">${p.evaluationOf(1)}</a></li><li><a href="${withLang('/app/evaluations/2', l)}">${p.evaluationOf(2)}</a></li></ul>`,
  );
}

// --------------------------------------------------------------------------------------------- evaluations

export function evaluationPage(
  ctx: PageContext,
  fundYear: number,
  view: EvaluationView | undefined,
  canStart: boolean,
  notice?: string,
): string {
  const p = t(ctx.language);
  const l = ctx.language;
  const title = p.evaluationOf(fundYear);
  const startForm =
    canStart && ctx.session
      ? html`<form method="post" action="${withLang(`/app/evaluations/${fundYear}`, l)}"><input type="hidden" name="csrf" value="${ctx.session.csrf}">
<div class="field"><label for="reason">${p.startReason}</label><textarea id="reason" name="reason" rows="2" maxlength="1000"></textarea></div>
<button type="submit" class="send">${p.start}</button></form>`
      : '';
  return page(
    ctx,
    title,
    html`<h1>${title}</h1>
${notice ? html`<div class="status-ok" role="status"><p>${notice}</p></div>` : ''}
${
  view
    ? html`${barChart(
        `chart-evaluation`,
        p.chartOf(fundYear),
        [
          {
            label: p.committed,
            eurCents: view.totals.fundedEurCents,
            gbpPence: view.totals.fundedGbpPence,
            colour: '#1d3f7a',
          },
          {
            label: p.actualCost,
            eurCents: view.totals.actualEurCents ?? 0,
            gbpPence: view.totals.actualGbpPence ?? 0,
            colour: '#505a5f',
          },
          {
            label: p.tranche,
            eurCents: view.totals.nextTrancheEurCents,
            gbpPence: view.totals.nextTrancheGbpPence,
            colour: '#00703c',
          },
        ],
        l,
      )}
${evaluationReportBody(view, l)}
${['REJECTED', 'EXPIRED', 'PARTLY_APPROVED'].includes(view.status) ? startForm : ''}`
    : html`<p>${p.notStarted}</p>${startForm}`
}`,
  );
}
