/**
 * What each authority decided, as the other parties read it: the road authority's agreement and its
 * conditions, each ministry's approval or rejection and its comment. One wording for emails and pages.
 */

import * as copy from '../pages/copy/index.ts';
import type { SignOffRequest } from './data/sign-offs.ts';
import { AUTHORITY_NAMES, type Authority, type Language } from './domain/sign-off.ts';

export interface DecisionNote {
  authority: Authority;
  decision: 'APPROVED' | 'REJECTED';
  comment?: string;
  byDeputy: boolean;
  /** When it was decided (pages show it in the reader's time zone). */
  decidedAt?: string;
}

/** The decisions taken on a subject (in the order asked), leaving out `except` (the reader's own). */
export function decisionNotes(requests: SignOffRequest[], except?: Authority): DecisionNote[] {
  return [...requests]
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .filter((r) => r.authority !== except && (r.status === 'APPROVED' || r.status === 'REJECTED'))
    .map((r) => ({
      authority: r.authority,
      decision: r.status === 'APPROVED' ? 'APPROVED' : 'REJECTED',
      ...(r.comment?.trim() ? { comment: r.comment.trim() } : {}),
      byDeputy: r.decidedStage === 'DEPUTY',
      ...(r.decidedAt ? { decidedAt: r.decidedAt } : {}),
    }));
}

/** "Road authority (DIR Nord): agreed, with these conditions: night work only". */
export function describeDecision(note: DecisionNote, language: Language): string {
  const t = copy.decisions[language];
  const road = note.authority === 'ROAD';
  const verb = note.decision === 'APPROVED' ? t.approved(road) : t.rejected(road);
  const said = note.comment
    ? `${note.decision === 'REJECTED' ? t.reason : t.conditions(road)}${note.comment}`
    : t.none;
  const colon = language === 'fr' ? ' : ' : ': ';
  return `${AUTHORITY_NAMES[note.authority][language]}${colon}${verb}${note.byDeputy ? t.deputy : ''}${said}`;
}
