import { describe, expect, it } from 'vitest';
import {
  authorityOutcomeEmail,
  fundsEmail,
  proposalOutcomeEmail,
  type SignOffRequestInput,
  signOffRequestEmail,
} from '../../functions/pages/emails.ts';
import type { SubjectSummary } from '../../functions/pages/pages.ts';
import { PROPOSAL_STATUSES } from '../../functions/proposals/domain/statuses.ts';
import type { SignOffStage } from '../../functions/sign-off/domain/sign-off.ts';

const hostile = '<script>alert(1)</script>';
const link = 'https://jif.example/approvals/apr-42?token=abc.DEF-123_x&lang=fr';

const proposal: SubjectSummary = {
  type: 'PROPOSAL',
  proposalId: 'prop-123',
  title: 'Ring road fencing, phase 1',
  category: 'PORT_SECURITY_INFRASTRUCTURE',
  description: 'Robust fences along the ring road access to the public area of the port.',
  contactEmail: 'port@port-calais.example',
  funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 120_000_000 }],
};

function request(overrides: Partial<SignOffRequestInput> = {}): SignOffRequestInput {
  return {
    authority: 'UK',
    stage: 'REQUEST',
    asDeputy: false,
    link,
    subject: proposal,
    expiresAt: '2025-03-01T10:30:00.000Z',
    ...overrides,
  };
}

const SEPARATOR = '-'.repeat(60);

