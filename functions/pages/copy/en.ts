/**
 * Every user-facing sentence in English, one export per section (a page, an email, a shared part) so
 * that a handler's bundle carries only the sections it reads (see index.ts). `fr.ts` has the same
 * shape (the type checker and test/unit/copy.test.ts hold them together), so no page or email can
 * lack a language.
 */
import { REFERENCE_RATE } from '../../funding/domain/money.ts';

export const service = {
  name: 'Joint intervention fund for Calais port security',
  languageNav: 'Language',
  switchTo: 'Version française',
  rateNote: `GBP figures at the fund's reference rate of GBP ${REFERENCE_RATE.gbpPerEur} per EUR.`,
};

export const purposes = {
  INVESTMENT: 'Investment',
  RUNNING_COST: 'Annual security running costs',
};

export const approval = {
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
  openLines:
    'A project without a report gets no tranche from this round: approving pays the others, and a new round can still decide it.',
  decision: 'Your decision',
  comment:
    'Comment, shared with the other parties (conditions, remarks): optional to approve, required to reject',
  approve: 'Approve',
  reject: 'Reject',
  formNote: 'Nothing is decided until you press one of these buttons. You can decide only once.',
};

export const messages = {
  APPROVED: {
    title: 'Approval recorded',
    message: 'Thank you: your approval has been recorded. You can close this page.',
  },
  REJECTED: {
    title: 'Rejection recorded',
    message: 'Your rejection has been recorded. You can close this page.',
  },
  ALREADY_DECIDED: {
    title: 'Already decided',
    message: 'A decision has already been recorded for this request; nothing has been changed.',
  },
  EXPIRED: {
    title: 'Link expired',
    message: 'This link has expired; no decision can be recorded with it.',
  },
  NOT_FOUND: {
    title: 'Link not valid',
    message: 'This link is not valid. Check that you used the full link from the email.',
  },
  BAD_REQUEST: {
    title: 'Request not understood',
    message: 'Please choose Approve or Reject on the form and try again.',
  },
  TOO_LARGE: {
    title: 'Request too large',
    message: 'Please use the form on the page the email link opens.',
  },
  UNSUPPORTED: {
    title: 'Unsupported request',
    message: 'Please use the form on the page the email link opens.',
  },
};

export const costReportForm = {
  heading: (year: number) => `Annual security cost, fund year ${year}`,
  intro: (year: number) =>
    `Please report this project's actual security cost for the whole of fund year ${year}. The fund pays the running-cost tranche for fund year ${year + 1} up to the lower of the amount committed and the cost you report, once the UK and France have signed the evaluation off.`,
  project: 'Project',
  reference: 'Reference',
  fundYear: 'Fund year reported',
  committed: (year: number) => `Committed for fund year ${year} (running costs)`,
  dueBy: 'Report by',
  amountLabel: (year: number) => `Actual security cost for fund year ${year}, in euros`,
  amountHint: 'Euros and cents as you write them, for example 148250.00 or 148 250,00',
  noteLabel: 'Note (optional): anything the approvers should know about this cost',
  submit: 'Send the report',
  formNote:
    'Nothing is recorded until you press the button. You can correct the report with the same link until every project of this round has reported or until the deadline, whichever comes first.',
  problem: 'There is a problem',
  amountError: 'Enter the actual cost in euros and cents, for example 148250.00 or 148 250,00',
  amountTooHigh: (cap: string) =>
    `The annual cost of one project cannot exceed the fund's yearly cap of ${cap}: check the amount`,
  confirmLabel: (amount: string, committed: string) =>
    `I confirm that ${amount} is right: it is far above the ${committed} committed`,
  confirmError: (amount: string, committed: string) =>
    `${amount} is more than twice the ${committed} committed: tick the box below to confirm it, or correct it`,
  current: (amount: string, at: string) =>
    `Reported so far: ${amount} (sent ${at}). Send the form again to correct it.`,
  noteError: (max: number) => `The note must be at most ${max} characters`,
};

export const costReportMessages = {
  CLOSED: {
    title: 'Report closed',
    message:
      'This report is closed (every project of the round has reported, or the deadline has passed): the cost last sent stands and can no longer be corrected.',
  },
  EXPIRED: {
    title: 'Link expired',
    message: 'The deadline for this report has passed; no cost can be reported with this link.',
  },
  NOT_FOUND: {
    title: 'Link not valid',
    message: 'This link is not valid. Check that you used the full link from the email.',
  },
  UNSUPPORTED: {
    title: 'Unsupported request',
    message: 'Please use the form on the page the email link opens.',
  },
  TOO_LARGE: {
    title: 'Request too large',
    message: 'Please use the form on the page the email link opens.',
  },
};

