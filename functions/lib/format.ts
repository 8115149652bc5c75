/**
 * Figures and dates in the reader's language: `800 000,00 €` and Paris time in French,
 * `€800,000.00` and London time in English (Intl, so the typography is the platform's).
 */
import type { Language } from '../domain/sign-off.ts';

const LOCALE: Record<Language, string> = { en: 'en-GB', fr: 'fr-FR' };
const ZONE: Record<Language, string> = { en: 'Europe/London', fr: 'Europe/Paris' };

export function money(minor: number, currency: 'EUR' | 'GBP', language: Language): string {
  return new Intl.NumberFormat(LOCALE[language], { style: 'currency', currency }).format(minor / 100);
}

export function dateTime(iso: string | undefined, language: Language): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALE[language], {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: ZONE[language],
    timeZoneName: 'short',
  }).format(date);
}

export function date(iso: string | undefined, language: Language): string {
  if (!iso) return '–';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALE[language], { dateStyle: 'medium', timeZone: ZONE[language] }).format(
    at,
  );
}
