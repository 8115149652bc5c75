/**
 * GET /evaluations/{fundYear} (finance, admin): the evaluation report (its current round, with a
 * summary of earlier ones), JSON by default (EUR cents and GBP pence), or an HTML page when the caller
 * asks for `text/html`, with its round's `workflow: {status, error?}`. 404 if that year's evaluation was
 * never started (or the path names no fund year that is evaluated).
 */

import { requireStateMachineArn } from '../../platform/config.ts';
import { notFound } from '../../platform/errors.ts';
import { describeWorkflow, executionArnOf } from '../../platform/executions.ts';
import { apiHandler, json, type NegotiatedContext, negotiateMediaType } from '../../platform/http.ts';
import { html } from '../../sign-off/approval-links.ts';
import { requestsForSubject } from '../../sign-off/data/sign-offs.ts';
import { reportsForEvaluation } from '../data/cost-reports.ts';
import { getEvaluation, roundOf } from '../data/evaluations.ts';
import { evaluationSubjectId, isEvaluatedYear } from '../domain/evaluation.ts';
import { renderEvaluationReportPage } from '../evaluation-pages.ts';
import { evaluationView } from '../evaluation-view.ts';

export const handler = apiHandler<NegotiatedContext>(
  async (event, _caller, context) => {
    const raw = event.pathParameters?.fundYear ?? '';
    // A path that names no evaluation is a resource that does not exist, as for any other id.
    const fundYear = /^\d$/.test(raw) ? Number(raw) : Number.NaN;
    const evaluation = isEvaluatedYear(fundYear) ? await getEvaluation(fundYear) : undefined;
    if (!evaluation) {
      throw notFound(
        isEvaluatedYear(fundYear)
          ? `The evaluation of fund year ${fundYear} has not been started`
          : `No evaluation ${raw.slice(0, 20)}: fund years 1 and 2 are evaluated`,
      );
    }
    const [reports, requests, workflow] = await Promise.all([
      reportsForEvaluation(fundYear, roundOf(evaluation)),
      requestsForSubject('EVALUATION', evaluationSubjectId(fundYear, roundOf(evaluation))),
      describeWorkflow(
        executionArnOf(requireStateMachineArn('EVALUATION_STATE_MACHINE_ARN'), evaluation.startedBy),
      ),
    ]);
    // The round's workflow as Step Functions has it: a flow that failed says so (POST /evaluations
    // redrives it), as a proposal's does.
    const view = { ...evaluationView(evaluation, reports, requests), ...(workflow ? { workflow } : {}) };
    // HTML only when asked for before JSON (a browser's Accept); JSON otherwise, and for `*/*`.
    if (context.preferredMediaType === 'text/html') {
      return html(200, renderEvaluationReportPage(view));
    }
    return json(200, view);
  },
  negotiateMediaType(['application/json', 'text/html']),
);