export const costReportReceived = {
  title: 'Report recorded',
  message: (amount: string, year: number, title: string, until: string) =>
    `Thank you: the cost of ${amount} for fund year ${year} is recorded for "${title}". You can correct it with the same link until every project of this round has reported or until ${until}, whichever comes first. The tranche for fund year ${year + 1} will be set once the UK and France have signed the evaluation off.`,
};

export const evaluationReport = {
  title: (year: number) => `Annual security-cost evaluation, fund year ${year}`,
  statuses: {
    COLLECTING_REPORTS: 'Collecting cost reports',
    AWAITING_SIGN_OFF: 'Awaiting UK and FR sign-off',
    APPROVED: 'Approved; tranches released',
    PARTLY_APPROVED:
      'Approved for the projects that reported; tranches released; those without a report can be decided in a new round',
    REJECTED: 'Rejected; nothing released',
    EXPIRED: 'Expired without a decision; nothing released',
    NO_PROJECTS: 'No project to evaluate',
    PENDING: 'Pending',
    SUBMITTED: 'Submitted',
    WITHDRAWN: 'Withdrawn',
  } as Record<string, string>,
  notReported: 'Not reported',
  noLines: 'No lines yet: the lines are set once the cost reports are due.',
  linesCaption: (year: number, next: number) =>
    `Per project: committed for fund year ${next}, actual cost of fund year ${year}, tranche for fund year ${next}`,
  project: 'Project',
  report: 'Report',
  committed: 'Committed',
  actualCost: 'Actual cost',
  tranche: 'Tranche',
  payment: 'Payment',
  total: 'Total',
  reference: 'Reference',
  status: 'Status',
  started: 'Started',
  decided: 'Decided',
  reason: 'Reason',
  round: 'Round',
  dueBy: 'Reports due by',
  earlyStart: 'Started before the evaluation window opened',
  earlyReason: (opensOn: string, reason: string) =>
    `Window opens ${opensOn}; ${reason ? `reason given: ${reason}` : 'no reason given'}`,
  previousRounds: 'Earlier rounds',
  roundOutcome: (round: number, id: string) => `Round ${round} (${id})`,
  lines: 'Lines',
  signOffs: 'Sign-offs',
  notAsked: 'Not asked yet.',
  authority: 'Authority',
  comment: 'Comment',
  costReports: 'Cost reports',
  noneAsked: 'None asked.',
  submitted: 'Submitted',
  note: 'Note',
  rule: (rate: string) =>
    `GBP figures at the fund's reference rate of GBP ${rate} per EUR. Tranche = the lower of the amount committed and the actual cost reported; a project without a report gets no tranche from the round and is left for a new round.`,
};

export const signOffEmail = {
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
  fundingLine: (year: number, purpose: string, amount: string) => `Fund year ${year}, ${purpose}: ${amount}`,
  total: 'Total',
  description: 'Description:',
  evaluationLines: 'Per project: funded / actual annual cost / proposed next-year tranche:',
  notReported: 'not reported in time (no tranche from this round; a new round can decide it)',
  evaluationLine: (name: string, funded: string, actual: string, next: string) =>
    `${name}: funded ${funded}; actual ${actual}; next-year tranche ${next}`,
  open: (until: string) =>
    `To approve or reject, open this link (valid until ${until}). Opening it decides nothing: the page shows the details and asks you to confirm.`,
  personal: 'This link is personal to your authority: please do not forward it.',
};

export const costReportEmail = {
  subject: (year: number) => `Annual security cost, fund year ${year}`,
  heading: (year: number) => `Report of the annual security cost, fund year ${year}`,
  intro: (year: number) =>
    `The fund evaluates security costs every year. Please report this project's actual annual security cost for fund year ${year}. The running-cost tranche for fund year ${year + 1} will be the lower of the amount committed and the cost reported, once the UK and France have signed the evaluation off.`,
  proposal: 'Project',
  reference: 'Reference',
  committed: (year: number) => `Committed for fund year ${year} (running costs)`,
  open: (until: string) =>
    `To report the cost, open this link (use it before ${until}; you can correct the report until then, or until every project of this round has reported if that comes first). Without a report in time, this project gets no tranche from this round of the evaluation.`,
  reminder: (n: number) => `Reminder ${n}`,
  reminderIntro: (until: string) =>
    `No cost has been reported yet for this project; the deadline is ${until}.`,
  deadlineSubject: (year: number) => `Deadline passed: annual security cost, fund year ${year}`,
  deadlineText: (until: string, year: number) =>
    `The deadline of ${until} has passed without a cost report for this project: it gets no running-cost tranche for fund year ${year + 1} from this round of the evaluation. The fund's administrators can start a new round, which would ask you again.`,
  personal: 'This link is personal to this project: please do not forward it.',
};