describe('signOffRequestEmail', () => {
  it('has the full link verbatim on its own line of the text part, and as the HTML link', () => {
    for (const authority of ['UK', 'FR', 'ROAD'] as const) {
      const email = signOffRequestEmail(request({ authority }));
      const lines = email.text.split('\n');
      expect(lines).toContain(link);
      expect(email.html).toContain(`<a href="${link.replace('&', '&amp;')}">`);
    }
  });

  it('names the proposal (title and id) and the authority asked, in subject and text', () => {
    const email = signOffRequestEmail(request());
    expect(email.subject).toContain('Ring road fencing, phase 1 (prop-123)');
    expect(email.subject).toContain('UK Home Office');
    expect(email.text).toContain('Ring road fencing, phase 1');
    expect(email.text).toContain('prop-123');
    expect(email.text).toContain('UK Home Office');
  });

  it('writes to the UK in English only', () => {
    const email = signOffRequestEmail(request({ authority: 'UK' }));
    expect(email.text).not.toContain(SEPARATOR);
    expect(email.text).not.toMatch(/Validation demandée|Proposition|Rappel/);
    expect(email.subject).toContain('Sign-off requested');
    expect(email.subject).not.toContain('Validation');
    expect(email.html).toContain('<html lang="en">');
    expect(email.html).not.toContain('lang="fr"');
  });

  it('writes to the French ministry in French first, then English below a separator', () => {
    const email = signOffRequestEmail(request({ authority: 'FR' }));
    const [french, english, ...rest] = email.text.split(SEPARATOR);
    expect(rest).toEqual([]);
    expect(french).toContain('Validation demandée');
    expect(french).toContain("Ministère de l'Intérieur");
    expect(french).toContain('Infrastructures de sûreté du port');
    expect(french).not.toContain('Sign-off requested');
    expect(english).toContain('Sign-off requested');
    expect(english).toContain('French Ministry of the Interior');
    expect(english).toContain('Port security infrastructure');
    expect(french?.split('\n')).toContain(link);
    expect(english?.split('\n')).toContain(link);
    expect(email.subject.indexOf('Validation demandée')).toBeLessThan(
      email.subject.indexOf('Sign-off requested'),
    );
    expect(email.subject).toContain("Ministère de l'Intérieur");
    expect(email.html.indexOf('<div lang="fr">')).toBeGreaterThan(-1);
    expect(email.html.indexOf('<div lang="fr">')).toBeLessThan(email.html.indexOf('<div lang="en">'));
  });

  it('asks the road authority, in French first, for its agreement', () => {
    const email = signOffRequestEmail(
      request({ authority: 'ROAD', subject: { ...proposal, category: 'TEMPORARY_SECURITY_MEASURE' } }),
    );
    expect(email.text.indexOf('Accord demandé')).toBeGreaterThan(-1);
    expect(email.text.indexOf('Accord demandé')).toBeLessThan(email.text.indexOf('Agreement requested'));
    expect(email.subject).toContain('Gestionnaire routier (DIR Nord)');
    expect(email.text).toContain('Mesure de sûreté temporaire');
  });

  it('marks reminders and the deputy escalation in the subject', () => {
    const subjectAt = (stage: SignOffStage, authority: 'UK' | 'FR', asDeputy = false) =>
      signOffRequestEmail(request({ stage, authority, asDeputy })).subject;

    expect(subjectAt('REQUEST', 'UK')).not.toMatch(/Reminder|Deputy/);
    expect(subjectAt('REMINDER_1', 'UK')).toContain('Reminder 1/2');
    expect(subjectAt('REMINDER_2', 'UK')).toContain('Reminder 2/2');
    expect(subjectAt('DEPUTY', 'UK', true)).toContain('Deputy escalation');
    expect(subjectAt('DEPUTY', 'UK', true)).not.toContain('Reminder');

    expect(subjectAt('REQUEST', 'FR')).not.toMatch(/Rappel|Reminder|suppléant/);
    const fr1 = subjectAt('REMINDER_1', 'FR');
    expect(fr1).toContain('Rappel 1/2');
    expect(fr1).toContain('Reminder 1/2');
    expect(fr1.indexOf('Rappel 1/2')).toBeLessThan(fr1.indexOf('Reminder 1/2'));
    expect(subjectAt('REMINDER_2', 'FR')).toContain('Rappel 2/2');
    const deputy = subjectAt('DEPUTY', 'FR', true);
    expect(deputy).toContain('Transmission au suppléant');
    expect(deputy).toContain('Deputy escalation');
  });

  it('tells a deputy why the request reaches them', () => {
    const email = signOffRequestEmail(request({ stage: 'DEPUTY', asDeputy: true }));
    expect(email.text).toContain('as deputy for the UK Home Office');
  });

  it('escapes scripts and quotes in the HTML part, and keeps the text part literal', () => {
    const email = signOffRequestEmail(
      request({
        authority: 'FR',
        subject: {
          ...proposal,
          title: hostile,
          description: 'Fences "now" & \'gates\' <img src=x onerror=alert(1)>',
        },
      }),
    );
    expect(email.html).not.toMatch(/<script/i);
    expect(email.html).not.toMatch(/<img/i);
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).toContain(
      'Fences &quot;now&quot; &amp; &#39;gates&#39; &lt;img src=x onerror=alert(1)&gt;',
    );
    expect(email.text).toContain(hostile);
    expect(email.subject).toContain(`${hostile} (prop-123)`);
  });

  it('keeps the subject on one line even if the title has line breaks', () => {
    const email = signOffRequestEmail(
      request({ subject: { ...proposal, title: 'Fence\r\nBcc: x@evil.example' } }),
    );
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toContain('Fence Bcc: x@evil.example (prop-123)');
  });

  it('refuses a link that is not http(s)', () => {
    expect(() => signOffRequestEmail(request({ link: 'javascript:alert(1)' }))).toThrow(RangeError);
    expect(() => signOffRequestEmail(request({ link: '/approvals/x?token=y' }))).toThrow(RangeError);
  });

  it('shows amounts in EUR and GBP', () => {
    const email = signOffRequestEmail(request());
    expect(email.text).toContain('EUR 1,200,000.00 (GBP 960,000.00)');
    expect(email.html).toContain('EUR 1,200,000.00 (GBP 960,000.00)');
  });

  it('says until when the link is valid', () => {
    // In the reader's time zone, named: London for English, Paris for French.
    expect(signOffRequestEmail(request()).text).toContain('1 March 2025 at 10:30 GMT');
    expect(signOffRequestEmail(request({ authority: 'FR' })).text).toContain('1 mars 2025 à 11:30 UTC+1');
  });

  it('names an annual evaluation by fund year and id, and each project by title and id', () => {
    const email = signOffRequestEmail(
      request({
        authority: 'FR',
        subject: {
          type: 'EVALUATION',
          evaluationId: 'eval-1',
          fundYear: 2,
          title: 'Evaluation of fund year 2',
          lines: [
            {
              proposalId: 'prop-9',
              title: 'Parking area guards',
              fundedEurCents: 15_000_000,
              actualEurCents: 14_825_000,
              nextTrancheEurCents: 14_825_000,
            },
          ],
        },
      }),
    );
    expect(email.subject).toContain('année 2 du fonds');
    expect(email.subject).toContain('fund year 2');
    expect(email.subject).toContain('(eval-1)');
    expect(email.text).toContain('Parking area guards (prop-9)');
    expect(email.text).toContain('EUR 148,250.00 (GBP 118,600.00)');
    expect(email.text.split('\n')).toContain(link);
  });
});

