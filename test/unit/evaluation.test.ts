/** The evaluation's pure rules, and its pages and email rendered without any emulator. */
import { describe, expect, it } from 'vitest';
import {
  costNeedsConfirmation,
  evaluationExecutionName,
  evaluationIdOf,
  evaluationIsOpen,
  evaluationSubjectId,
  evaluationWindow,
  fundYearOfSubject,
  isEvaluatedYear,
  nextTranche,
  parseEvaluationSubject,
  runningCostAfter,
  yearEndingSoon,
} from '../../functions/evaluation/domain/evaluation.ts';
import {
  renderCostReportPage,
  renderEvaluationReportPage,
} from '../../functions/evaluation/evaluation-pages.ts';
import { evaluationView } from '../../functions/evaluation/evaluation-view.ts';
import {
  costReportDeadlinePassedEmail,
  costReportRequestEmail,
  signOffRequestEmail,
} from '../../functions/pages/emails.ts';
import { renderApprovalPage } from '../../functions/pages/pages.ts';

const start = new Date('2025-04-01T00:00:00Z');
const hostile = '<script>alert(1)</script>';

describe('the next-year tranche', () => {
  it('is the lower of the commitment and the actual cost, and nothing without a report', () => {
    expect(nextTranche(15_000_000, 14_825_000)).toBe(14_825_000);
    expect(nextTranche(10_000_000, 12_000_000)).toBe(10_000_000);
    expect(nextTranche(10_000_000, 10_000_000)).toBe(10_000_000);
    expect(nextTranche(10_000_000, 0)).toBe(0);
    expect(nextTranche(10_000_000, null)).toBe(0);
  });
});

describe('which years are evaluated, and when', () => {
  it('evaluates years 1 and 2 only: year 3 has no next year', () => {
    expect([1, 2, 3, 0, '1'].map(isEvaluatedYear)).toEqual([true, true, false, false, false]);
    expect(fundYearOfSubject('FY1')).toBe(1);
    expect(fundYearOfSubject('FY3')).toBeUndefined();
    expect(fundYearOfSubject('FY12')).toBeUndefined();
  });

  it('names each round apart: its sign-off subject, reference and execution', () => {
    expect([evaluationSubjectId(1), evaluationIdOf(1), evaluationExecutionName(1)]).toEqual([
      'FY1',
      'EVAL-FY1',
      'evaluation-FY1',
    ]);
    expect([evaluationSubjectId(2, 3), evaluationIdOf(2, 3), evaluationExecutionName(2, 3)]).toEqual([
      'FY2-R3',
      'EVAL-FY2-R3',
      'evaluation-FY2-R3',
    ]);
    expect(parseEvaluationSubject('FY2-R3')).toEqual({ fundYear: 2, round: 3 });
    expect(parseEvaluationSubject('FY1')).toEqual({ fundYear: 1, round: 1 });
    for (const bad of ['FY1-R1', 'FY1-R0', 'FY3-R2', 'FY1-R', 'FY1-R2x']) {
      expect(parseEvaluationSubject(bad), bad).toBeUndefined();
    }
  });

  it('opens 30 days before the year ends, and stays open after', () => {
    expect(evaluationWindow(start, 1)).toEqual({
      opensAt: new Date('2026-03-02T00:00:00Z'),
      yearEndsAt: new Date('2026-04-01T00:00:00Z'),
    });
    expect(evaluationIsOpen(start, 1, new Date('2026-03-01T23:59:59Z'))).toBe(false);
    expect(evaluationIsOpen(start, 1, new Date('2026-03-02T00:00:00Z'))).toBe(true);
    expect(evaluationIsOpen(start, 1, new Date('2027-01-01T00:00:00Z'))).toBe(true);
  });

  it('is due on the schedule only while a year ends within the next 30 days', () => {
    expect(yearEndingSoon(start, new Date('2026-03-01T00:00:00Z'))).toBeUndefined();
    expect(yearEndingSoon(start, new Date('2026-03-15T00:00:00Z'))).toBe(1);
    expect(yearEndingSoon(start, new Date('2026-04-01T00:00:00Z'))).toBeUndefined();
    expect(yearEndingSoon(start, new Date('2027-03-31T23:59:59Z'))).toBe(2);
    expect(yearEndingSoon(start, new Date('2028-03-15T00:00:00Z'))).toBeUndefined(); // year 3's end: no year 4
  });
});