export const outcomeEmail = {
  outcomes: {
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
    REJECTED: { label: 'Rejected', text: 'Your proposal has been rejected. Nothing is committed.' },
    EXPIRED: {
      label: 'Expired',
      text: 'Your proposal has expired: no decision was made before the deadline. Nothing is committed; you may submit it again.',
    },
    FUNDS_UNAVAILABLE: {
      label: 'Funds unavailable',
      text: "Your proposal was approved, but a fund year's envelope lacked room for it, so nothing has been committed.",
    },
  },
  proposal: 'Proposal',
  reference: 'Reference',
  status: 'Status',
  rejectedBy: (name: string) => `Rejected by: ${name}.`,
  comment: 'Comment:',
  reason: (reason: string) => `Reason: ${reason}`,
  requested: (amount: string) => `Requested: ${amount}`,
  committed: (amount: string) => `Committed: ${amount}`,
  released: (amount: string) => `Released now: ${amount}`,
  rate: (rate: string) => `GBP figures at GBP ${rate} per EUR.`,
  follow: 'Where it stands (sign in to see it):',
};

export const fundsEmail = {
  committedVerb: 'Funds committed',
  disbursedVerb: 'Funds disbursed',
  proposal: 'Proposal',
  reference: 'Reference',
  fundYear: 'Fund year',
  amount: 'Amount',
  purpose: 'Purpose',
  paymentReference: 'Payment reference',
  ledgerRecord: 'Ledger record (sequence:hash; GET /ledger/verify?witness= proves it is unchanged)',
  committedText: (amount: string, year: number) =>
    `${amount} has been committed to this proposal against the envelope of fund year ${year}.`,
  disbursedText: (amount: string, year: number) =>
    `${amount} has been disbursed for this proposal from the envelope of fund year ${year}.`,
  subjectTail: (year: number, amount: string) => `fund year ${year}, ${amount}`,
};

