/**
 * Powertools logger and metrics, one instance each per Lambda instance. Structured JSON logs and
 * CloudWatch EMF metrics; locally the same lines go to stdout.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: 'sluice', logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });
export const metrics = new Metrics({ namespace: 'Sluice', serviceName: 'sluice' });
