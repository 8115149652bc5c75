/**
 * The emails the fund sends: sign-off requests (with reminders and deputy escalation), proposal
 * outcomes to the port authority (FUNDED also to finance), and later payments to finance and the
 * port authority. Amounts are said in euros (and pounds) in the reader's language, never in cents.
 * Pure functions: no I/O, no clock. Each email has a plain-text part and an HTML part built from
 * the same blocks; the HTML is built with the escaping `html` tag and the words come from the copy catalogue.
 */
import {
  type ExchangeRate,
  eurCentsToGbpPence,
  formatEuros,
  formatPounds,
  REFERENCE_RATE,
} from '../funding/domain/money.ts';
import { type Html, html, join, trusted } from '../platform/html.ts';
import { CATEGORY_LABELS, type FundingPurpose } from '../proposals/domain/categories.ts';
import type { ProposalStatus } from '../proposals/domain/statuses.ts';
import { type DecisionNote, describeDecision } from '../sign-off/decisions.ts';
import {
  AUTHORITY_NAMES,
  type Authority,
  type Language,
  languageOf,
  type SignOffStage,
} from '../sign-off/domain/sign-off.ts';
import * as copy from './copy/index.ts';
import { money } from './format.ts';
import { formatDateTime, PURPOSE_LABELS, SERVICE_NAME, type SubjectSummary } from './pages.ts';

export interface Email {
  subject: string;
  text: string;
  html: string;
}

export interface SignOffRequestInput {
  authority: Authority;
  stage: SignOffStage;
  asDeputy: boolean;
  /** The full link (`{base}/approvals/{approvalId}?token=...`); must be http(s). */
  link: string;
  subject: SubjectSummary;
  /** ISO 8601 instant the link stops working. */
  expiresAt: string;
}

export interface ProposalOutcomeInput {
  proposalId: string;
  title: string;
  status: ProposalStatus;
  /** Free text: why (e.g. which envelope lacked room for FUNDS_UNAVAILABLE). */
  reason?: string;
  /** For REJECTED: which authority rejected, and its comment if it gave one. */
  rejectedBy?: Authority;
  comment?: string;
  amounts?: OutcomeAmounts;
  /** Where the proposal stands (its page, after sign-in); must be http(s). */
  link?: string;
  /** Every decision taken (the road authority's conditions, the approvers' comments). */
  decisions?: DecisionNote[];
  /** For EXPIRED: the authorities that did not decide in time. */
  unanswered?: Authority[];
  /** For FUNDS_UNAVAILABLE: the envelopes that lacked room, with their figures. */
  shortfalls?: EnvelopeShortfall[];
  /** For FUNDED: the commitments, the payments made at once and the envelopes' room after. */
  funded?: FundedFigures;
}

/** Figures an outcome email may quote; each is shown in EUR and in GBP at `rate`. */
export interface OutcomeAmounts {
  /** Total asked for across every funding line. */
  requestedEurCents?: number;
  /** Committed across fund years (FUNDED). */
  committedEurCents?: number;
  /** Released now: the current fund year's investment (FUNDED). */
  releasedEurCents?: number;
  /** The rate the record used; the fund's reference rate if absent. */
  rate?: ExchangeRate;
}

export interface FundsEmailInput {
  kind: 'COMMITTED' | 'DISBURSED';
  proposalId: string;
  title: string;
  fundYear: number;
  eurCents: number;
  gbpPence: number;
  paymentReference?: string;
  /** The ledger record's `seq:hash`, which finance can later give to `GET /ledger/verify?witness=`. */
  ledgerWitness?: string;
  /** Why this money, when it is not plain investment (e.g. a running-cost tranche after an evaluation). */
  purpose?: string;
  /** Where the proposal stands (its page, after sign-in); must be http(s). */
  link?: string;
}

export interface CostReportRequestInput {
  /** The full link (`{base}/cost-reports/{reportId}?token=...`); must be http(s). */
  link: string;
  proposalId: string;
  title: string;
  /** The fund year whose actual cost is asked for. */
  fundYear: number;
  /** RUNNING_COST committed for the next fund year. */
  fundedEurCents: number;
  /** ISO 8601 instant the report is due. */
  expiresAt: string;
  /** Reminder n (the report is still missing); absent for the first request. */
  reminder?: number;
}