describe('the cost report form', () => {
  const model = {
    reportId: '9f2884a8-fb8b-427c-98bd-9e704eb3c186',
    token: 'a+b/c=&d',
    language: 'en' as const,
    fundYear: 1,
    proposalId: 'prop-1',
    title: hostile,
    fundedEurCents: 15_000_000,
    expiresAt: '2026-04-15T00:00:00Z',
  };

  it('asks for one amount in euros and an optional note, in a form that POSTs, everything escaped', () => {
    const html = renderCostReportPage(model);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(
      '<form method="post" action="/cost-reports/9f2884a8-fb8b-427c-98bd-9e704eb3c186" novalidate>',
    );
    expect(html).toContain('<input type="hidden" name="token" value="a+b/c=&amp;d">');
    expect(html).toContain('aria-describedby="actualCostEur-hint"');
    expect(html).toContain('€150,000.00 (£120,000.00)');
    expect(html).toContain('Committed for fund year 2 (running costs)');
    expect(html.match(/<button/g)).toHaveLength(1);
    expect(html).not.toContain('class="error-summary"');
  });

  it('names the field in error, and shows again what was typed, escaped', () => {
    const html = renderCostReportPage({
      ...model,
      language: 'fr',
      values: { actualCostEur: '"><img src=x>', note: hostile },
      errors: [{ field: 'actualCostEur', message: 'Indiquez le coût réel' }],
    });
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('<a href="#actualCostEur">Indiquez le coût réel</a>');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('aria-describedby="actualCostEur-hint actualCostEur-error"');
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<script/i);
  });
});

describe('an evaluation without a report for a project', () => {
  const lines = [
    {
      proposalId: 'p-1',
      title: hostile,
      fundedEurCents: 5_000_000,
      actualEurCents: null,
      nextTrancheEurCents: 0,
    },
  ];

  it('says "not reported" on the sign-off page and in the email, never EUR 0 as if reported', () => {
    const subject = {
      type: 'EVALUATION' as const,
      evaluationId: 'EVAL-FY1',
      fundYear: 1,
      title: 'Evaluation',
      lines,
    };
    const page = renderApprovalPage({
      approvalId: 'apr-1',
      token: 't',
      language: 'fr',
      authority: 'FR',
      asDeputy: false,
      expiresAt: '2026-04-15T00:00:00Z',
      subject,
    });
    expect(page).toContain('Non déclaré');
    const email = signOffRequestEmail({
      authority: 'UK',
      stage: 'REQUEST',
      asDeputy: false,
      link: 'https://jif.example/approvals/apr-1?token=t',
      subject,
      expiresAt: '2026-04-15T00:00:00Z',
    });
    expect(email.text).toContain(
      'actual not reported in time (no tranche from this round; a new round can decide it)',
    );
    expect(page).toContain('un nouveau tour peut encore en décider');
  });

  it('shows in the finance report page, escaped', () => {
    const view = evaluationView(
      {
        fundYear: 1,
        evaluationId: 'EVAL-FY1',
        status: 'AWAITING_SIGN_OFF',
        startedBy: 'evaluation-FY1',
        startedAt: '2026-03-02T00:00:00Z',
        lines: [{ ...lines[0], reportStatus: 'EXPIRED' } as never],
        statusHistory: [],
      },
      [],
      [],
    );
    expect(view.totals).toEqual({
      fundedEurCents: 5_000_000,
      fundedGbpPence: 4_000_000,
      actualEurCents: 0,
      actualGbpPence: 0,
      nextTrancheEurCents: 0,
      nextTrancheGbpPence: 0,
    });
    const html = renderEvaluationReportPage(view);
    expect(html).toContain('Not reported');
    expect(html).not.toMatch(/<script/i);
  });
});

