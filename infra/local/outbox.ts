/**
 * The local email outbox: what aws-ses-v2-local received, kept in the data directory so it
 * survives restarts, served as JSON (`/local/outbox`) and as a page (`/local/outbox.html`).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
// aws-ses-v2-local keeps received mail in this module; reading it directly avoids polling over HTTP.
import { type Email, getStoreReadonly, saveEmail } from 'aws-ses-v2-local/dist/store.js';
import { escape as escapeHtml } from 'html-escaper';

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

  constructor(private readonly file: string) {
    if (existsSync(file) && getStoreReadonly().emails.length === 0) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.trim()) saveEmail(JSON.parse(line) as Email);
      }
    }
    this.persisted = getStoreReadonly().emails.length;
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

  list(): OutboxEmail[] {
    return getStoreReadonly().emails.map((email) => ({
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

  html(): string {
    const rows = this.list()
      .reverse()
      .map((email) => {
        const text = escapeHtml(email.text).replace(
          /(https?:\/\/[^\s<]+)/g,
          (url) => `<a href="${url}">${url}</a>`,
        );
        return `<article>
  <h2>${escapeHtml(email.subject)}</h2>
  <p><strong>To:</strong> ${escapeHtml(email.to.join(', '))} &middot; <time datetime="${escapeHtml(email.at)}">${escapeHtml(email.at)}</time></p>
  <pre>${text}</pre>
</article>`;
      })
      .join('\n');
    return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>JIF local outbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}article{border-bottom:1px solid #ccc;padding:1rem 0}pre{white-space:pre-wrap}</style></head>
<body><main><h1>Local outbox</h1><p>${this.list().length} email(s), newest first. Every link below is the one the recipient got.</p>
${rows || '<p>No email yet.</p>'}
</main></body></html>`;
  }
}