export interface CostReportDeadlineInput {
  proposalId: string;
  title: string;
  fundYear: number;
  /** ISO 8601 instant the report was due. */
  expiresAt: string;
}

// ---------------------------------------------------------------------------------------------
// Blocks: one description of the content, rendered to both text and HTML.

type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'para'; text: string }
  | { kind: 'fields'; rows: [label: string, value: string][] }
  | { kind: 'list'; items: string[] }
  | { kind: 'longText'; text: string }
  | { kind: 'link'; url: string };

const SEPARATOR = '-'.repeat(60);

/** French typography puts a space before the colon. */
function colon(language: Language): string {
  return language === 'fr' ? ' : ' : ': ';
}

function blocksToText(blocks: Block[], language: Language): string {
  return blocks
    .map((block) => {
      switch (block.kind) {
        case 'heading':
        case 'para':
          return block.text;
        case 'fields':
          return block.rows.map(([label, value]) => `${label}${colon(language)}${value}`).join('\n');
        case 'list':
          return block.items.map((item) => `  - ${item}`).join('\n');
        case 'longText':
          return block.text
            .split(/\r?\n/)
            .map((line) => `  ${line}`)
            .join('\n');
        case 'link':
          return block.url;
      }
      return '';
    })
    .join('\n\n');
}

function blockToHtml(block: Block): Html {
  switch (block.kind) {
    case 'heading':
      return html`<h2>${block.text}</h2>`;
    case 'para':
      return html`<p>${block.text}</p>`;
    case 'fields':
      return html`<table role="presentation">${block.rows.map(
        ([label, value]) => html`<tr><th align="left" valign="top">${label}</th><td>${value}</td></tr>`,
      )}</table>`;
    case 'list':
      return html`<ul>${block.items.map((item) => html`<li>${item}</li>`)}</ul>`;
    case 'longText':
      return html`<p style="white-space:pre-wrap">${block.text}</p>`;
    case 'link':
      return html`<p><a href="${block.url}">${block.url}</a></p>`;
  }
}

/** French first, then English, or English only; one email from per-language blocks. */
function compose(subject: string, sections: { language: Language; blocks: Block[] }[]): Email {
  const text = `${sections.map((s) => blocksToText(s.blocks, s.language)).join(`\n\n${SEPARATOR}\n\n`)}\n`;
  const first = sections[0]?.language ?? 'en';
  const body = join(
    sections.map(
      (s) => html`<div lang="${s.language}">\n${join(s.blocks.map(blockToHtml), trusted('\n'))}\n</div>`,
    ),
    trusted('\n<hr>\n'),
  );
  // Mail clients ignore external stylesheets: the one style here is inline on purpose.
  const markup = html`<!doctype html>
<html lang="${first}">
<head><meta charset="utf-8">
<title>${subject}</title></head>
<body style="font-family:sans-serif;line-height:1.5">
${body}
</body>
</html>
`;
  return { subject: oneLine(subject), text, html: markup.toString() };
}

/** A subject is one header line: no CR/LF or other control characters from a title. */
function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

