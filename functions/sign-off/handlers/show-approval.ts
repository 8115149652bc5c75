/**
 * GET /approvals/{approvalId}?token=: the confirmation page. It never decides anything: mail
 * scanners fetch every link before a person sees it, so only the form's POST records a decision.
 */

import { renderApprovalPage } from '../../pages/pages.ts';
import { publicHandler } from '../../platform/http.ts';
import { closedAnswer, html, message, pageLanguage, requestForLink } from '../approval-links.ts';
import { subjectSummary } from '../subjects.ts';

export const handler = publicHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  const found = await requestForLink(event.pathParameters?.approvalId, query.token);
  const language = pageLanguage(event, query.lang, found?.request);
  if (!found) return message('NOT_FOUND', language);
  const { request, stage } = found;
  const closed = await closedAnswer(request, new Date(), language);
  if (closed) return closed;
  const subject = await subjectSummary(request.subjectType, request.subjectId, request.authority, {
    withEnvelopes: true,
  });
  if (!subject) return message('NOT_FOUND', language);
  return html(
    200,
    renderApprovalPage({
      approvalId: request.approvalId,
      token: query.token ?? '',
      language,
      authority: request.authority,
      asDeputy: stage === 'DEPUTY',
      expiresAt: request.expiresAt,
      subject,
    }),
  );
});
