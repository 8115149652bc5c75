/**
 * The local email outbox: what aws-ses-v2-local received, kept in the data directory so it
 * survives restarts, served as JSON (`/local/outbox`) and as a page (`/local/outbox.html`).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
// aws-ses-v2-local keeps received mail in this module; reading it directly avoids polling over HTTP.
import { type Email, getStoreReadonly, saveEmail } from 'aws-ses-v2-local/dist/store.js';
import { shell } from '../../functions/pages/pages.ts';
import { html, join } from '../../functions/platform/html.ts';

export interface OutboxEmail {
  id: string;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  at: string;
}

export class Outbox {
  private persisted = 0;
  private timer: NodeJS.Timeout | undefined;

  private readonly file: string;

  constructor(file: string) {
    this.file = file;
    if (existsSync(file) && getStoreReadonly().emails.length === 0) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.trim()) saveEmail(JSON.parse(line) as Email);
      }
    }
    this.persisted = getStoreReadonly().emails.length;
  }

  /**
   * Keeps each email in the data directory before SES answers its sender: a process killed right
   * after a send (kill -9, a crash) must not lose mail the sender was told went out, as SES does
   * not (the handler then records the email as sent and never sends it again).
   */
  persistBeforeReplying(server: Server): void {
    const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        this.persist();
        return end(...args);
      }) as ServerResponse['end'];
      for (const listener of listeners) listener(req, res);
    });
  }

  start(): void {
    this.timer = setInterval(() => this.persist(), 200);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.persist();
  }

  /** Appends mail received since the last call to the data directory. */
  persist(): void {
    const emails = getStoreReadonly().emails;
    if (emails.length <= this.persisted) return;
    const fresh = emails.slice(this.persisted);
    appendFileSync(this.file, `${fresh.map((e) => JSON.stringify(e)).join('\n')}\n`);
    this.persisted = emails.length;
  }

  /** Every email sent, oldest first; from `from` on (a reader that keeps its place reads only what is new). */
  list(from = 0): OutboxEmail[] {
    return getStoreReadonly()
      .emails.slice(from)
      .map((email) => ({
        id: email.messageId,
        from: email.from,
        to: email.destination.to,
        cc: email.destination.cc,
        subject: email.subject,
        text: email.body.text ?? '',
        html: email.body.html ?? '',
        at: new Date(email.at * 1000).toISOString(),
      }));
  }

  /** The outbox as a page, filtered by recipient and by proposal (an id or any text of the email). */
  html(filter: { to?: string; proposal?: string } = {}): string {
    const all = this.list();
    const recipients = [...new Set(all.flatMap((email) => email.to))].sort();
    const wanted = filter.proposal?.trim() ?? '';
    const shown = all
      .filter((email) => !filter.to || email.to.includes(filter.to))
      .filter((email) => !wanted || email.subject.includes(wanted) || email.text.includes(wanted))
      .reverse();
    const linked = (text: string) =>
      join(
        text
          .split(/(https?:\/\/[^\s<]+)/g)
          .map((part, index) => (index % 2 === 1 ? html`<a href="${part}">${part}</a>` : part)),
      );
    const body = html`<h1>Local outbox</h1>
<form method="get" action="/local/outbox.html" class="filters">
<div class="field"><label for="to">Recipient</label><select id="to" name="to"><option value="">Anyone</option>${recipients.map((r) => html`<option value="${r}"${r === filter.to ? html` selected` : ''}>${r}</option>`)}</select></div>
<div class="field"><label for="proposal">Proposal (reference or text)</label><input type="text" id="proposal" name="proposal" value="${wanted}"></div>
<div class="field"><button type="submit">Filter</button></div>
</form>
<p>${shown.length} of ${all.length} email(s), newest first. Every link below is the one the recipient got.</p>
${shown.length === 0 ? html`<p>No email yet.</p>` : ''}
${shown.map(
  (email, index) => html`<article class="email">
<h2>${email.subject}</h2>
<p><strong>To:</strong> ${email.to.join(', ')} · <time datetime="${email.at}">${email.at}</time></p>
<details open><summary>Plain text</summary><pre class="description">${linked(email.text)}</pre></details>
${email.html ? html`<details><summary>HTML part</summary><iframe title="${`HTML part of email ${index + 1}`}" sandbox="" srcdoc="${email.html}"></iframe></details>` : ''}
</article>`,
)}`;
    return shell('en', 'Local outbox', '', body);
  }
}
