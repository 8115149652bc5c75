import { describe, expect, it } from 'vitest';
import * as en from '../../functions/pages/copy/en.ts';
import * as fr from '../../functions/pages/copy/fr.ts';
import * as copy from '../../functions/pages/copy/index.ts';
import { type Fragment, html, join, trusted } from '../../functions/platform/html.ts';

/** Each language's whole catalogue: its sections, one export each. */
const COPY = { en, fr };

/** Every leaf of a catalogue, by path: strings, and functions (with their number of parameters). */
function leaves(value: unknown, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof value === 'string') out.set(path, 'string');
  else if (typeof value === 'function') out.set(path, `function/${value.length}`);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      for (const [p, kind] of leaves(inner, path ? `${path}.${key}` : key)) out.set(p, kind);
    }
  } else out.set(path, typeof value);
  return out;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('the copy catalogue', () => {
  it('has the same entries, of the same kind, in English and French', () => {
    const en = leaves(COPY.en);
    const fr = leaves(COPY.fr);
    const missingInFr = [...en.keys()].filter((key) => !fr.has(key));
    const missingInEn = [...fr.keys()].filter((key) => !en.has(key));
    expect({ missingInFr, missingInEn }).toEqual({ missingInFr: [], missingInEn: [] });
    for (const [key, kind] of en) expect(`${key}: ${fr.get(key)}`).toBe(`${key}: ${kind}`);
    expect(en.size).toBeGreaterThan(100);
  });

  it('offers every section of both languages, section by section, as pages and emails import it', () => {
    const bySection = Object.fromEntries(
      Object.entries(en).map(([name, section]) => [name, { en: section, fr: Reflect.get(fr, name) }]),
    );
    expect({ ...copy }).toEqual(bySection);
  });

  it('has no empty entry, and French differs from English where a sentence is translated', () => {
    for (const language of ['en', 'fr'] as const) {
      for (const text of strings(COPY[language])) expect(text.trim()).not.toBe('');
    }
    expect(COPY.fr.approval.approve).not.toBe(COPY.en.approval.approve);
    expect(COPY.fr.service.name).not.toBe(COPY.en.service.name);
  });
});

describe('the html tag', () => {
  it('escapes text and attribute values, keeps markup built by the tag', () => {
    const title = '<img src=x onerror=alert(1)> & "quotes"';
    const out = html`<p title="${title}">${title}</p>${html`<b>ok</b>`}`.toString();
    expect(out).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;">&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;</p><b>ok</b>',
    );
  });

  it('renders lists, numbers and nothing for null, undefined and false', () => {
    const items: Fragment[] = ['<a>', 2, null, undefined, false, html`<i>x</i>`];
    expect(html`${items}`.toString()).toBe('&lt;a&gt;2<i>x</i>');
    expect(join(['a', '<b>'], trusted('<br>')).toString()).toBe('a<br>&lt;b&gt;');
  });

  it('does not take a look-alike object or a string as markup', () => {
    const forged = { toString: () => '<script>' } as unknown as Fragment;
    expect(html`${forged}`.toString()).toBe('&lt;script&gt;');
  });
});
