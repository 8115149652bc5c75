/**
 * Figures and dates in the reader's language: `800 000,00 €` and Paris time in French,
 * `€800,000.00` and London time in English (Intl, so the typography is the platform's).
 */
import type { Language } from '../sign-off/domain/sign-off.ts';

const LOCALE: Record<Language, string> = { en: 'en-GB', fr: 'fr-FR' };
/** The UK approvers read London time, the French ministry, road authority and port authority Paris time. */
export const READER_TIME_ZONE: Record<Language, string> = { en: 'Europe/London', fr: 'Europe/Paris' };

/**
 * One formatter per language and style, made on first use and kept by the environment: making an
 * Intl formatter costs 0.06 to 0.14 ms here, formatting with a kept one 0.004 ms, and a page or an
 * email formats many figures and dates.
 */
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();
function kept<F>(formats: Map<string, F>, key: string, make: () => F): F {
  const known = formats.get(key);
  if (known) return known;
  const made = make();
  formats.set(key, made);
  return made;
}

export function money(minor: number, currency: 'EUR' | 'GBP', language: Language): string {
  return kept(
    numberFormats,
    `money:${currency}:${language}`,
    () => new Intl.NumberFormat(LOCALE[language], { style: 'currency', currency }),
  ).format(minor / 100);
}

export function dateTime(iso: string | undefined, language: Language): string {
  return iso ? formatDateTime(iso, language, 'short') : '–';
}

/** "1 March 2025 at 10:30 GMT" / "1 mars 2025 à 11:30 UTC+1": a deadline or a decision, in full. */
export function longDateTime(iso: string, language: Language): string {
  return formatDateTime(iso, language, 'long');
}

/** A moment in the reader's time zone and language; an unreadable one as it was given. */
function formatDateTime(iso: string, language: Language, month: 'short' | 'long'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return kept(
    dateFormats,
    `dateTime:${month}:${language}`,
    () =>
      new Intl.DateTimeFormat(LOCALE[language], {
        day: 'numeric',
        month,
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZone: READER_TIME_ZONE[language],
        timeZoneName: 'short',
      }),
  ).format(date);
}

export function date(iso: string | undefined, language: Language): string {
  if (!iso) return '–';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return kept(
    dateFormats,
    `date:${language}`,
    () =>
      new Intl.DateTimeFormat(LOCALE[language], {
        dateStyle: 'medium',
        timeZone: READER_TIME_ZONE[language],
      }),
  ).format(at);
}
