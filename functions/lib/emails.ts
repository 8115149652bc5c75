/**
 * The emails the fund sends: sign-off requests (with reminders and deputy escalation), proposal
 * outcomes to the port authority, and commitments/disbursements to finance and the port authority.
 * Pure functions: no I/O, no clock. Each email has a plain-text part and an HTML part built from
 * the same blocks; the HTML escapes every value with html-escaper.
 */
import { escape as escapeHtml } from 'html-escaper';
import { CATEGORY_LABELS } from '../domain/categories.ts';
import {
  type ExchangeRate,
  eurCentsToGbpPence,
  formatEuros,
  formatPounds,
  REFERENCE_RATE,
} from '../domain/money.ts';
import {
  AUTHORITY_NAMES,
  type Authority,
  type Language,
  languageOf,
  type SignOffStage,
} from '../domain/sign-off.ts';
import type { ProposalStatus } from '../domain/statuses.ts';
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
  /** Why this money, when it is not plain investment (e.g. a running-cost tranche after an evaluation). */
  purpose?: string;
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

function blocksToHtml(blocks: Block[]): string {
  return blocks
    .map((block) => {
      switch (block.kind) {
        case 'heading':
          return `<h2>${escapeHtml(block.text)}</h2>`;
        case 'para':
          return `<p>${escapeHtml(block.text)}</p>`;
        case 'fields':
          return `<table role="presentation">${block.rows
            .map(
              ([label, value]) =>
                `<tr><th align="left" valign="top">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
            )
            .join('')}</table>`;
        case 'list':
          return `<ul>${block.items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
        case 'longText':
          return `<p style="white-space:pre-wrap">${escapeHtml(block.text)}</p>`;
        case 'link':
          return `<p><a href="${escapeHtml(block.url)}">${escapeHtml(block.url)}</a></p>`;
      }
      return '';
    })
    .join('\n');
}

