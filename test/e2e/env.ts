// Imported first by every e2e test file: quiet handler logs (warnings and errors still show) and
// no EMF metric lines, so that a failing run's output is readable.
process.env['LOG_LEVEL'] ??= 'WARN';
process.env['POWERTOOLS_METRICS_DISABLED'] ??= 'true';
