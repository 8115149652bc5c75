/** The declaration's purposes: the categories a proposal can be in. */
export const CATEGORIES = [
  'PORT_SECURITY_INFRASTRUCTURE',
  'PARKING_AREA_SECURITY',
  'TEMPORARY_SECURITY_MEASURE',
  'VULNERABLE_PERSONS_SUPPORT',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const FUNDING_PURPOSES = ['INVESTMENT', 'RUNNING_COST'] as const;
export type FundingPurpose = (typeof FUNDING_PURPOSES)[number];

/** Temporary measures need the road authority's agreement before the ministries are asked. */
export function needsRoadAuthorityAgreement(category: Category): boolean {
  return category === 'TEMPORARY_SECURITY_MEASURE';
}

export const CATEGORY_LABELS: Record<Category, { en: string; fr: string }> = {
  PORT_SECURITY_INFRASTRUCTURE: {
    en: 'Port security infrastructure',
    fr: 'Infrastructures de sûreté du port',
  },
  PARKING_AREA_SECURITY: {
    en: 'Parking area security (east of the port)',
    fr: 'Sûreté du parking (est du port)',
  },
  TEMPORARY_SECURITY_MEASURE: { en: 'Temporary security measure', fr: 'Mesure de sûreté temporaire' },
  VULNERABLE_PERSONS_SUPPORT: {
    en: 'Support for vulnerable persons',
    fr: 'Aide aux personnes vulnérables',
  },
};
