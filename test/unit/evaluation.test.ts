/** The evaluation's pure rules, and its pages and email rendered without any emulator. */
import { describe, expect, it } from 'vitest';
import {
  evaluationIsOpen,
  evaluationWindow,
  fundYearOfSubject,
  isEvaluatedYear,
  nextTranche,
  yearEndingSoon,
} from '../../functions/evaluation/domain/evaluation.ts';
import {
  renderCostReportPage,
  renderEvaluationReportPage,
} from '../../functions/evaluation/evaluation-pages.ts';
import { evaluationView } from '../../functions/evaluation/evaluation-view.ts';
import { costReportRequestEmail, signOffRequestEmail } from '../../functions/pages/emails.ts';
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
    expect(email.text).toContain('actual not reported in time (no report, no tranche)');
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