describe('the cost report email', () => {
  it('names the project and carries the full link in its plain text, French first', () => {
    const link = 'https://jif.example/cost-reports/9f2884a8-fb8b-427c-98bd-9e704eb3c186?token=abc';
    const email = costReportRequestEmail({
      link,
      proposalId: 'prop-1',
      title: hostile,
      fundYear: 2,
      fundedEurCents: 10_000_000,
      expiresAt: '2027-04-15T00:00:00Z',
    });
    expect(email.subject).toContain(`${hostile} (prop-1)`);
    expect(email.text).toContain(link);
    expect(email.text.indexOf('année 2')).toBeLessThan(email.text.indexOf('fund year 2'));
    expect(email.html).not.toContain('<script>');
    expect(() =>
      costReportRequestEmail({
        ...{ link: 'javascript:alert(1)' },
        proposalId: 'p',
        title: 't',
        fundYear: 1,
        fundedEurCents: 1,
        expiresAt: '',
      }),
    ).toThrow(RangeError);
  });
});

describe("a cost report that is plausible, correctable and in the reader's language", () => {
  const model = {
    reportId: '9f2884a8-fb8b-427c-98bd-9e704eb3c186',
    token: 'tok',
    language: 'en' as const,
    fundYear: 1,
    proposalId: 'prop-1',
    title: 'Guards',
    fundedEurCents: 15_000_000,
    expiresAt: '2026-04-15T00:00:00Z',
  };

  it('asks to confirm a cost more than twice the commitment, naming the amount it confirms', () => {
    expect(costNeedsConfirmation(30_000_000, 15_000_000)).toBe(false);
    expect(costNeedsConfirmation(30_000_001, 15_000_000)).toBe(true);
    const html = renderCostReportPage({
      ...model,
      values: { actualCostEur: '400 000,00' },
      errors: [{ field: 'actualCostEur', message: 'confirm' }],
      confirm: { eurCents: 40_000_000 },
    });
    expect(html).toContain('name="confirmAmount" value="40000000"');
    expect(html).toContain('I confirm that €400,000.00 is right: it is far above the €150,000.00 committed');
    expect(renderCostReportPage(model)).not.toContain('confirmAmount');
    // The page's form asks for that check; a client posting the contract's fields does not.
    expect(renderCostReportPage(model)).toContain('<input type="hidden" name="askToConfirm" value="1">');
  });

  it('shows the figure reported so far, and the note, to correct them until the deadline', () => {
    const html = renderCostReportPage({
      ...model,
      language: 'fr',
      current: { eurCents: 14_825_000, at: '2026-04-01T10:00:00Z', note: hostile },
    });
    // Figures in the reader's language (French groups with a narrow no-break space).
    expect(html.replace(/[\u202f\u00a0]/g, ' ')).toContain('Déclaré à ce jour : 148 250,00 €');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;</textarea>');
    expect(html).toContain('corriger la déclaration avec le même lien');
  });

  it('links each language of the email to the form in that language; reminders and the deadline notice say so', () => {
    const link = 'https://jif.example/cost-reports/9f2884a8-fb8b-427c-98bd-9e704eb3c186?token=abc';
    const input = {
      link,
      proposalId: 'prop-1',
      title: 'Guards',
      fundYear: 1,
      fundedEurCents: 15_000_000,
      expiresAt: '2026-04-15T00:00:00Z',
    };
    const email = costReportRequestEmail(input);
    const french = email.text.indexOf(`${link}&lang=fr`);
    const english = email.text.indexOf(`${link}&lang=en`);
    expect(french).toBeGreaterThan(0);
    expect(english).toBeGreaterThan(french);
    expect(email.text.indexOf('Rappel')).toBe(-1);

    const reminder = costReportRequestEmail({ ...input, reminder: 2 });
    expect(reminder.subject).toContain('Rappel 2');
    expect(reminder.subject).toContain('Reminder 2');
    expect(reminder.text).toContain(
      'No cost has been reported yet for this project; the deadline is 15 April 2026',
    );

    const notice = costReportDeadlinePassedEmail({
      proposalId: 'prop-1',
      title: hostile,
      fundYear: 1,
      expiresAt: '2026-04-15T00:00:00Z',
    });
    expect(notice.subject).toContain('Deadline passed');
    expect(notice.subject).toContain(`${hostile} (prop-1)`);
    expect(notice.text).toContain('no running-cost tranche for fund year 2 from this round');
    expect(notice.html).not.toContain('<script>');
  });

  it("shows the port authority's note to the approvers, in the email and on the page", () => {
    const subject = {
      type: 'EVALUATION' as const,
      evaluationId: 'EVAL-FY1-R2',
      fundYear: 1,
      title: 'Evaluation',
      lines: [
        {
          proposalId: 'p-1',
          title: 'Guards',
          fundedEurCents: 15_000_000,
          actualEurCents: 14_000_000,
          nextTrancheEurCents: 14_000_000,
          note: `Night shifts ${hostile}`,
        },
      ],
    };
    const email = signOffRequestEmail({
      authority: 'FR',
      stage: 'REQUEST',
      asDeputy: false,
      link: 'https://jif.example/approvals/apr-1?token=t',
      subject,
      expiresAt: '2026-04-15T00:00:00Z',
    });
    expect(email.text).toContain(`Note from the port authority: "Night shifts ${hostile}"`);
    expect(email.text).toContain("Remarque de l'autorité portuaire : « Night shifts");
    expect(email.html).not.toContain('<script>');
    const page = renderApprovalPage({
      approvalId: 'apr-1',
      token: 't',
      language: 'en',
      authority: 'UK',
      asDeputy: false,
      expiresAt: '2026-04-15T00:00:00Z',
      subject,
    });
    expect(page).toContain('The port authority&#39;s notes with its cost reports');
    expect(page).toContain('Night shifts &lt;script&gt;');
  });
});

