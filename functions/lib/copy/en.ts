/**
 * Every user-facing sentence in English. `fr.ts` has the same shape (the type checker and
 * test/unit/copy.test.ts hold them together), so no page or email can lack a language.
 */
import { REFERENCE_RATE } from '../../domain/money.ts';

export const en = {
  service: {
    name: 'Joint intervention fund for Calais port security',
    languageNav: 'Language',
    switchTo: 'Version française',
    rateNote: `GBP figures at the fund's reference rate of GBP ${REFERENCE_RATE.gbpPerEur} per EUR.`,
  },
  purposes: {
    INVESTMENT: 'Investment',
    RUNNING_COST: 'Annual security running costs',
  },
  approval: {
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
    decision: 'Your decision',
    comment: 'Comment (optional; shared with the other parties, especially useful when rejecting)',
    approve: 'Approve',
    reject: 'Reject',
    formNote: 'Nothing is decided until you press one of these buttons. You can decide only once.',
  },
  messages: {
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
  },
  costReportForm: {
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
    amountError: 'Enter the actual cost in euros and cents, for example 148250.00',
    noteError: (max: number) => `The note must be at most ${max} characters`,
  },
  costReportMessages: {
    ALREADY_SUBMITTED: {
      title: 'Already reported',
      message: 'A cost has already been reported for this project and year; nothing has been changed.',
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
  },
  costReportReceived: {
    title: 'Report recorded',
    message: (amount: string, year: number, title: string) =>
      `Thank you: the cost of ${amount} for fund year ${year} is recorded for "${title}". The tranche for fund year ${year + 1} will be set once the UK and France have signed the evaluation off. You can close this page.`,
  },
  evaluationReport: {
    title: (year: number) => `Annual security-cost evaluation, fund year ${year}`,
    statuses: {
      COLLECTING_REPORTS: 'Collecting cost reports',
      AWAITING_SIGN_OFF: 'Awaiting UK and FR sign-off',
      APPROVED: 'Approved; tranches released',
      REJECTED: 'Rejected; nothing released',
      EXPIRED: 'Expired without a decision; nothing released',
      NO_PROJECTS: 'No project to evaluate',
      PENDING: 'Pending',
      SUBMITTED: 'Submitted',
      WITHDRAWN: 'Withdrawn',
    } as Record<string, string>,
    notReported: 'Not reported',
    noLines: 'No lines yet: the lines are set once every cost report is in (or its deadline has passed).',
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
      `GBP figures at the fund's reference rate of GBP ${rate} per EUR. Tranche = the lower of the amount committed and the actual cost reported; no report, no tranche.`,
  },
  signOffEmail: {
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
  },
  costReportEmail: {
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
  },
  outcomeEmail: {
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
  },
  fundsEmail: {
    committedVerb: 'Funds committed',
    disbursedVerb: 'Funds disbursed',
    proposal: 'Proposal',
    reference: 'Reference',
    fundYear: 'Fund year',
    amount: 'Amount',
    purpose: 'Purpose',
    paymentReference: 'Payment reference',
    committedText: (amount: string, year: number) =>
      `${amount} has been committed to this proposal against the envelope of fund year ${year}.`,
    disbursedText: (amount: string, year: number) =>
      `${amount} has been disbursed for this proposal from the envelope of fund year ${year}.`,
    subjectTail: (year: number, amount: string) => `fund year ${year}, ${amount}`,
  },
};

export type Copy = typeof en;
