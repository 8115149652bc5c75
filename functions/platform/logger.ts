import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs (Powertools): one logger per container, request context added by middleware. */
export const logger = new Logger({ serviceName: 'jif' });