export const portal = {
  home: 'Home',
  intro:
    'In September 2014 France and the United Kingdom agreed a joint intervention fund for the security of the port of Calais: a UK contribution of EUR 5 million (GBP 4 million) a year for three years.',
  purposesIntro: 'The fund pays for:',
  declaredPurposes: [
    'robust fences along the ring road access to the public area of the port;',
    'the security of the parking area in the east of the port, whose annual security costs are evaluated every year;',
    'temporary security measures pending permanent installations, with the agreement of the road authority;',
    'the protection, support and assistance of vulnerable persons such as victims of human trafficking.',
  ],
  waysIn: 'Ways in',
  portAuthority: 'Port authority',
  portAuthorityText: 'Submit proposals and follow where each one stands.',
  finance: 'Finance',
  financeText: 'Envelopes, disbursements, CSV exports and the ledger’s verification.',
  admin: 'Administration',
  adminText: 'Annual security-cost evaluations: reports and their start.',
  approvers: 'Approvers and the road authority',
  approversText:
    'You need no account: each request comes by email with its own link, valid until its deadline.',
  apiUsers: 'API users',
  apiUsersText: 'The HTTP API, described in OpenAPI 3.1.',
  apiDocs: 'API documentation',
  signIn: 'Sign in',
  signOut: 'Sign out',
  signedInAs: (name: string) => `Signed in as ${name}`,
  devSignIn: 'Sign in (local mode)',
  devSignInText:
    'Local mode has no passwords: pick the role to act as. In AWS this is Cognito’s sign-in page.',
  role: 'Role',
  roles: { 'port-authority': 'Port authority', finance: 'Finance', admin: 'Administrator' } as Record<
    string,
    string
  >,
  needRole: 'This page is not for your role.',
  signInFirst: 'Please sign in to see this page.',
  formExpired: 'The form had expired or came from elsewhere; nothing was changed. Please try again.',
  mainNav: 'Main',
  proposals: 'Proposals',
  newProposal: 'New proposal',
  noProposals: 'No proposal yet.',
  title: 'Title',
  category: 'Category',
  description: 'Description',
  contactEmail: 'Contact email',
  status: 'Status',
  submitted: 'Submitted',
  total: 'Total',
  nextPage: 'Next page',
  firstPage: 'First page',
  fundingLines: 'Funding lines',
  fundingLinesHint:
    'One line per fund year and purpose; leave unused lines empty. Running costs are for fund years 2 and 3.',
  fundingLine: (n: number) => `Funding line ${n}`,
  fundYear: 'Fund year',
  purpose: 'Purpose',
  amount: 'Amount (EUR)',
  amountHint: 'In euros, as you write them: 1 200 000,00 or 1,200,000.00',
  amountError: 'Enter an amount in euros, for example 1 200 000,00 or 1,200,000.00',
  choose: 'Choose…',
  submit: 'Submit the proposal',
  problem: 'There is a problem',
  whereItStands: 'Where it stands',
  flow: 'Its flow',
  flowTitle: 'The approval flow, with the steps taken',
  current: 'current step',
  flowLegend:
    'Filled boxes are steps taken; thick arrows the branches taken; the dark box is the current (or last) step.',
  workflow: 'Workflow',
  signOffs: 'Sign-offs',
  authority: 'Authority',
  requested: 'Requested',
  deadline: 'Deadline',
  decided: 'Decided',
  comment: 'Comment',
  noSignOffs: 'No sign-off asked yet.',
  money: 'Money',
  requestedFunding: 'Funding requested',
  commitments: 'Commitments',
  disbursements: 'Disbursements',
  none: 'None.',
  timeline: 'Timeline',
  reference: 'Reference',
  paymentReference: 'Payment reference',
  statuses: {
    AWAITING_AGREEMENT: 'Awaiting the road authority’s agreement',
    AWAITING_SIGN_OFF: 'Awaiting UK and FR sign-off',
    APPROVED: 'Approved',
    FUNDED: 'Funded',
    COMPLETED: 'Completed',
    REJECTED: 'Rejected',
    EXPIRED: 'Expired',
    FUNDS_UNAVAILABLE: 'Funds unavailable',
    PENDING: 'Pending',
    WITHDRAWN: 'Withdrawn',
    COMMITTED: 'Committed',
    RELEASED: 'Released',
    RUNNING: 'Running',
    SUCCEEDED: 'Succeeded',
    FAILED: 'Failed',
    TIMED_OUT: 'Timed out',
    ABORTED: 'Aborted',
  } as Record<string, string>,
  events: {
    SUBMITTED: 'Submitted',
    STATUS_CHANGED: 'Status changed',
    SIGN_OFF_REQUESTED: 'Sign-off requested',
    SIGN_OFF_REMINDER_SENT: 'Reminder sent',
    SIGN_OFF_ESCALATED_TO_DEPUTY: 'Sent to the deputy',
    SIGN_OFF_APPROVED: 'Approved',
    SIGN_OFF_REJECTED: 'Rejected',
    FUNDS_COMMITTED: 'Funds committed',
    COMMITMENT_RELEASED: 'Commitment released',
    FUNDS_DISBURSED: 'Funds disbursed',
  } as Record<string, string>,
  financeTitle: 'Finance',
  envelopes: 'Fund-year envelopes',
  envelopeChart: (year: number) => `Fund year ${year}: cap, committed, disbursed, remaining`,
  cap: 'Cap',
  committed: 'Committed',
  disbursed: 'Disbursed',
  remaining: 'Remaining',
  filters: 'Filters',
  from: 'From (date)',
  to: 'To (date)',
  proposalId: 'Proposal reference',
  limit: 'Rows per page',
  any: 'Any',
  apply: 'Apply',
  downloadCsv: 'Download CSV',
  date: 'Date',
  proposal: 'Proposal',
  selectionTotals: 'Totals of the selection',
  noDisbursements: 'No disbursement matches.',
  ledger: 'Ledger verification',
  ledgerOk: (records: number) => `The ledger is intact: ${records} record(s), every hash checks.`,
  ledgerBroken: 'The ledger does NOT verify: a record was altered, removed or reordered.',
  head: 'Head',
  evaluations: 'Annual evaluations',
  evaluationOf: (year: number) => `Evaluation of fund year ${year}`,
  notStarted: 'Not started yet.',
  start: 'Start the evaluation',
  startReason:
    'Reason for starting before the evaluation opens (30 days before the fund year ends), if it does: recorded in the report',
  started: 'The evaluation has started.',
  chartOf: (year: number) => `Evaluation of fund year ${year}: committed, actual cost, tranche`,
  actualCost: 'Actual cost',
  tranche: 'Tranche',
  apiError: (status: number, message: string) => `The request was refused (${status}): ${message}`,
  notFound: 'Not found',
  notFoundText: 'There is nothing at this address, or it is not yours to see.',
};