function assertHttpLink(link: string): void {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new RangeError(`Link is not a URL: ${link}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RangeError(`Link must be http(s): ${link}`);
  }
}

/**
 * An amount in euros with its pounds, in the reader's language: `EUR 905,000.00 (GBP 724,000.00)` in
 * English, `905 000,00 € (724 000,00 £GB)` in French. Never cents.
 */
function eurGbp(eurCents: number, language: Language, rate: ExchangeRate = REFERENCE_RATE): string {
  const pence = eurCentsToGbpPence(eurCents, rate);
  return language === 'fr'
    ? `${money(eurCents, 'EUR', 'fr')} (${money(pence, 'GBP', 'fr')})`
    : `${formatEuros(eurCents)} (${formatPounds(pence)})`;
}

/** An amount in euros alone, in the reader's language. */
function euros(eurCents: number, language: Language): string {
  return language === 'fr' ? money(eurCents, 'EUR', 'fr') : formatEuros(eurCents);
}

/** "Title (P-123)": how every email names a proposal. */
function named(title: string, id: string): string {
  return `${title} (${id})`;
}

// ---------------------------------------------------------------------------------------------
// Sign-off requests

/** How a subject line names what is to be decided: "Title (P-1)", or the evaluation in every language. */
function subjectName(subject: SubjectSummary, languages: Language[]): string {
  if (subject.type === 'PROPOSAL') return named(subject.title, subject.proposalId);
  const names = languages.map((language) => copy.signOffEmail[language].evaluationName(subject.fundYear));
  return named(names.join(' / '), subject.evaluationId);
}

/** "Rappel 1/2 – Transmission au suppléant – Validation demandée" (the parts that apply). */
function requestKind(input: SignOffRequestInput, language: Language): string {
  const t = copy.signOffEmail[language];
  const parts: string[] = [];
  if (input.stage === 'REMINDER_1') parts.push(t.reminder(1));
  if (input.stage === 'REMINDER_2') parts.push(t.reminder(2));
  if (input.asDeputy || input.stage === 'DEPUTY') parts.push(t.deputy);
  parts.push(input.authority === 'ROAD' ? t.agreement : t.signOff);
  return parts.join(' – ');
}

function requestBlocks(input: SignOffRequestInput, language: Language): Block[] {
  const t = copy.signOffEmail[language];
  const name = AUTHORITY_NAMES[input.authority][language];
  const deputy = input.asDeputy || input.stage === 'DEPUTY';
  const blocks: Block[] = [
    { kind: 'heading', text: `${requestKind(input, language)}${colon(language)}${name}` },
  ];
  if (input.stage === 'REMINDER_1') blocks.push({ kind: 'para', text: t.reminderIntro(1) });
  if (input.stage === 'REMINDER_2') blocks.push({ kind: 'para', text: t.reminderIntro(2) });
  blocks.push({ kind: 'para', text: deputy ? t.introDeputy(name) : t.intro(name) });

  const { subject } = input;
  if (subject.type === 'PROPOSAL') {
    const total = subject.funding.reduce((sum, line) => sum + line.amountEurCents, 0);
    blocks.push(
      {
        kind: 'fields',
        rows: [
          [t.proposal, subject.title],
          [t.reference, subject.proposalId],
          [t.category, CATEGORY_LABELS[subject.category][language]],
          [t.contact, subject.contactEmail],
        ],
      },
      { kind: 'para', text: t.funding },
      {
        kind: 'list',
        items: [
          ...subject.funding.map((line) =>
            t.fundingLine(
              line.fundYear,
              PURPOSE_LABELS[line.purpose][language],
              eurGbp(line.amountEurCents, language),
            ),
          ),
          `${t.total}${colon(language)}${eurGbp(total, language)}`,
        ],
      },
      { kind: 'para', text: t.description },
      { kind: 'longText', text: subject.description },
    );
    const decisions = subject.decisions ?? [];
    if (decisions.length > 0) {
      blocks.push(
        { kind: 'para', text: copy.decisions[language].heading },
        { kind: 'list', items: decisions.map((d) => describeDecision(d, language)) },
      );
    }
  } else {
    blocks.push(
      {
        kind: 'fields',
        rows: [
          [t.evaluation, subject.title],
          [t.reference, subject.evaluationId],
          [t.fundYear, String(subject.fundYear)],
        ],
      },
      { kind: 'para', text: t.evaluationLines },
      {
        kind: 'list',
        items: subject.lines.map((line) => {
          const figures = t.evaluationLine(
            named(line.title, line.proposalId),
            eurGbp(line.fundedEurCents, language),
            line.actualEurCents === null ? t.notReported : eurGbp(line.actualEurCents, language),
            eurGbp(line.nextTrancheEurCents, language),
          );
          // The port authority's note with its cost report travels with the figures.
          return line.note ? `${figures}. ${copy.outcomeDetails[language].note(line.note)}` : figures;
        }),
      },
    );
  }
  blocks.push(
    { kind: 'para', text: t.open(formatDateTime(input.expiresAt, language)) },
    { kind: 'link', url: input.link },
    { kind: 'para', text: t.personal },
    { kind: 'para', text: copy.service[language].rateNote },
  );
  return blocks;
}

/**
 * A sign-off (or, for the road authority, agreement) request, its reminders and the deputy's copy.
 * French then English for FR and ROAD; English only for the UK. The link is on its own line.
 */
export function signOffRequestEmail(input: SignOffRequestInput): Email {
  assertHttpLink(input.link);
  const languages: Language[] = languageOf(input.authority) === 'fr' ? ['fr', 'en'] : ['en'];
  // One subject line: the kind of request in each language, then the subject and the authority
  // asked, named in the recipient's language (French first for FR and ROAD).
  const first = languages[0] ?? 'en';
  const kinds = languages.map((language) => requestKind(input, language)).join(' / ');
  const what = subjectName(input.subject, languages);
  const subjectLine = `${kinds}${colon(first)}${what} – ${AUTHORITY_NAMES[input.authority][first]}`;
  return compose(
    `[JIF] ${subjectLine}`,
    languages.map((language) => ({ language, blocks: requestBlocks(input, language) })),
  );
}

// ---------------------------------------------------------------------------------------------
// Outcomes, to the port authority (the port authority of Calais: French first, then English)

/** The port authority is French: its emails say everything in French, then in English. */
const PORT_AUTHORITY_LANGUAGES: Language[] = ['fr', 'en'];

/** Why an envelope could not take a proposal: its room then, and what the proposal asked of it. */
export interface EnvelopeShortfall {
  fundYear: number;
  leftEurCents: number;
  askedEurCents: number;
}

/**
 * A proposal funded: what was committed per fund year, what was paid at once, and each envelope's
 * room afterwards. One email carries it all, instead of one per commitment and payment.
 */
export interface FundedFigures {
  commitments: { fundYear: number; eurCents: number }[];
  payments: {
    fundYear: number;
    purpose: FundingPurpose;
    eurCents: number;
    paymentReference: string;
    /** The ledger record's `seq:hash`, which finance can give to `GET /ledger/verify?witness=`. */
    ledgerWitness: string;
  }[];
  /** What is left in each envelope touched, after this proposal. */
  envelopes: { fundYear: number; leftEurCents: number }[];
}

/** Why a proposal ended as it did, in words for each language (never a code or cents). */
function whyBlocks(input: ProposalOutcomeInput, language: Language): Block[] {
  const t = copy.outcomeEmail[language];
  const d = copy.outcomeDetails[language];
  const blocks: Block[] = [];
  let explained = false;
  if (input.status === 'REJECTED' && input.rejectedBy) {
    blocks.push({ kind: 'para', text: t.rejectedBy(AUTHORITY_NAMES[input.rejectedBy][language]) });
    explained = true;
  }
  if (input.comment?.trim()) {
    blocks.push({ kind: 'para', text: t.comment }, { kind: 'longText', text: input.comment.trim() });
  }
  if (input.status === 'EXPIRED' && input.unanswered?.length) {
    const names = input.unanswered
      .map((a) => AUTHORITY_NAMES[a][language])
      .join(language === 'fr' ? ' ; ' : '; ');
    blocks.push({ kind: 'para', text: d.unanswered(names) });
    explained = true;
  }
  if (input.shortfalls?.length) {
    blocks.push({
      kind: 'list',
      items: input.shortfalls.map((s) =>
        d.shortfall(s.fundYear, euros(s.leftEurCents, language), euros(s.askedEurCents, language)),
      ),
    });
    explained = true;
  }
  // Free text only when nothing above says why (it is written in English by the flow).
  if (!explained && input.reason?.trim()) blocks.push({ kind: 'para', text: t.reason(input.reason.trim()) });
  return blocks;
}

function fundedBlocks(figures: FundedFigures, language: Language): Block[] {
  const d = copy.outcomeDetails[language];
  const blocks: Block[] = [];
  const left = new Map(figures.envelopes.map((e) => [e.fundYear, e.leftEurCents]));
  if (figures.commitments.length > 0) {
    blocks.push(
      { kind: 'para', text: d.committedHeading },
      {
        kind: 'list',
        items: figures.commitments.map((c) => {
          const room = left.get(c.fundYear);
          return d.committedLine(
            c.fundYear,
            eurGbp(c.eurCents, language),
            room === undefined ? undefined : euros(room, language),
          );
        }),
      },
    );
  }
  if (figures.payments.length > 0) {
    blocks.push(
      { kind: 'para', text: d.paidHeading },
      {
        kind: 'list',
        items: figures.payments.map((p) =>
          d.paidLine(
            p.fundYear,
            PURPOSE_LABELS[p.purpose][language],
            eurGbp(p.eurCents, language),
            p.paymentReference,
            p.ledgerWitness,
          ),
        ),
      },
      { kind: 'para', text: d.witnessNote },
    );
  }
  const paid = figures.payments.reduce((sum, p) => sum + p.eurCents, 0);
  const committed = figures.commitments.reduce((sum, c) => sum + c.eurCents, 0);
  if (committed > paid) blocks.push({ kind: 'para', text: d.later });
  return blocks;
}

function outcomeBlocks(input: ProposalOutcomeInput, language: Language): Block[] {
  const t = copy.outcomeEmail[language];
  const outcome = t.outcomes[input.status];
  const name = named(input.title, input.proposalId);
  const c = colon(language);
  const blocks: Block[] = [
    { kind: 'heading', text: `${outcome.label}${c}${name}` },
    {
      kind: 'fields',
      rows: [
        [t.proposal, input.title],
        [t.reference, input.proposalId],
        [t.status, copy.outcomeDetails[language].status(outcome.label, input.status)],
      ],
    },
    { kind: 'para', text: outcome.text },
    ...whyBlocks(input, language),
  ];
  // The rejection and its comment are said above; every other decision, with its conditions, here.
  const others = (input.decisions ?? []).filter((d) => d.authority !== input.rejectedBy);
  if (others.length > 0) {
    blocks.push(
      { kind: 'para', text: copy.decisions[language].heading },
      { kind: 'list', items: others.map((d) => describeDecision(d, language)) },
    );
  }
  if (input.funded) blocks.push(...fundedBlocks(input.funded, language));
  const amounts = input.amounts;
  const rows: string[] = [];
  if (amounts?.requestedEurCents !== undefined)
    rows.push(t.requested(eurGbp(amounts.requestedEurCents, language, amounts.rate)));
  if (amounts?.committedEurCents !== undefined)
    rows.push(t.committed(eurGbp(amounts.committedEurCents, language, amounts.rate)));
  if (amounts?.releasedEurCents !== undefined)
    rows.push(t.released(eurGbp(amounts.releasedEurCents, language, amounts.rate)));
  if (rows.length > 0) blocks.push({ kind: 'list', items: rows });
  if (rows.length > 0 || input.funded)
    blocks.push({ kind: 'para', text: t.rate((amounts?.rate ?? REFERENCE_RATE).gbpPerEur) });
  if (input.link) blocks.push({ kind: 'para', text: t.follow }, { kind: 'link', url: input.link });
  blocks.push({ kind: 'para', text: `${SERVICE_NAME[language]}.` });
  return blocks;
}

/**
 * The port authority's news about its proposal, one email per status change: French, then English.
 * FUNDED carries the commitments and the payments made at once (finance gets the same email).
 */
export function proposalOutcomeEmail(input: ProposalOutcomeInput): Email {
  if (input.link) assertHttpLink(input.link);
  const languages = PORT_AUTHORITY_LANGUAGES;
  const labels = languages.map((language) => copy.outcomeEmail[language].outcomes[input.status].label);
  const name = named(input.title, input.proposalId);
  return compose(
    `[JIF] ${labels.join(' / ')}${colon(languages[0] ?? 'fr')}${name}`,
    languages.map((language) => ({ language, blocks: outcomeBlocks(input, language) })),
  );
}

// ---------------------------------------------------------------------------------------------
// Payments of later fund years and running-cost tranches, to finance and the port authority
// (French first, then English: one email to both, so it is sent exactly once)

function fundsBlocks(input: FundsEmailInput, language: Language): Block[] {
  const t = copy.fundsEmail[language];
  const name = named(input.title, input.proposalId);
  const committed = input.kind === 'COMMITTED';
  const verb = committed ? t.committedVerb : t.disbursedVerb;
  const amount =
    language === 'fr'
      ? `${money(input.eurCents, 'EUR', 'fr')} (${money(input.gbpPence, 'GBP', 'fr')})`
      : `${formatEuros(input.eurCents)} (${formatPounds(input.gbpPence)})`;
  const rows: [string, string][] = [
    [t.proposal, input.title],
    [t.reference, input.proposalId],
    [t.fundYear, String(input.fundYear)],
    [t.amount, amount],
  ];
  if (input.purpose) rows.push([t.purpose, input.purpose]);
  if (input.paymentReference) rows.push([t.paymentReference, input.paymentReference]);
  if (input.ledgerWitness) rows.push([t.ledgerRecord, input.ledgerWitness]);
  const blocks: Block[] = [
    { kind: 'heading', text: `${verb}${colon(language)}${name}` },
    {
      kind: 'para',
      text: committed ? t.committedText(amount, input.fundYear) : t.disbursedText(amount, input.fundYear),
    },
    { kind: 'fields', rows },
  ];
  if (input.link) {
    blocks.push(
      { kind: 'para', text: copy.outcomeEmail[language].follow },
      { kind: 'link', url: input.link },
    );
  }
  blocks.push({ kind: 'para', text: `${SERVICE_NAME[language]}.` });
  return blocks;
}

/** Funds committed to, or disbursed for, a proposal in one fund year: French, then English. */
export function fundsEmail(input: FundsEmailInput): Email {
  if (input.link) assertHttpLink(input.link);
  const languages = PORT_AUTHORITY_LANGUAGES;
  const committed = input.kind === 'COMMITTED';
  const verbs = languages.map((language) => {
    const t = copy.fundsEmail[language];
    return committed ? t.committedVerb : t.disbursedVerb;
  });
  const t = copy.fundsEmail.en;
  const amount = `${formatEuros(input.eurCents)} (${formatPounds(input.gbpPence)})`;
  return compose(
    `[JIF] ${verbs.join(' / ')} : ${named(input.title, input.proposalId)} – ${t.subjectTail(input.fundYear, amount)}`,
    languages.map((language) => ({ language, blocks: fundsBlocks(input, language) })),
  );
}

// ---------------------------------------------------------------------------------------------
// Annual evaluation: the port authority is asked for a project's actual annual security cost

/** The link opens the form in the language of the section that carries it. */
function linkIn(link: string, language: Language): string {
  const url = new URL(link);
  url.searchParams.set('lang', language);
  return url.toString();
}

function costReportBlocks(input: CostReportRequestInput, language: Language): Block[] {
  const t = copy.costReportEmail[language];
  const when = formatDateTime(input.expiresAt, language);
  const kind = input.reminder
    ? `${t.reminder(input.reminder)} – ${t.heading(input.fundYear)}`
    : t.heading(input.fundYear);
  return [
    { kind: 'heading', text: `${kind}${colon(language)}${named(input.title, input.proposalId)}` },
    ...(input.reminder ? [{ kind: 'para' as const, text: t.reminderIntro(when) }] : []),
    { kind: 'para', text: t.intro(input.fundYear) },
    {
      kind: 'fields',
      rows: [
        [t.proposal, input.title],
        [t.reference, input.proposalId],
        [t.committed(input.fundYear + 1), eurGbp(input.fundedEurCents, language)],
      ],
    },
    { kind: 'para', text: t.open(when) },
    { kind: 'link', url: linkIn(input.link, language) },
    { kind: 'para', text: t.personal },
    { kind: 'para', text: copy.service[language].rateNote },
  ];
}

/**
 * The port authority's request for a project's actual annual cost (and its reminders): French first,
 * then English, each with a link that opens the form in its language.
 */
export function costReportRequestEmail(input: CostReportRequestInput): Email {
  assertHttpLink(input.link);
  const languages: Language[] = ['fr', 'en'];
  const kinds = languages
    .map((language) => {
      const t = copy.costReportEmail[language];
      return input.reminder
        ? `${t.reminder(input.reminder)} – ${t.subject(input.fundYear)}`
        : t.subject(input.fundYear);
    })
    .join(' / ');
  return compose(
    `[JIF] ${kinds} : ${named(input.title, input.proposalId)}`,
    languages.map((language) => ({ language, blocks: costReportBlocks(input, language) })),
  );
}

/** The deadline of a cost report passed without a report: the port authority is told what follows. */
export function costReportDeadlinePassedEmail(input: CostReportDeadlineInput): Email {
  const languages: Language[] = ['fr', 'en'];
  const sections = languages.map((language) => {
    const t = copy.costReportEmail[language];
    const blocks: Block[] = [
      {
        kind: 'heading',
        text: `${t.deadlineSubject(input.fundYear)}${colon(language)}${named(input.title, input.proposalId)}`,
      },
      { kind: 'para', text: t.deadlineText(formatDateTime(input.expiresAt, language), input.fundYear) },
      { kind: 'para', text: `${SERVICE_NAME[language]}.` },
    ];
    return { language, blocks };
  });
  const kinds = languages
    .map((language) => copy.costReportEmail[language].deadlineSubject(input.fundYear))
    .join(' / ');
  return compose(`[JIF] ${kinds} : ${named(input.title, input.proposalId)}`, sections);
}

// ---------------------------------------------------------------------------------------------
// Sign-off withdrawn, and the outcome, to the authorities that were asked

export interface SignOffWithdrawnInput {
  /** The authority whose pending request is withdrawn. */
  authority: Authority;
  subject: SubjectSummary;
  /** Why: the authority that rejected (with its reason), or that let its request expire. */
  because: { authority: Authority; outcome: 'REJECTED' | 'EXPIRED'; comment?: string };
  /** A link to the subject's page (the proposal, or the evaluation report). */
  link: string;
}

/** The withdrawn side of a bilateral sign-off, told why (French first for FR and ROAD). */
export function signOffWithdrawnEmail(input: SignOffWithdrawnInput): Email {
  const languages: Language[] = languageOf(input.authority) === 'fr' ? ['fr', 'en'] : ['en'];
  const what = subjectName(input.subject, languages);
  const sections = languages.map((language) => {
    const t = copy.withdrawnEmail[language];
    const by = AUTHORITY_NAMES[input.because.authority][language];
    const blocks: Block[] = [
      { kind: 'heading', text: t.heading(what) },
      { kind: 'para', text: input.because.outcome === 'REJECTED' ? t.rejected(by) : t.expired(by) },
    ];
    if (input.because.comment) {
      blocks.push({ kind: 'para', text: t.reason }, { kind: 'longText', text: input.because.comment });
    }
    blocks.push(
      { kind: 'para', text: t.link },
      { kind: 'link', url: input.link },
      { kind: 'para', text: `${SERVICE_NAME[language]}.` },
    );
    return { language, blocks };
  });
  const kinds = languages.map((language) => copy.withdrawnEmail[language].subject).join(' / ');
  return compose(`[JIF] ${kinds}${colon(languages[0] ?? 'en')}${what}`, sections);
}

export interface AuthorityOutcomeInput {
  /** The authority told. */
  authority: Authority;
  proposalId: string;
  title: string;
  status: ProposalStatus;
  /** Every decision taken, the reader's own included. */
  decisions: DecisionNote[];
  reason?: string;
  amounts?: OutcomeAmounts;
  /** For FUNDS_UNAVAILABLE: the envelopes that lacked room. */
  shortfalls?: EnvelopeShortfall[];
  /** A link to the proposal's page. */
  link: string;
}

/** How a proposal ended, to an authority that was asked to decide on it. */
export function authorityOutcomeEmail(input: AuthorityOutcomeInput): Email {
  const languages: Language[] = languageOf(input.authority) === 'fr' ? ['fr', 'en'] : ['en'];
  const what = named(input.title, input.proposalId);
  const sections = languages.map((language) => {
    const t = copy.authorityOutcomeEmail[language];
    const blocks: Block[] = [
      { kind: 'heading', text: t.heading(what) },
      { kind: 'para', text: t.statuses[input.status] ?? input.status },
    ];
    if (input.decisions.length > 0) {
      blocks.push(
        { kind: 'para', text: t.decisions },
        { kind: 'list', items: input.decisions.map((d) => describeDecision(d, language)) },
      );
    }
    if (input.amounts?.committedEurCents !== undefined) {
      blocks.push({
        kind: 'para',
        text: `${t.committed} ${eurGbp(input.amounts.committedEurCents, language, input.amounts.rate)}`,
      });
    }
    if (input.shortfalls?.length) {
      const d = copy.outcomeDetails[language];
      blocks.push({
        kind: 'list',
        items: input.shortfalls.map((s) =>
          d.shortfall(s.fundYear, euros(s.leftEurCents, language), euros(s.askedEurCents, language)),
        ),
      });
    } else if (input.reason?.trim())
      blocks.push({ kind: 'para', text: `${t.reason} ${input.reason.trim()}` });
    blocks.push(
      { kind: 'para', text: t.link },
      { kind: 'link', url: input.link },
      { kind: 'para', text: `${SERVICE_NAME[language]}.` },
    );
    return { language, blocks };
  });
  const kinds = languages.map((language) => copy.authorityOutcomeEmail[language].subject).join(' / ');
  return compose(`[JIF] ${kinds}${colon(languages[0] ?? 'en')}${what}`, sections);
}