describe('proposalOutcomeEmail', () => {
  it('names the proposal in subject and text for every status', () => {
    for (const status of PROPOSAL_STATUSES) {
      const email = proposalOutcomeEmail({ proposalId: 'prop-123', title: 'Ring road fencing', status });
      expect(email.subject).toContain('Ring road fencing (prop-123)');
      expect(email.text).toContain('Ring road fencing');
      expect(email.text).toContain('prop-123');
      expect(email.text).toContain(status);
    }
  });

  it('says who rejected and quotes the comment, escaped in HTML', () => {
    const email = proposalOutcomeEmail({
      proposalId: 'prop-123',
      title: hostile,
      status: 'REJECTED',
      rejectedBy: 'FR',
      comment: 'Not "eligible" <b>here</b>',
    });
    expect(email.subject).toContain('Rejected');
    expect(email.text).toContain('Rejected by: French Ministry of the Interior.');
    expect(email.text).toContain('Not "eligible" <b>here</b>');
    expect(email.html).toContain('Not &quot;eligible&quot; &lt;b&gt;here&lt;/b&gt;');
    expect(email.html).not.toMatch(/<script|<b>/i);
  });

  it('explains funds unavailable and shows amounts in EUR and GBP', () => {
    const email = proposalOutcomeEmail({
      proposalId: 'prop-123',
      title: 'Ring road fencing',
      status: 'FUNDS_UNAVAILABLE',
      reason: 'Fund year 1 has EUR 100,000.00 left',
      amounts: { requestedEurCents: 120_000_000 },
    });
    expect(email.subject).toContain('Funds unavailable');
    expect(email.text).toContain('nothing has been committed');
    expect(email.text).toContain('Reason: Fund year 1 has EUR 100,000.00 left');
    expect(email.text).toContain('Requested: EUR 1,200,000.00 (GBP 960,000.00)');
  });
});

describe('fundsEmail', () => {
  it('announces a commitment with the amount in EUR and GBP', () => {
    const email = fundsEmail({
      kind: 'COMMITTED',
      proposalId: 'prop-123',
      title: 'Ring road fencing',
      fundYear: 1,
      eurCents: 120_000_000,
      gbpPence: 96_000_000,
    });
    expect(email.subject).toContain('Funds committed');
    expect(email.subject).toContain('Ring road fencing (prop-123)');
    expect(email.subject).toContain('EUR 1,200,000.00 (GBP 960,000.00)');
    expect(email.text).toContain('Ring road fencing (prop-123)');
    expect(email.text).toContain('Fund year: 1');
    expect(email.text).not.toContain('Payment reference');
  });

  it('announces a disbursement with its payment reference, escaped in HTML', () => {
    const email = fundsEmail({
      kind: 'DISBURSED',
      proposalId: 'prop-123',
      title: hostile,
      fundYear: 2,
      eurCents: 14_825_000,
      gbpPence: 11_860_000,
      paymentReference: 'PAY-"7"',
      ledgerWitness: `42:${'ab'.repeat(32)}`,
    });
    expect(email.subject).toContain('Funds disbursed');
    expect(email.text).toContain('Payment reference: PAY-"7"');
    // Finance's witness of the ledger record, for GET /ledger/verify?witness=.
    expect(email.text).toContain(`42:${'ab'.repeat(32)}`);
    expect(email.text).toContain('Ledger record');
    expect(email.text).toContain('EUR 148,250.00 (GBP 118,600.00)');
    expect(email.html).toContain('PAY-&quot;7&quot;');
    expect(email.html).toContain('&lt;script&gt;');
    expect(email.html).not.toMatch(/<script/i);
  });
});

