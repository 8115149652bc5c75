/**
 * Published on-demand prices, USD, for eu-west-3 (Europe, Paris), as read on 2026-11-29 from the
 * pages named here (stored copies; AWS's own tables are rendered in the browser). Where the Paris
 * figure could not be read, the US East figure is used and marked as not verified for Paris.
 */
export const PRICES = {
  stepFunctionsPerTransition: {
    usd: 0.0297 / 1000,
    source:
      'aws.amazon.com/step-functions/pricing (table: Europe (Paris) $0.0297 per 1,000 state transitions)',
    verified: true,
  },
  lambdaPerRequest: {
    usd: 0.2 / 1_000_000,
    source: 'aws.amazon.com/lambda/pricing ($0.20 per 1M requests, all commercial regions)',
    verified: true,
  },
  lambdaArmPerGbSecond: {
    usd: 0.0000133334,
    source:
      'aws.amazon.com/lambda/pricing, Arm: $0.0000133334 per GB-s in the base regions (eu-west-3 is one: it has no own row in the price tables we could read)',
    verified: false,
  },
  dynamoDbPerWru: {
    usd: 0.625 / 1_000_000,
    source: 'DynamoDB on-demand, US East $0.625 per million WRU (Price List API, 2026-09); Paris not read',
    verified: false,
  },
  dynamoDbPerRru: {
    usd: 0.125 / 1_000_000,
    source: 'DynamoDB on-demand, US East $0.125 per million RRU (Price List API, 2026-09); Paris not read',
    verified: false,
  },
  sesPerEmail: {
    usd: 0.1 / 1000,
    source:
      'aws.amazon.com/ses/pricing ($0.10 per 1,000 outbound emails, all regions; the list price, not re-read today)',
    verified: false,
  },
  httpApiPerRequest: {
    usd: 1.0 / 1_000_000,
    source:
      'aws.amazon.com/api-gateway/pricing, HTTP APIs: US East $1.00 per million (first 300M); Paris not read',
    verified: false,
  },
} as const;

export type PriceName = keyof typeof PRICES;
