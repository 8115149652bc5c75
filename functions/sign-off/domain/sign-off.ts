/**
 * Sign-off rules. Each request is bound to one authority and one subject (a proposal, or a
 * year's evaluation). Unanswered requests get two reminders, then go to the deputy, then expire.
 */
export const AUTHORITIES = ['UK', 'FR', 'ROAD'] as const;
export type Authority = (typeof AUTHORITIES)[number];

export const SIGN_OFF_STAGES = ['REQUEST', 'REMINDER_1', 'REMINDER_2', 'DEPUTY'] as const;
export type SignOffStage = (typeof SIGN_OFF_STAGES)[number];

/** How long each stage waits for a decision (the sign-off flow's task timeout). */
export const SIGN_OFF_STAGE_SECONDS = 3 * 24 * 3600;
/** From the first email to expiry: every stage in turn. The one deadline emails, pages and the API state. */
export const SIGN_OFF_WINDOW_SECONDS = SIGN_OFF_STAGES.length * SIGN_OFF_STAGE_SECONDS;

export const SIGN_OFF_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'EXPIRED', 'WITHDRAWN'] as const;
export type SignOffStatus = (typeof SIGN_OFF_STATUSES)[number];

export type Decision = 'approve' | 'reject';
export type Language = 'en' | 'fr';

export const SUBJECT_TYPES = ['PROPOSAL', 'EVALUATION'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export interface AuthorityDirectory {
  UK: { primary: string; deputy: string };
  FR: { primary: string; deputy: string };
  ROAD: { primary: string; deputy: string };
}

export const AUTHORITY_NAMES: Record<Authority, { en: string; fr: string }> = {
  UK: { en: 'UK Home Office', fr: 'Home Office (Royaume-Uni)' },
  FR: { en: 'French Ministry of the Interior', fr: "Ministère de l'Intérieur" },
  ROAD: { en: 'Road authority (DIR Nord)', fr: 'Gestionnaire routier (DIR Nord)' },
};

/** The French ministry and the road authority are written to in French, the UK in English. */
export function languageOf(authority: Authority): Language {
  return authority === 'UK' ? 'en' : 'fr';
}

/** Who is asked at a stage: the deputy once the primary has had the request and two reminders. */
export function recipientFor(
  directory: AuthorityDirectory,
  authority: Authority,
  stage: SignOffStage,
): string {
  const entry = directory[authority];
  return stage === 'DEPUTY' ? entry.deputy : entry.primary;
}

/** Error names the sign-off flow uses to complete or end a callback task. */
export const SIGN_OFF_ERRORS = {
  rejected: 'SignOff.Rejected',
  withdrawn: 'SignOff.Withdrawn',
  expired: 'SignOff.Expired',
} as const;

/**
 * A request no longer open to a decision because its time ran out: marked EXPIRED, or still PENDING
 * past `expiresAt` (the expiry step may not have run yet; the link must not accept it meanwhile).
 */
export function hasExpired(request: { status: SignOffStatus; expiresAt: string }, now: Date): boolean {
  return (
    request.status === 'EXPIRED' || (request.status === 'PENDING' && request.expiresAt <= now.toISOString())
  );
}

export function statusForDecision(decision: Decision): SignOffStatus {
  return decision === 'approve' ? 'APPROVED' : 'REJECTED';
}

export function isDecision(value: unknown): value is Decision {
  return value === 'approve' || value === 'reject';
}

/** Whose approval a proposal of this category needs before its money may be committed. */
export function approvalsRequired(needsRoadAuthority: boolean): Authority[] {
  return needsRoadAuthority ? ['ROAD', 'UK', 'FR'] : ['UK', 'FR'];
}

/**
 * The authorities among `required` whose decision recorded in the table is not an approval: money
 * follows these records, never a workflow task's output alone (anyone holding a task token could
 * complete the task).
 */
export function approvalsMissing(
  required: readonly Authority[],
  recorded: readonly { authority: Authority; status: SignOffStatus }[],
): Authority[] {
  return required.filter(
    (authority) => !recorded.some((r) => r.authority === authority && r.status === 'APPROVED'),
  );
}
