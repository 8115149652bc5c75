/**
 * The copy catalogue, one export per section, each in both languages. Import it as a namespace
 * (`import * as copy`) and read `copy.approval[language]`: esbuild then bundles only the sections a
 * handler reads, not every page and email of both languages.
 */
import type { Language } from '../../sign-off/domain/sign-off.ts';
import * as en from './en.ts';
import * as fr from './fr.ts';

export const service: Record<Language, typeof en.service> = { en: en.service, fr: fr.service };
export const purposes: Record<Language, typeof en.purposes> = { en: en.purposes, fr: fr.purposes };
export const approval: Record<Language, typeof en.approval> = { en: en.approval, fr: fr.approval };
export const messages: Record<Language, typeof en.messages> = { en: en.messages, fr: fr.messages };
export const costReportForm: Record<Language, typeof en.costReportForm> = {
  en: en.costReportForm,
  fr: fr.costReportForm,
};
export const costReportMessages: Record<Language, typeof en.costReportMessages> = {
  en: en.costReportMessages,
  fr: fr.costReportMessages,
};
export const costReportReceived: Record<Language, typeof en.costReportReceived> = {
  en: en.costReportReceived,
  fr: fr.costReportReceived,
};
export const evaluationReport: Record<Language, typeof en.evaluationReport> = {
  en: en.evaluationReport,
  fr: fr.evaluationReport,
};
export const signOffEmail: Record<Language, typeof en.signOffEmail> = {
  en: en.signOffEmail,
  fr: fr.signOffEmail,
};
export const costReportEmail: Record<Language, typeof en.costReportEmail> = {
  en: en.costReportEmail,
  fr: fr.costReportEmail,
};
export const outcomeEmail: Record<Language, typeof en.outcomeEmail> = {
  en: en.outcomeEmail,
  fr: fr.outcomeEmail,
};
export const fundsEmail: Record<Language, typeof en.fundsEmail> = { en: en.fundsEmail, fr: fr.fundsEmail };
export const portal: Record<Language, typeof en.portal> = { en: en.portal, fr: fr.portal };
export const decisions: Record<Language, typeof en.decisions> = { en: en.decisions, fr: fr.decisions };
export const withdrawn: Record<Language, typeof en.withdrawn> = { en: en.withdrawn, fr: fr.withdrawn };
export const withdrawnEmail: Record<Language, typeof en.withdrawnEmail> = {
  en: en.withdrawnEmail,
  fr: fr.withdrawnEmail,
};
export const authorityOutcomeEmail: Record<Language, typeof en.authorityOutcomeEmail> = {
  en: en.authorityOutcomeEmail,
  fr: fr.authorityOutcomeEmail,
};
export const envelope: Record<Language, typeof en.envelope> = { en: en.envelope, fr: fr.envelope };
export const receipt: Record<Language, typeof en.receipt> = { en: en.receipt, fr: fr.receipt };
export const outcomeDetails: Record<Language, typeof en.outcomeDetails> = {
  en: en.outcomeDetails,
  fr: fr.outcomeDetails,
};
