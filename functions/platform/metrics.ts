import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger } from './logger.ts';

/**
 * Business metrics (Powertools): EMF lines on stdout, which CloudWatch turns into metrics in Lambda
 * with no agent and no IAM. Imported only by the handlers where a business event happens, and
 * flushed per invocation by their `logMetrics` middleware.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'JIF',
  ...(process.env.AWS_LAMBDA_FUNCTION_NAME ? { serviceName: process.env.AWS_LAMBDA_FUNCTION_NAME } : {}),
  // An invocation without a business event (a replay) is normal: not a warning in the logs.
  logger: {
    debug: (...args: unknown[]) => logger.debug(String(args[0])),
    info: (...args: unknown[]) => logger.info(String(args[0])),
    warn: (...args: unknown[]) =>
      String(args[0]).startsWith('No application metrics')
        ? logger.debug(String(args[0]))
        : logger.warn(String(args[0])),
    error: (...args: unknown[]) => logger.error(String(args[0])),
  },
});

export type BusinessMetric =
  | 'ProposalSubmitted'
  | 'ProposalFunded'
  | 'ProposalRejected'
  | 'FundsCommittedEurCents'
  | 'FundsPaidEurCents';

/** One real business event (never a replay that changed nothing): a count, or an amount in EUR cents. */
export function countEvent(name: Extract<BusinessMetric, `Proposal${string}`>): void {
  metrics.addMetric(name, MetricUnit.Count, 1);
}

export function addEurCents(name: Extract<BusinessMetric, `Funds${string}`>, eurCents: number): void {
  metrics.addMetric(name, MetricUnit.NoUnit, eurCents);
}