export const decisions = {
  heading: 'Decisions so far:',
  approved: (road: boolean): string => (road ? 'agreed' : 'approved'),
  rejected: (road: boolean): string => (road ? 'did not agree' : 'rejected'),
  deputy: ' (by the deputy)',
  conditions: (road: boolean): string => (road ? ', with these conditions: ' : ', with this comment: '),
  reason: ', for this reason: ',
  none: ', without comment',
};

export const withdrawn = {
  title: 'Request withdrawn',
  rejected: (name: string) =>
    `This request was withdrawn because the ${name} rejected it: no decision is needed from you.`,
  expired: (name: string) =>
    `This request was withdrawn because the ${name} did not answer in time: no decision is needed from you.`,
  other:
    'This request was withdrawn: the subject was decided by another authority. No decision is needed from you.',
};

export const withdrawnEmail = {
  subject: 'Request withdrawn',
  heading: (what: string) => `Request withdrawn: ${what}`,
  rejected: (name: string) =>
    `Your decision is no longer needed: the request was withdrawn because the ${name} rejected it.`,
  expired: (name: string) =>
    `Your decision is no longer needed: the request was withdrawn because the ${name} did not answer in time.`,
  reason: 'Reason given:',
  link: 'The link you received no longer records a decision. Where it stands:',
};

export const authorityOutcomeEmail = {
  subject: 'Outcome',
  heading: (what: string) => `Outcome: ${what}`,
  statuses: {
    FUNDED: 'Funded: both approved, and the money is committed.',
    REJECTED: 'Rejected: nothing is committed.',
    EXPIRED: 'Expired: no decision in time; nothing is committed.',
    FUNDS_UNAVAILABLE: "Approved, but a fund year's envelope lacked room: nothing is committed.",
  } as Record<string, string>,
  decisions: 'Decisions:',
  committed: 'Committed:',
  reason: 'Reason:',
  link: 'Where it stands:',
};

export const envelope = {
  heading: "The fund years' envelopes",
  fundYear: 'Fund year',
  cap: 'Cap',
  committed: 'Committed now',
  leftNow: 'Left now',
  thisProposal: 'This proposal',
  returned: 'Returned on approval',
  leftAfter: 'Left after approval',
  short: (amount: string) => `${amount} short`,
  noteProposal:
    'Nothing is committed until both the UK and France approve; the envelope is checked again at that moment.',
  noteEvaluation:
    "On approval, what was committed for each project's running costs beyond its tranche goes back to this envelope.",
  overWarning:
    'This proposal does not fit what is left in an envelope now: if approved, it will be marked "funds unavailable" and nothing committed, unless room is freed first.',
};

export const receipt = {
  subject: 'Subject',
  reference: 'Reference',
  decision: 'Decision',
  approved: (road: boolean): string => (road ? 'Agreed' : 'Approved'),
  rejected: (road: boolean): string => (road ? 'Did not agree' : 'Rejected'),
  decidedBy: 'Decided by',
  byDeputy: (name: string) => `${name}, by the deputy`,
  decidedAt: 'Decided on',
  comment: 'Comment',
  noComment: 'None',
  reopened: 'A decision has already been recorded for this request (below); nothing has been changed.',
  next: 'The port authority and the other approvers are told by email once the outcome is known.',
  noOtherDecision: 'No other authority has decided yet.',
  notesHeading: "The port authority's notes with its cost reports",
};

export const outcomeDetails = {
  status: (label: string, code: string) => `${label} (${code})`,
  unanswered: (names: string) => `No decision in time from: ${names}.`,
  shortfall: (year: number, left: string, asked: string) =>
    `Fund year ${year}: ${left} left in its envelope, ${asked} asked for.`,
  committedHeading: 'Committed, per fund year:',
  committedLine: (year: number, amount: string, left?: string) =>
    `Fund year ${year}: ${amount}${left === undefined ? '' : `; ${left} left in the envelope`}`,
  paidHeading: 'Paid now:',
  paidLine: (year: number, purpose: string, amount: string, reference: string, witness: string) =>
    `Fund year ${year}, ${purpose}: ${amount}; payment reference ${reference}; ledger record ${witness}`,
  witnessNote:
    'A ledger record is sequence:hash; GET /ledger/verify?witness= proves the ledger still holds it unchanged.',
  later:
    "Later fund years are paid when they open, and running costs after each year's evaluation; each payment is announced by email.",
  note: (note: string) => `Note from the port authority: "${note}"`,
};
