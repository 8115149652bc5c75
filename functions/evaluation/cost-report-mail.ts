/**
 * The cost report request email, first or reminder: apart from the links module so that the pages
 * answering a link do not bundle the SES client.
 */

import { costReportRequestEmail } from '../pages/emails.ts';
import { sendEmail } from '../platform/mail.ts';
import { issueCostReportLink } from './cost-report-links.ts';
import type { CostReport } from './data/cost-reports.ts';

/** Emails the port authority a new link to the report's form and its deadline (reminder `n` if given). */
export async function emailCostReportLink(report: CostReport, reminder?: number): Promise<void> {
  const link = await issueCostReportLink(report.reportId);
  await sendEmail(
    [report.contactEmail],
    costReportRequestEmail({
      link,
      proposalId: report.proposalId,
      title: report.title,
      fundYear: report.fundYear,
      fundedEurCents: report.fundedEurCents,
      expiresAt: report.expiresAt,
      ...(reminder === undefined ? {} : { reminder }),
    }),
  );
}
