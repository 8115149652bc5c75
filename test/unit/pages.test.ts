import { describe, expect, it } from 'vitest';
import {
  type ApprovalPageModel,
  MESSAGES,
  parseLanguage,
  renderApprovalPage,
  renderMessageFor,
  renderMessagePage,
  type SubjectSummary,
  securityHeaders,
} from '../../functions/pages/pages.ts';

const proposal: SubjectSummary = {
  type: 'PROPOSAL',
  proposalId: 'prop-123',
  title: 'Ring road fencing, phase 1',
  category: 'PORT_SECURITY_INFRASTRUCTURE',
  description: 'Robust fences along the ring road access to the public area of the port.',
  contactEmail: 'port@port-calais.example',
  funding: [
    { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 120_000_000 },
    { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 15_000_000 },
  ],
};

function model(overrides: Partial<ApprovalPageModel> = {}): ApprovalPageModel {
  return {
    approvalId: 'apr-42',
    token: 'tok.abc123',
    language: 'en',
    authority: 'UK',
    asDeputy: false,
    expiresAt: '2025-03-01T10:30:00.000Z',
    subject: proposal,
    ...overrides,
  };
}

const hostile = '<script>alert(1)</script>';

/** Intl's no-break spaces as plain spaces, so figures read as typed here. */
const plain = (html: string) => html.replace(/[\u202f\u00a0]/g, ' ');
/** The page's text without markup, whitespace collapsed. */
const text = (html: string) =>
  plain(html)
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

/** Every start tag in the page, so assertions see tags, not text that merely mentions them. */
function tags(html: string, name: string): string[] {
  return html.match(new RegExp(`<${name}\\b[^>]*>`, 'gi')) ?? [];
}