/** French first, then English, or English only; one email from per-language blocks. */
function compose(subject: string, sections: { language: Language; blocks: Block[] }[]): Email {
  const text = `${sections.map((s) => blocksToText(s.blocks, s.language)).join(`\n\n${SEPARATOR}\n\n`)}\n`;
  const first = sections[0]?.language ?? 'en';
  const body = sections
    .map((s) => `<div lang="${s.language}">\n${blocksToHtml(s.blocks)}\n</div>`)
    .join('\n<hr>\n');
  const html = [
    '<!doctype html>',
    `<html lang="${first}">`,
    '<head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:sans-serif;line-height:1.5">',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return { subject: oneLine(subject), text, html };
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

function eurGbp(eurCents: number, rate: ExchangeRate = REFERENCE_RATE): string {
  return `${formatEuros(eurCents)} (${formatPounds(eurCentsToGbpPence(eurCents, rate))})`;
}

/** "Title (P-123)": how every email names a proposal. */
function named(title: string, id: string): string {
  return `${title} (${id})`;
}

// ---------------------------------------------------------------------------------------------
// Sign-off requests

const REQUEST_TEXT = {
  en: {
    signOff: 'Sign-off requested',
    agreement: 'Agreement requested',
    reminder: (n: number) => `Reminder ${n}/2`,
    deputy: 'Deputy escalation',
    evaluationName: (year: number) => `Annual evaluation, fund year ${year}`,
    intro: (name: string) =>
      `The joint intervention fund for Calais port security asks the ${name} to decide on:`,
    introDeputy: (name: string) =>
      `You receive this request as deputy for the ${name}: the usual approver has not answered it and two reminders.`,
    reminderIntro: (n: number) => `This is reminder ${n} of 2: the request below has not been answered yet.`,
    proposal: 'Proposal',
    evaluation: 'Evaluation',
    reference: 'Reference',
    category: 'Category',
    contact: 'Contact',
    fundYear: 'Fund year',
    funding: 'Funding requested:',
    fundingLine: (year: number, purpose: string, amount: string) =>
      `Fund year ${year}, ${purpose}: ${amount}`,
    total: 'Total',
    description: 'Description:',
    evaluationLines: 'Per project: funded / actual annual cost / proposed next-year tranche:',
    notReported: 'not reported in time (no report, no tranche)',
    evaluationLine: (name: string, funded: string, actual: string, next: string) =>
      `${name}: funded ${funded}; actual ${actual}; next-year tranche ${next}`,
    open: (until: string) =>
      `To approve or reject, open this link (valid until ${until}). Opening it decides nothing: the page shows the details and asks you to confirm.`,
    personal: 'This link is personal to your authority: please do not forward it.',
    rate: `GBP figures at the fund's reference rate of GBP ${REFERENCE_RATE.gbpPerEur} per EUR.`,
  },
  fr: {
    signOff: 'Validation demandée',
    agreement: 'Accord demandé',
    reminder: (n: number) => `Rappel ${n}/2`,
    deputy: 'Transmission au suppléant',
    evaluationName: (year: number) => `Évaluation annuelle, année ${year} du fonds`,
    intro: (name: string) =>
      `Le fonds d'intervention conjoint pour la sûreté du port de Calais demande à : ${name} de se prononcer sur :`,
    introDeputy: (name: string) =>
      `Vous recevez cette demande en tant que suppléant pour : ${name}, le valideur habituel n'ayant répondu ni à la demande ni à deux rappels.`,
    reminderIntro: (n: number) =>
      `Ceci est le rappel ${n} sur 2 : la demande ci-dessous est toujours sans réponse.`,
    proposal: 'Proposition',
    evaluation: 'Évaluation',
    reference: 'Référence',
    category: 'Catégorie',
    contact: 'Contact',
    fundYear: 'Année du fonds',
    funding: 'Financement demandé :',
    fundingLine: (year: number, purpose: string, amount: string) =>
      `Année ${year} du fonds, ${purpose} : ${amount}`,
    total: 'Total',
    description: 'Description :',
    evaluationLines: "Par projet : financé / coût annuel réel / tranche proposée pour l'année suivante :",
    notReported: 'non déclaré à temps (sans déclaration, pas de tranche)',
    evaluationLine: (name: string, funded: string, actual: string, next: string) =>
      `${name} : financé ${funded} ; réel ${actual} ; tranche de l'année suivante ${next}`,
    open: (until: string) =>
      `Pour approuver ou rejeter, ouvrez ce lien (valable jusqu'au ${until}). L'ouvrir ne décide rien : la page affiche le détail et vous demande de confirmer.`,
    personal: 'Ce lien est propre à votre autorité : merci de ne pas le transférer.',
    rate: `Montants en GBP au taux de référence du fonds : GBP ${REFERENCE_RATE.gbpPerEur} pour 1 EUR.`,
  },
} as const;

/** How a subject line names what is to be decided: "Title (P-1)", or the evaluation in every language. */
function subjectName(subject: SubjectSummary, languages: Language[]): string {
  if (subject.type === 'PROPOSAL') return named(subject.title, subject.proposalId);
  const names = languages.map((language) => REQUEST_TEXT[language].evaluationName(subject.fundYear));
  return named(names.join(' / '), subject.evaluationId);
}

/** "Rappel 1/2 – Transmission au suppléant – Validation demandée" (the parts that apply). */
function requestKind(input: SignOffRequestInput, language: Language): string {
  const t = REQUEST_TEXT[language];
  const parts: string[] = [];
  if (input.stage === 'REMINDER_1') parts.push(t.reminder(1));
  if (input.stage === 'REMINDER_2') parts.push(t.reminder(2));
  if (input.asDeputy || input.stage === 'DEPUTY') parts.push(t.deputy);
  parts.push(input.authority === 'ROAD' ? t.agreement : t.signOff);
  return parts.join(' – ');
}

function requestBlocks(input: SignOffRequestInput, language: Language): Block[] {
  const t = REQUEST_TEXT[language];
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
            t.fundingLine(line.fundYear, PURPOSE_LABELS[line.purpose][language], eurGbp(line.amountEurCents)),
          ),
          `${t.total}${colon(language)}${eurGbp(total)}`,
        ],
      },
      { kind: 'para', text: t.description },
      { kind: 'longText', text: subject.description },
    );
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
        items: subject.lines.map((line) =>
          t.evaluationLine(
            named(line.title, line.proposalId),
            eurGbp(line.fundedEurCents),
            line.actualEurCents === null ? t.notReported : eurGbp(line.actualEurCents),
            eurGbp(line.nextTrancheEurCents),
          ),
        ),
      },
    );
  }
  blocks.push(
    { kind: 'para', text: t.open(formatDateTime(input.expiresAt, language)) },
    { kind: 'link', url: input.link },
    { kind: 'para', text: t.personal },
    { kind: 'para', text: t.rate },
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
// Outcomes, to the port authority (English: the port authority uses the API in English)

const OUTCOME: Record<ProposalStatus, { label: string; text: string }> = {
  AWAITING_AGREEMENT: {
    label: 'Received, awaiting the road authority’s agreement',
    text: 'Your proposal has been received. As a temporary security measure it first needs the agreement of the road authority (DIR Nord); the UK and French approvers are asked after that.',
  },
  AWAITING_SIGN_OFF: {
    label: 'Awaiting sign-off',
    text: 'Your proposal is now awaiting sign-off by the UK Home Office and the French Ministry of the Interior. Both must approve it.',
  },
  APPROVED: {
    label: 'Approved',
    text: 'Your proposal has been approved by both the UK and French approvers. The funds are now being committed; you will receive a further email when they are.',
  },
  FUNDED: {
    label: 'Funded',
    text: "Your proposal is funded: the amounts are committed against the fund years' envelopes, and the current fund year's investment is released.",
  },
  COMPLETED: {
    label: 'Completed',
    text: 'Your proposal is completed: every commitment has been disbursed.',
  },
  REJECTED: {
    label: 'Rejected',
    text: 'Your proposal has been rejected. Nothing is committed.',
  },
  EXPIRED: {
    label: 'Expired',
    text: 'Your proposal has expired: no decision was made before the deadline. Nothing is committed; you may submit it again.',
  },
  FUNDS_UNAVAILABLE: {
    label: 'Funds unavailable',
    text: "Your proposal was approved, but a fund year's envelope lacked room for it, so nothing has been committed.",
  },
};

/** The port authority's news about its proposal, one email per status change. English only. */
export function proposalOutcomeEmail(input: ProposalOutcomeInput): Email {
  const outcome = OUTCOME[input.status];
  const name = named(input.title, input.proposalId);
  const blocks: Block[] = [
    { kind: 'heading', text: `${outcome.label}: ${name}` },
    {
      kind: 'fields',
      rows: [
        ['Proposal', input.title],
        ['Reference', input.proposalId],
        ['Status', input.status],
      ],
    },
    { kind: 'para', text: outcome.text },
  ];
  if (input.status === 'REJECTED' && input.rejectedBy) {
    blocks.push({ kind: 'para', text: `Rejected by: ${AUTHORITY_NAMES[input.rejectedBy].en}.` });
  }
  if (input.comment?.trim()) {
    blocks.push({ kind: 'para', text: 'Comment:' }, { kind: 'longText', text: input.comment.trim() });
  }
  if (input.reason?.trim()) blocks.push({ kind: 'para', text: `Reason: ${input.reason.trim()}` });
  const amounts = input.amounts;
  if (amounts) {
    const rows: string[] = [];
    if (amounts.requestedEurCents !== undefined)
      rows.push(`Requested: ${eurGbp(amounts.requestedEurCents, amounts.rate)}`);
    if (amounts.committedEurCents !== undefined)
      rows.push(`Committed: ${eurGbp(amounts.committedEurCents, amounts.rate)}`);
    if (amounts.releasedEurCents !== undefined)
      rows.push(`Released now: ${eurGbp(amounts.releasedEurCents, amounts.rate)}`);
    if (rows.length > 0) {
      blocks.push({ kind: 'list', items: rows });
      blocks.push({
        kind: 'para',
        text: `GBP figures at GBP ${(amounts.rate ?? REFERENCE_RATE).gbpPerEur} per EUR.`,
      });
    }
  }
  blocks.push({ kind: 'para', text: `${SERVICE_NAME.en}.` });
  return compose(`[JIF] ${outcome.label}: ${name}`, [{ language: 'en', blocks }]);
}

// ---------------------------------------------------------------------------------------------
// Commitments and disbursements, to finance and the port authority (English)

/** Funds committed to, or disbursed for, a proposal in one fund year. English only. */
export function fundsEmail(input: FundsEmailInput): Email {
  const name = named(input.title, input.proposalId);
  const committed = input.kind === 'COMMITTED';
  const verb = committed ? 'Funds committed' : 'Funds disbursed';
  const amount = `${formatEuros(input.eurCents)} (${formatPounds(input.gbpPence)})`;
  const rows: [string, string][] = [
    ['Proposal', input.title],
    ['Reference', input.proposalId],
    ['Fund year', String(input.fundYear)],
    ['Amount', amount],
  ];
  if (input.purpose) rows.push(['Purpose', input.purpose]);
  if (input.paymentReference) rows.push(['Payment reference', input.paymentReference]);
  const blocks: Block[] = [
    { kind: 'heading', text: `${verb}: ${name}` },
    {
      kind: 'para',
      text: committed
        ? `${amount} has been committed to this proposal against the envelope of fund year ${input.fundYear}.`
        : `${amount} has been disbursed for this proposal from the envelope of fund year ${input.fundYear}.`,
    },
    { kind: 'fields', rows },
    { kind: 'para', text: `${SERVICE_NAME.en}.` },
  ];
  return compose(`[JIF] ${verb}: ${name} – fund year ${input.fundYear}, ${amount}`, [
    { language: 'en', blocks },
  ]);
}

// ---------------------------------------------------------------------------------------------
// Annual evaluation: the port authority is asked for a project's actual annual security cost

const COST_REPORT_TEXT = {
  fr: {
    subject: (year: number) => `Coût annuel de sûreté, année ${year} du fonds`,
    heading: (year: number) => `Déclaration du coût annuel de sûreté, année ${year} du fonds`,
    intro: (year: number) =>
      `Le fonds évalue chaque année les coûts de sûreté. Merci de déclarer le coût annuel réel de sûreté de ce projet pour l'année ${year} du fonds. La tranche de coûts de fonctionnement de l'année ${year + 1} sera le plus faible du montant engagé et du coût déclaré, après validation par le Royaume-Uni et la France.`,
    proposal: 'Projet',
    reference: 'Référence',
    committed: (year: number) => `Engagé pour l'année ${year} (coûts de fonctionnement)`,
    open: (until: string) =>
      `Pour déclarer le coût, ouvrez ce lien (à utiliser avant le ${until}). Sans déclaration à temps, aucune tranche n'est versée.`,
    personal: 'Ce lien est propre à ce projet : merci de ne pas le transférer.',
    rate: `Montants en GBP au taux de référence du fonds : GBP ${REFERENCE_RATE.gbpPerEur} pour 1 EUR.`,
  },
  en: {
    subject: (year: number) => `Annual security cost, fund year ${year}`,
    heading: (year: number) => `Report of the annual security cost, fund year ${year}`,
    intro: (year: number) =>
      `The fund evaluates security costs every year. Please report this project's actual annual security cost for fund year ${year}. The running-cost tranche for fund year ${year + 1} will be the lower of the amount committed and the cost reported, once the UK and France have signed the evaluation off.`,
    proposal: 'Project',
    reference: 'Reference',
    committed: (year: number) => `Committed for fund year ${year} (running costs)`,
    open: (until: string) =>
      `To report the cost, open this link (use it before ${until}). Without a report in time, no tranche is paid.`,
    personal: 'This link is personal to this project: please do not forward it.',
    rate: `GBP figures at the fund's reference rate of GBP ${REFERENCE_RATE.gbpPerEur} per EUR.`,
  },
} as const;

function costReportBlocks(input: CostReportRequestInput, language: Language): Block[] {
  const t = COST_REPORT_TEXT[language];
  return [
    {
      kind: 'heading',
      text: `${t.heading(input.fundYear)}${colon(language)}${named(input.title, input.proposalId)}`,
    },
    { kind: 'para', text: t.intro(input.fundYear) },
    {
      kind: 'fields',
      rows: [
        [t.proposal, input.title],
        [t.reference, input.proposalId],
        [t.committed(input.fundYear + 1), eurGbp(input.fundedEurCents)],
      ],
    },
    { kind: 'para', text: t.open(formatDateTime(input.expiresAt, language)) },
    { kind: 'link', url: input.link },
    { kind: 'para', text: t.personal },
    { kind: 'para', text: t.rate },
  ];
}

/** The port authority's request for a project's actual annual cost: French first, then English. */
export function costReportRequestEmail(input: CostReportRequestInput): Email {
  assertHttpLink(input.link);
  const languages: Language[] = ['fr', 'en'];
  const kinds = languages.map((language) => COST_REPORT_TEXT[language].subject(input.fundYear)).join(' / ');
  return compose(
    `[JIF] ${kinds} : ${named(input.title, input.proposalId)}`,
    languages.map((language) => ({ language, blocks: costReportBlocks(input, language) })),
  );
}
