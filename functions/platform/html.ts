/**
 * Markup that is safe by construction. `html\`...\`` escapes every interpolated value unless it is
 * already `Html` (built by this tag), so text from a user, a proposal or a link cannot become
 * markup by mistake: forgetting to escape is no longer possible, only choosing `trusted` on purpose.
 * A class with a private field is nominal in TypeScript: a plain string or object is never `Html`.
 */
import { escape as escapeHtml } from 'html-escaper';

export class Html {
  readonly #markup: string;
  constructor(markup: string) {
    this.#markup = markup;
  }
  toString(): string {
    return this.#markup;
  }
}

/** What a template accepts: markup, text (escaped), numbers, lists of these; nothing for null/false. */
export type Fragment = Html | string | number | null | undefined | false | readonly Fragment[];

function render(value: Fragment): string {
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Fragment[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

/** Markup from a constant the code owns (never from data): the one way around escaping. */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** Fragments joined with a separator that is itself markup (e.g. `<br>`). */
export function join(items: readonly Fragment[], separator: Html = trusted('')): Html {
  return new Html(items.map(render).join(separator.toString()));
}
