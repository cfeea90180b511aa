/**
 * Powertools logger and metrics, one instance each per Lambda instance. Structured JSON logs and
 * CloudWatch EMF metrics; locally the same lines go to stdout.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import * as config from './config.ts';
import { createMetrics } from './metrics.ts';

export const logger = new Logger({ serviceName: 'sluice', logLevel: config.logLevel() });
/** Per-function metrics, dimensions {service, stage} (see shared/metrics.ts for the design). */
export const metrics = createMetrics();
/** Per-tenant EMF records, dimensions {service, stage, tenant}; each is written when it is complete. */
export const tenantMetrics = createMetrics();