describe('the evaluation report of a later round', () => {
  it('shows the round, why it started early, and how earlier rounds ended', () => {
    const view = evaluationView(
      {
        fundYear: 1,
        evaluationId: 'EVAL-FY1-R2',
        round: 2,
        status: 'COLLECTING_REPORTS',
        startedBy: 'evaluation-FY1-R2',
        startedAt: '2026-02-02T00:00:00Z',
        earlyStart: { reason: `Audit ${hostile}`, opensAt: '2026-03-02T00:00:00Z' },
        statusHistory: [],
        previousRounds: [
          {
            round: 1,
            evaluationId: 'EVAL-FY1',
            status: 'REJECTED',
            startedAt: '2026-01-02T00:00:00Z',
            decidedAt: '2026-01-20T00:00:00Z',
            reason: 'Rejected by UK',
            lines: [],
          },
        ],
      },
      [],
      [],
    );
    expect(view).toMatchObject({
      round: 2,
      earlyStart: { reason: `Audit ${hostile}` },
      previousRounds: [{ round: 1, evaluationId: 'EVAL-FY1', status: 'REJECTED', reason: 'Rejected by UK' }],
    });
    const html = renderEvaluationReportPage(view);
    expect(html).toContain('Started before the evaluation window opened');
    expect(html).toContain('reason given: Audit &lt;script&gt;');
    expect(html).toContain('Round 1 (EVAL-FY1): Rejected; nothing released');
    expect(html).not.toMatch(/<script/i);
  });
});

describe('runningCostAfter', () => {
  const funding = [
    { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 100_000_00 },
    { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 15_000_00 },
    { fundYear: 2, purpose: 'INVESTMENT', amountEurCents: 50_000_00 },
    { fundYear: 3, purpose: 'RUNNING_COST', amountEurCents: 17_500_00 },
  ];
  it('is the running cost committed for the year after the evaluated one, nothing else', () => {
    expect(runningCostAfter(funding, 1)).toBe(15_000_00);
    expect(runningCostAfter(funding, 2)).toBe(17_500_00);
  });
  it('is 0 for a proposal with no running cost that year (not a project of that evaluation)', () => {
    expect(runningCostAfter(funding, 3)).toBe(0);
    expect(runningCostAfter(funding.slice(0, 1), 1)).toBe(0);
  });
});