describe('renderApprovalPage', () => {
  it('is a complete HTML5 document in the chosen language', () => {
    const html = renderApprovalPage(model());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<title>[^<]*Ring road fencing, phase 1[^<]*<\/title>/);
    expect(tags(html, 'main')).toHaveLength(1);
    expect(html).toContain('<meta charset="utf-8">');
  });

  it('posts to the approval action with the hidden token and lang, a labelled comment and both buttons', () => {
    const html = renderApprovalPage(model());
    const forms = tags(html, 'form');
    expect(forms).toEqual(['<form method="post" action="/approvals/apr-42">']);
    expect(html).toContain('<input type="hidden" name="token" value="tok.abc123">');
    expect(html).toContain('<input type="hidden" name="lang" value="en">');
    expect(html).toMatch(/<label for="comment">[^<]+<\/label>/);
    // A reason is required to reject: the browser checks it, except for Approve.
    expect(html).toMatch(/<textarea id="comment" name="comment"[^>]* required><\/textarea>/);
    expect(tags(html, 'button')).toEqual([
      '<button type="submit" name="decision" value="approve" formnovalidate>',
      '<button type="submit" name="decision" value="reject">',
    ]);
    expect(html).toContain('>Approve</button>');
    expect(html).toContain('>Reject</button>');
    // The form sits inside <main>, and the buttons inside the form.
    const form = html.slice(html.indexOf('<form'), html.indexOf('</form>'));
    expect(form).toContain('value="approve"');
    expect(form).toContain('value="reject"');
    expect(form).toContain('name="token"');
  });

  it('has no script, no event handlers, no external resources and nothing that auto-submits', () => {
    const html = renderApprovalPage(model({ subject: { ...proposal, title: hostile } }));
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\ssrc\s*=/i);
    // The one linked resource is the system's own stylesheet (same origin, a relative path).
    expect(tags(html, 'link').every((tag) => tag.includes('href="/assets/jif.css?v='))).toBe(true);
    expect(html).not.toMatch(/http-equiv/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toMatch(/autofocus|formaction/i);
  });

  it('escapes scripts and quotes in the title, description, contact, id and token', () => {
    const html = renderApprovalPage(
      model({
        approvalId: 'a"b',
        token: '"><script>x</script>',
        subject: {
          ...proposal,
          title: hostile,
          description: 'He said "fence" & \'gate\' <b>now</b>',
          contactEmail: 'x"@example.com',
        },
      }),
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<b>now</b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('He said &quot;fence&quot; &amp; &#39;gate&#39; &lt;b&gt;now&lt;/b&gt;');
    expect(html).toContain('x&quot;@example.com');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(html).toContain('action="/approvals/a%22b"');
  });

  it('shows the subject: category, contact, funding lines in EUR and GBP, and the total', () => {
    const html = renderApprovalPage(model());
    expect(html).toContain('prop-123');
    expect(html).toContain('Port security infrastructure');
    expect(html).toContain('port@port-calais.example');
    expect(html).toContain('Robust fences along the ring road');
    expect(html).toContain('€1,200,000.00');
    expect(html).toContain('£960,000.00');
    expect(html).toContain('€150,000.00');
    expect(html).toContain('£120,000.00');
    expect(html).toContain('Investment');
    expect(html).toContain('Annual security running costs');
    // Total of both lines: EUR 1,350,000.00 = GBP 1,080,000.00.
    expect(html).toContain('€1,350,000.00');
    expect(html).toContain('£1,080,000.00');
    // In French, French figures: `1 350 000,00 €` (Intl's narrow no-break spaces).
    const fr = plain(renderApprovalPage(model({ language: 'fr', authority: 'FR' })));
    expect(fr).toContain('1 350 000,00 €');
    expect(fr).toContain('1 200 000,00 €');
  });

  it('labels every cell of its tables, so a 390 px phone shows them stacked', () => {
    const html = renderApprovalPage(
      model({
        subject: {
          ...proposal,
          envelopes: [
            {
              fundYear: 1,
              capEurCents: 500_000_000,
              committedEurCents: 50_000_000,
              changeEurCents: 120_000_000,
            },
          ],
        },
      }),
    );
    expect(tags(html, 'table').every((tag) => tag.includes('class="stack"'))).toBe(true);
    expect(tags(html, 'td').every((tag) => /data-label="[^"]+"/.test(tag))).toBe(true);
  });

  it('shows each envelope the proposal draws on: its room now and after this approval', () => {
    const html = plain(
      renderApprovalPage(
        model({
          subject: {
            ...proposal,
            envelopes: [
              {
                fundYear: 1,
                capEurCents: 500_000_000,
                committedEurCents: 290_500_000,
                changeEurCents: 120_000_000,
              },
              {
                fundYear: 2,
                capEurCents: 500_000_000,
                committedEurCents: 490_000_000,
                changeEurCents: 15_000_000,
              },
            ],
          },
        }),
      ),
    );
    // FY1: cap, committed, EUR 2,095,000.00 left now, EUR 1,200,000.00 for this proposal, 895,000.00 left after.
    expect(text(html)).toContain(
      'Fund year 1 €5,000,000.00 £4,000,000.00 €2,905,000.00 £2,324,000.00 €2,095,000.00 £1,676,000.00 €1,200,000.00 £960,000.00 €895,000.00 £716,000.00',
    );
    // FY2: EUR 100,000.00 left, EUR 150,000.00 asked: it does not fit, and the page says so.
    expect(text(html)).toContain('€50,000.00 short');
    expect(text(html)).toContain('does not fit what is left');
  });

  it('shows what the other authorities decided and said, and when, in the reader’s time zone', () => {
    const html = text(
      renderApprovalPage(
        model({
          language: 'fr',
          authority: 'FR',
          subject: {
            ...proposal,
            decisions: [
              {
                authority: 'ROAD',
                decision: 'APPROVED',
                comment: 'Travaux de nuit uniquement',
                byDeputy: false,
                decidedAt: '2025-06-02T07:15:00.000Z',
              },
              {
                authority: 'UK',
                decision: 'APPROVED',
                byDeputy: true,
                decidedAt: '2025-06-03T12:00:00.000Z',
              },
            ],
          },
        }),
      ),
    );
    expect(html).toContain('Gestionnaire routier (DIR Nord)');
    expect(html).toContain('Travaux de nuit uniquement');
    expect(html).toContain('2 juin 2025 à 09:15 UTC+2');
    expect(html).toContain('Home Office (Royaume-Uni)');
    expect(html).toContain('3 juin 2025 à 14:00 UTC+2');
    const first = text(renderApprovalPage(model({ subject: { ...proposal, decisions: [] } })));
    expect(first).toContain('No other authority has decided yet.');
  });

  it('says who is asked, as deputy or not, and until when the link is valid', () => {
    const primary = renderApprovalPage(model());
    expect(primary).toContain('on behalf of the UK Home Office');
    expect(primary).not.toMatch(/deputy/i);
    // London time for the UK reader (GMT in March), Paris time for the French one.
    expect(primary).toContain('<time datetime="2025-03-01T10:30:00.000Z">1 March 2025 at 10:30 GMT</time>');

    const deputy = renderApprovalPage(model({ asDeputy: true }));
    expect(deputy).toContain('as deputy for the UK Home Office');

    const fr = renderApprovalPage(model({ language: 'fr', authority: 'FR', asDeputy: true }));
    expect(fr).toContain('suppléant');
    expect(fr).toContain('Ministère de l&#39;Intérieur');
    expect(fr).toContain('1 mars 2025 à 11:30 UTC+1');
  });

  it('asks the road authority for its agreement', () => {
    const html = renderApprovalPage(
      model({
        authority: 'ROAD',
        language: 'fr',
        subject: { ...proposal, category: 'TEMPORARY_SECURITY_MEASURE' },
      }),
    );
    expect(html).toContain('Accord demandé');
    expect(html).toContain('Gestionnaire routier (DIR Nord)');
    expect(html).toContain('Mesure de sûreté temporaire');
  });

  it('renders the whole page in French with a switch to English, and vice versa', () => {
    const token = 'a+b/c=&d';
    const fr = renderApprovalPage(model({ language: 'fr', token }));
    expect(fr).toContain('<html lang="fr">');
    // The buttons also carry the English word: this is a bilateral process.
    expect(fr).toContain('>Approuver (Approve)</button>');
    expect(fr).toContain('>Rejeter (Reject)</button>');
    expect(fr).toContain('<input type="hidden" name="lang" value="fr">');
    expect(fr).toContain('Infrastructures de sûreté du port');
    expect(fr).not.toContain('>Approve</button>');
    expect(fr).toContain('href="?token=a%2Bb%2Fc%3D%26d&amp;lang=en"');

    const en = renderApprovalPage(model({ language: 'en', token }));
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('href="?token=a%2Bb%2Fc%3D%26d&amp;lang=fr"');
    expect(en).not.toContain('Approuver');
  });

  it('shows an annual evaluation: fund year, and funded vs actual cost and next tranche per project', () => {
    const html = renderApprovalPage(
      model({
        subject: {
          type: 'EVALUATION',
          evaluationId: 'eval-1',
          fundYear: 1,
          title: 'Annual security-cost evaluation, fund year 1',
          lines: [
            {
              proposalId: 'prop-9',
              title: hostile,
              fundedEurCents: 15_000_000,
              actualEurCents: 14_825_000,
              nextTrancheEurCents: 14_825_000,
              note: 'Two guards <i>added</i> in winter',
            },
          ],
          envelope: {
            fundYear: 2,
            capEurCents: 500_000_000,
            committedEurCents: 115_000_000,
            changeEurCents: -175_000,
          },
          decisions: [{ authority: 'UK', decision: 'APPROVED', comment: 'Fine', byDeputy: false }],
        },
      }),
    );
    expect(html).toContain('eval-1');
    // The cost report's note, escaped; what the envelope of year 2 gets back; the other side's decision.
    expect(html).toContain('Two guards &lt;i&gt;added&lt;/i&gt; in winter');
    expect(text(html)).toMatch(/Returned on approval.*€1,750\.00/);
    expect(text(html)).toMatch(/€3,850,000\.00 £3,080,000\.00 €1,750\.00 £1,400\.00 €3,851,750\.00/);
    expect(text(html)).toContain('UK Home Office: approved, with this comment: Fine');
    expect(html).toContain('prop-9');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('€150,000.00');
    expect(html).toContain('£120,000.00');
    expect(html).toContain('€148,250.00');
    expect(html).toContain('£118,600.00');
    expect(html).toContain('Proposed next-year tranche');
    expect(tags(html, 'form')).toEqual(['<form method="post" action="/approvals/apr-42">']);
  });
});

describe('parseLanguage', () => {
  it('accepts en and fr only', () => {
    expect(parseLanguage('fr')).toBe('fr');
    expect(parseLanguage('EN')).toBe('en');
    expect(parseLanguage('de')).toBeUndefined();
    expect(parseLanguage(undefined)).toBeUndefined();
    expect(parseLanguage(['fr'])).toBeUndefined();
  });
});

describe('renderMessagePage', () => {
  it('escapes its title and message and has the same shell, without a form', () => {
    const html = renderMessagePage({ language: 'fr', title: hostile, message: 'a "quote"', status: 'error' });
    expect(html).toContain('<html lang="fr">');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(html).toContain('a &quot;quote&quot;');
    expect(html).toContain('class="status-error"');
    expect(tags(html, 'main')).toHaveLength(1);
    expect(tags(html, 'form')).toEqual([]);
  });

  it('defaults to an ok status', () => {
    expect(renderMessagePage({ language: 'en', title: 'Done', message: 'Recorded.' })).toContain(
      'class="status-ok"',
    );
  });

  it('has ready-made answers with the contract HTTP statuses', () => {
    expect(MESSAGES.ALREADY_DECIDED.httpStatus).toBe(409);
    expect(MESSAGES.EXPIRED.httpStatus).toBe(410);
    expect(MESSAGES.NOT_FOUND.httpStatus).toBe(404);
    expect(MESSAGES.BAD_REQUEST.httpStatus).toBe(400);
    const answer = renderMessageFor('EXPIRED', 'fr');
    expect(answer.httpStatus).toBe(410);
    expect(answer.html).toContain('Lien expiré');
    expect(renderMessageFor('APPROVED', 'en').html).toContain('Approval recorded');
  });
});

describe('securityHeaders', () => {
  it('sends the headers every page needs', () => {
    const headers = securityHeaders();
    expect(headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(headers['Referrer-Policy']).toBe('no-referrer');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['X-Frame-Options']).toBe('DENY');
    expect(headers['Cache-Control']).toBe('no-store');
    expect(headers['Strict-Transport-Security']).toMatch(/^max-age=\d+/);
    const csp = (headers['Content-Security-Policy'] ?? '').split(/;\s*/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp.join(';')).not.toContain('script-src');
  });

  it('takes styles only from the served stylesheet: no inline style, no style attribute', () => {
    const html = renderApprovalPage(model());
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(tags(html, 'link')).toEqual([
      expect.stringMatching(/^<link rel="stylesheet" href="\/assets\/jif\.css\?v=[0-9a-f]{12}">$/),
    ]);
    expect(securityHeaders()['Content-Security-Policy']).toContain("style-src 'self'");
    // The message page links the very same stylesheet.
    expect(tags(renderMessagePage({ language: 'en', title: 't', message: 'm' }), 'link')).toEqual(
      tags(html, 'link'),
    );
  });
});