describe('emails to the port authority link to where the proposal stands', () => {
  const link = 'https://jif.example/app/proposals/prop-1';
  it('in an outcome email and a funds email, in both parts', () => {
    for (const email of [
      proposalOutcomeEmail({ proposalId: 'prop-1', title: 'Fences', status: 'FUNDED', link }),
      fundsEmail({
        kind: 'DISBURSED',
        proposalId: 'prop-1',
        title: 'Fences',
        fundYear: 1,
        eurCents: 100,
        gbpPence: 80,
        link,
      }),
    ]) {
      expect(email.text).toContain(link);
      expect(email.html).toContain(`<a href="${link}">`);
    }
  });

  it('refuses a link that is not http(s)', () => {
    expect(() =>
      proposalOutcomeEmail({ proposalId: 'p', title: 't', status: 'FUNDED', link: 'javascript:alert(1)' }),
    ).toThrow(/http/);
  });
});

/** Intl's no-break spaces as plain spaces, so French figures read as typed here. */
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, ' ');

describe('the port authority, written to in French first', () => {
  it('has every outcome in French, then in English below a separator', () => {
    for (const status of PROPOSAL_STATUSES) {
      const email = proposalOutcomeEmail({ proposalId: 'prop-123', title: 'Clôtures', status });
      const [fr, en] = email.text.split(SEPARATOR);
      expect(fr).toContain('Référence');
      expect(en).toContain('Reference');
      expect(email.html.indexOf('<div lang="fr">')).toBeLessThan(email.html.indexOf('<div lang="en">'));
      expect(email.html).toContain('<html lang="fr">');
    }
    expect(proposalOutcomeEmail({ proposalId: 'p-1', title: 'Clôtures', status: 'REJECTED' }).subject).toBe(
      '[JIF] Rejetée / Rejected : Clôtures (p-1)',
    );
  });

  it('funded: one email with each commitment, each payment and its ledger record, and what is left', () => {
    const email = proposalOutcomeEmail({
      proposalId: 'prop-123',
      title: 'Ring road fencing',
      status: 'FUNDED',
      funded: {
        commitments: [
          { fundYear: 1, eurCents: 120_000_000 },
          { fundYear: 2, eurCents: 15_000_000 },
        ],
        payments: [
          {
            fundYear: 1,
            purpose: 'INVESTMENT',
            eurCents: 120_000_000,
            paymentReference: 'JIF-FY1-000007',
            ledgerWitness: `7:${'ab'.repeat(32)}`,
          },
        ],
        envelopes: [
          { fundYear: 1, leftEurCents: 90_500_000 },
          { fundYear: 2, leftEurCents: 485_000_000 },
        ],
      },
    });
    const text = plain(email.text);
    expect(text).toContain(
      'Fund year 1: EUR 1,200,000.00 (GBP 960,000.00); EUR 905,000.00 left in the envelope',
    );
    expect(text).toContain(
      'Fund year 2: EUR 150,000.00 (GBP 120,000.00); EUR 4,850,000.00 left in the envelope',
    );
    expect(text).toContain(
      `Fund year 1, Investment: EUR 1,200,000.00 (GBP 960,000.00); payment reference JIF-FY1-000007; ledger record 7:${'ab'.repeat(32)}`,
    );
    expect(text).toContain(
      "Année 1 du fonds : 1 200 000,00 € (960 000,00 £GB) ; il reste 905 000,00 € dans l'enveloppe",
    );
    expect(text).toContain('Later fund years are paid when they open');
    // Euros, never cents.
    expect(text).not.toMatch(/120000000|90500000|cents/);
  });

  it('funds unavailable: which envelope lacked room, in euros, in each language (not the flow’s English)', () => {
    const email = proposalOutcomeEmail({
      proposalId: 'prop-123',
      title: 'Ring road fencing',
      status: 'FUNDS_UNAVAILABLE',
      reason: 'An envelope lacked room: Fund year 1 has EUR 905,000.00 left; prop-123 needs EUR 1,200,000.00',
      shortfalls: [{ fundYear: 1, leftEurCents: 90_500_000, askedEurCents: 120_000_000 }],
    });
    const text = plain(email.text);
    expect(text).toContain('Fund year 1: EUR 905,000.00 left in its envelope, EUR 1,200,000.00 asked for.');
    expect(text).toContain(
      'Année 1 du fonds : il reste 905 000,00 € dans son enveloppe, 1 200 000,00 € demandés.',
    );
    expect(text).not.toContain('An envelope lacked room');
  });

  it('expired: names the authorities that did not answer, never their codes', () => {
    const email = proposalOutcomeEmail({
      proposalId: 'prop-123',
      title: 'Ring road fencing',
      status: 'EXPIRED',
      reason: 'No decision in time from FR',
      unanswered: ['FR'],
    });
    expect(email.text).toContain("Pas de décision à temps de : Ministère de l'Intérieur.");
    expect(email.text).toContain('No decision in time from: French Ministry of the Interior.');
    expect(email.text).not.toContain('from FR');
  });

  it('a later payment goes to finance and the port authority in French first, in euros', () => {
    const email = fundsEmail({
      kind: 'DISBURSED',
      proposalId: 'prop-123',
      title: 'Ring road fencing',
      fundYear: 2,
      eurCents: 14_825_000,
      gbpPence: 11_860_000,
      paymentReference: 'JIF-FY2-000001',
    });
    expect(email.subject).toMatch(/^\[JIF\] Fonds versés \/ Funds disbursed : /);
    const [fr, en] = plain(email.text).split(SEPARATOR);
    expect(fr).toContain('148 250,00 € (118 600,00 £GB)');
    expect(en).toContain('EUR 148,250.00 (GBP 118,600.00)');
  });
});

