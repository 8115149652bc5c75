/** The copy catalogue: one object per language, the same shape in each. */
import type { Language } from '../../sign-off/domain/sign-off.ts';
import { type Copy, en } from './en.ts';
import { fr } from './fr.ts';

export type { Copy };
export const COPY: Record<Language, Copy> = { en, fr };

export function copy(language: Language): Copy {
  return COPY[language];
}