describe('the approvers get the outcome in their language', () => {
  it('French first for the French ministry, with what was committed in French figures', () => {
    const email = authorityOutcomeEmail({
      authority: 'FR',
      proposalId: 'prop-123',
      title: 'Ring road fencing',
      status: 'FUNDED',
      decisions: [{ authority: 'UK', decision: 'APPROVED', byDeputy: false }],
      amounts: { committedEurCents: 135_000_000 },
      link: 'https://jif.example/app/proposals/prop-123',
    });
    const [fr, en] = plain(email.text).split(SEPARATOR);
    expect(email.subject).toBe('[JIF] Issue / Outcome : Ring road fencing (prop-123)');
    // Every email carries a link: here, to the proposal's page.
    expect(fr).toContain('Où en est le dossier :');
    expect(fr).toContain('https://jif.example/app/proposals/prop-123');
    expect(en).toContain('https://jif.example/app/proposals/prop-123');
    expect(fr).toContain('Engagé : 1 350 000,00 € (1 080 000,00 £GB)');
    expect(en).toContain('Committed: EUR 1,350,000.00 (GBP 1,080,000.00)');
    const uk = authorityOutcomeEmail({
      authority: 'UK',
      proposalId: 'prop-123',
      title: 'Ring road fencing',
      status: 'FUNDS_UNAVAILABLE',
      decisions: [],
      shortfalls: [{ fundYear: 3, leftEurCents: 50_000_000, askedEurCents: 100_000_000 }],
      link: 'https://jif.example/app/proposals/prop-123',
    });
    expect(uk.text).not.toContain(SEPARATOR);
    expect(uk.text).toContain(
      'Fund year 3: EUR 500,000.00 left in its envelope, EUR 1,000,000.00 asked for.',
    );
  });

  it('an evaluation’s sign-off request carries the port authority’s note on each cost report', () => {
    const email = signOffRequestEmail(
      request({
        authority: 'FR',
        subject: {
          type: 'EVALUATION',
          evaluationId: 'EVAL-FY1',
          fundYear: 1,
          title: 'Évaluation',
          lines: [
            {
              proposalId: 'prop-9',
              title: 'Parking guards',
              fundedEurCents: 15_000_000,
              actualEurCents: 14_825_000,
              nextTrancheEurCents: 14_825_000,
              note: 'Two guards added in winter',
            },
          ],
        },
      }),
    );
    expect(email.text).toContain("Remarque de l'autorité portuaire : « Two guards added in winter »");
    expect(email.text).toContain('Note from the port authority: "Two guards added in winter"');
  });
});
